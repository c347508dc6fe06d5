import { DomainError, type FieldIssue } from '@ln/kernel/domain/domain-error.base';

/** Refusals made at the edge (before a use case runs) share the domain's error shape. */
export class RequestValidationFailed extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'validation_failed';
  constructor(override readonly fields: readonly FieldIssue[]) {
    super(`the request is invalid: ${fields.map((f) => f.field).join(', ')}`);
  }
}

/**
 * Text the service cannot keep as sent: a lone UTF-16 surrogate (not Unicode; PostgreSQL refuses it
 * in jsonb and would silently replace it in text) or NUL (PostgreSQL text cannot hold it). Same code
 * as the domain's own NUL refusal (`rejectNul`).
 */
export class InvalidCharacters extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'invalid_character';
  constructor(override readonly fields: readonly FieldIssue[]) {
    super(`the request contains characters that cannot be stored: ${fields.map((f) => f.field).join(', ')}`);
  }
}

export class Unauthenticated extends DomainError {
  readonly kind = 'unauthenticated' as const;
  constructor(
    readonly code: 'missing_token' | 'invalid_token',
    message: string,
  ) {
    super(message);
  }
}

/** The one mapping of refusal kinds to HTTP statuses: for errors thrown in a request and for queued commands' recorded refusals. */
export const STATUS_BY_KIND: Record<DomainError['kind'], number> = {
  invalid: 400,
  unauthenticated: 401,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  gone: 410,
  unavailable: 503,
};
