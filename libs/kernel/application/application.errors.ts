import { DomainError } from '../domain/domain-error.base';

/** The aggregate changed between load and save; the caller may reload and retry. */
export class ConcurrentModification extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'concurrent_modification';
  constructor(aggregate: string) {
    super(`the ${aggregate} was changed by another request; reload and retry`);
  }
}

export class InvalidCredentials extends DomainError {
  readonly kind = 'unauthenticated' as const;
  readonly code = 'invalid_credentials';
  constructor() {
    super('email or password is incorrect');
  }
}

export class InvalidRefreshToken extends DomainError {
  readonly kind = 'unauthenticated' as const;
  readonly code = 'invalid_refresh_token';
  constructor() {
    super('the refresh token is invalid, expired or revoked');
  }
}

/** A refresh token was presented twice: it was stolen or replayed, so its whole family is revoked. */
export class RefreshTokenReused extends DomainError {
  readonly kind = 'unauthenticated' as const;
  readonly code = 'refresh_token_reused';
  constructor() {
    super('the refresh token was already used; every session from that login has been revoked');
  }
}

export class TooManyAttempts extends DomainError {
  readonly kind = 'rate_limited' as const;
  readonly code = 'too_many_attempts';
  constructor(override readonly retryAfterSeconds: number) {
    super('too many failed attempts; try again later');
  }
}

export class UserNotFound extends DomainError {
  readonly kind = 'not_found' as const;
  readonly code = 'user_not_found';
  constructor() {
    super('user not found');
  }
}

/** A service the request needs (database, broker) is down or too slow right now: retry later. */
export class DependencyUnavailable extends DomainError {
  readonly kind = 'unavailable' as const;
  readonly code = 'dependency_unavailable';
  override readonly retryAfterSeconds = 5;
  constructor(dependency: string, cause?: unknown) {
    super(`the ${dependency} is unavailable; retry shortly`);
    this.cause = cause;
  }
}
