import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { Email } from './email.value-object';
import { EmailAlreadyRegistered } from './user.errors';

function refusal(raw: string): unknown {
  try {
    Email.parse(raw);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Email.parse: the shape and the length', () => {
  it('accepts an address of exactly 254 characters and refuses one of 255 (invalid_email on the email field)', () => {
    const at254 = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(at254).toHaveLength(254);
    expect(Email.parse(at254).value).toBe(at254);
    const at255 = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`;
    expect(at255).toHaveLength(255);
    const e = refusal(at255);
    expect(e).toBeInstanceOf(InvalidValue);
    expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_email', fields: [{ field: 'email' }] });
  });

  it.each([
    ['a second @ after the domain', 'a@b.co@example'],
    ['an @ before the local part', '@a@b.co'],
    ['no dot in the domain', 'a@bco'],
    ['nothing after the last dot', 'a@b.'],
    ['nothing before the @', '@b.co'],
    ['nothing at all', '   '],
  ])('refuses %s', (_, raw) => {
    expect(refusal(raw)).toMatchObject({ code: 'invalid_email' });
  });
});

describe('EmailAlreadyRegistered', () => {
  it('is a conflict clients tell apart by its code', () => {
    expect(new EmailAlreadyRegistered()).toMatchObject({ kind: 'conflict', code: 'email_taken' });
  });
});
