import { InvalidValue } from '@ln/kernel/domain/domain-error.base';

const MAX_LENGTH = 254;
// Deliberately permissive (RFC 5322 is not a good validator); the mailbox proves itself on use.
const SHAPE = /^[^\s@\u0000]+@[^\s@\u0000]+\.[^\s@\u0000]+$/;

export class Email {
  private constructor(readonly value: string) {}

  static parse(raw: string): Email {
    const value = raw.trim().toLowerCase();
    if (value.length === 0 || value.length > MAX_LENGTH || !SHAPE.test(value)) {
      throw new InvalidValue('invalid_email', 'email', 'must be an email address of at most 254 characters');
    }
    return new Email(value);
  }

  equals(other: Email): boolean {
    return other.value === this.value;
  }
}
