import { DomainError, type FieldIssue } from '@ln/kernel/domain/domain-error';

/** Refusals made at the edge (before a use case runs) share the domain's error shape. */
export class RequestValidationFailed extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'validation_failed';
  constructor(override readonly fields: readonly FieldIssue[]) {
    super(`the request is invalid: ${fields.map((f) => f.field).join(', ')}`);
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

// One mapping of refusal kinds to statuses, shared with queued commands' recorded problems.
export { STATUS_BY_KIND } from '@ln/tasks/application/queued-writes/apply-command-batch';
