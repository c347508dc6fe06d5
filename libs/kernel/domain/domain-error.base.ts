/**
 * Every refusal the domain or the application can make. `kind` says what sort of refusal it
 * is (the edge maps kinds to protocol statuses), `code` is the stable machine name clients
 * may branch on.
 */
export type DomainErrorKind =
  | 'invalid' // the input breaks a rule of its own (400)
  | 'unauthenticated' // who you are could not be established (401)
  | 'not_found' // absent, or not yours (404)
  | 'conflict' // the current state refuses the change (409)
  | 'precondition_failed' // a stated precondition (version) no longer holds (412)
  | 'unprocessable' // well-formed but cannot be honoured as sent (422)
  | 'rate_limited' // too many attempts (429)
  | 'gone' // it existed and no longer does: start over (410)
  | 'unavailable'; // a dependency is down (503)

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  abstract readonly code: string;
  readonly fields?: readonly FieldIssue[];
  /** Seconds a client should wait before retrying (rate_limited, unavailable). */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value that breaks one of its own rules; names the field so the edge can report it. */
export class InvalidValue extends DomainError {
  readonly kind = 'invalid' as const;
  override readonly fields: readonly FieldIssue[];
  constructor(
    readonly code: string,
    field: string,
    message: string,
  ) {
    super(message);
    this.fields = [{ field, message }];
  }
}

/** PostgreSQL text cannot hold NUL; refusing it here makes it a 400 naming the field, not a 500. */
export function rejectNul(value: string, field: string): void {
  if (value.includes('\u0000')) throw new InvalidValue('invalid_character', field, 'must not contain NUL characters');
}
