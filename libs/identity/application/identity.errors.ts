import { DomainError } from '@ln/kernel/domain/domain-error.base';

/** One client asked for more registrations than REGISTER_PER_CLIENT_PER_HOUR allows (ADR 20). */
export class TooManyRegistrations extends DomainError {
  readonly kind = 'rate_limited' as const;
  readonly code = 'too_many_registrations';
  constructor(override readonly retryAfterSeconds: number) {
    super('too many registrations from this address; try again later');
  }
}
