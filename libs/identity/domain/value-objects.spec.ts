import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { Email } from './email.value-object';
import { Password } from './password.value-object';
import { TimeZone } from './timezone.value-object';

const never = () => false;

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('TimeZone.parse', () => {
  it('refuses what is not a zone name with invalid_timezone, a non-string too (never a TypeError)', () => {
    for (const raw of [undefined, null, 42, '', 'x'.repeat(65), 'Moon/Base']) {
      const e = refusal(() => TimeZone.parse(raw as string));
      expect(e).toBeInstanceOf(InvalidValue);
      expect(e).toMatchObject({ code: 'invalid_timezone', fields: [{ field: 'timezone' }] });
    }
  });

  it('keeps the user’s spelling of a known zone, fixing only letter case', () => {
    expect(TimeZone.parse('Europe/Berlin').value).toBe('Europe/Berlin');
    expect(TimeZone.parse('europe/berlin').value).toBe('Europe/Berlin');
    expect(TimeZone.UTC.value).toBe('UTC');
  });
});

describe('Email', () => {
  it('canonical leaves an address without a local part or domain as typed (lower case), and maps a punycode domain', () => {
    expect(Email.canonical(' Nope ')).toBe('nope');
    expect(Email.canonical('@xn--bcher-kva.example')).toBe('@xn--bcher-kva.example');
    expect(Email.canonical('ada@xn--bcher-kva.example')).toBe('ada@bücher.example');
    expect(Email.canonical('ADA@')).toBe('ada@');
  });

  it('equals compares the canonical value; localPart is what is before the last @', () => {
    expect(Email.parse('Ada@Example.com').equals(Email.parse('ada@example.com'))).toBe(true);
    expect(Email.parse('ada@example.com').equals(Email.parse('bob@example.com'))).toBe(false);
    expect(Email.parse('ada.l@example.com').localPart).toBe('ada.l');
  });

  it('a label without letters is fine (digits only)', () => {
    expect(Email.parse('123@456.example').value).toBe('123@456.example');
  });
});

describe('Password.choose: the account’s own address', () => {
  const email = Email.parse('adam@example.com');

  it('refuses the address, and a password containing a local part of 4 or more characters', () => {
    for (const raw of ['adam@example.com', 'my ADAM@example.com!', 'xadamx1234', 'xx a d a m 2024']) {
      expect(refusal(() => Password.choose(raw, email, never))).toMatchObject({ code: 'weak_password', fields: [{ field: 'password' }] });
    }
  });

  it('a local part shorter than 4 characters may appear inside a password, but not be it', () => {
    const ada = Email.parse('ada@example.com');
    expect(Password.choose('my ada story', ada, never).value).toBe('my ada story');
    expect(refusal(() => Password.choose('ada@example.com', ada, never))).toMatchObject({ code: 'weak_password' });
    // Spaces are not counted: 'a   d   a' is the local part.
    expect(refusal(() => Password.choose('a   d   a', ada, never))).toMatchObject({ code: 'weak_password' });
    expect(Password.choose('a   d   b', ada, never).value).toBe('a   d   b');
  });
});
