import { DomainError } from '@ln/kernel/domain/domain-error.base';

export class EmailAlreadyRegistered extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'email_taken';
  constructor() {
    super('an account with this email already exists');
  }
}
