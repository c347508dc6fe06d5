import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { Email } from './email.value-object';
import { Password } from './password.value-object';

const COMMON = new Set(['password1', 'iloveyou', 'qwertyuiop']);
const isCommon = (folded: string) => COMMON.has(folded);
const ada = Email.parse('ada.lovelace@example.com');

function refusal(raw: string, email: Email = ada): InvalidValue {
  try {
    Password.choose(raw, email, isCommon);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidValue);
    return e as InvalidValue;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('Password', () => {
  it.each(['correct horse', 'long enough', 'Tr0ub4dor&3', '  padded but long  ', 'contraseña segura', '🔑🔑🔑🔑🔑🔑🔑🔑'])('accepts %j unchanged (what is hashed is what was typed)', (raw) => {
    expect(Password.choose(raw, ada, isCommon).value).toBe(raw);
  });

  it.each([
    ['eight spaces', ' '.repeat(8)],
    ['tabs and newlines', '\t\t\n\n\t\t\n\n'],
    ['seven characters padded with spaces', '  abcdefg  '],
  ])('refuses %s: fewer than 8 characters besides leading and trailing spaces', (_label, raw) => {
    const e = refusal(raw);
    expect(e.code).toBe('weak_password');
    expect(e.fields).toEqual([{ field: 'password', message: expect.stringMatching(/at least 8 characters/) }]);
  });

  it.each([
    ['the address itself', 'ada.lovelace@example.com'],
    ['the address in capitals', 'ADA.LOVELACE@EXAMPLE.COM'],
    ['the local part', 'ada.lovelace'],
    ['the local part with digits', 'ada.lovelace1815'],
    ['the local part spaced out', 'ada .love lace!'],
    ['the address with a suffix', 'ada.lovelace@example.com!'],
  ])('refuses %s', (_label, raw) => {
    const e = refusal(raw);
    expect(e.code).toBe('weak_password');
    expect(e.fields?.[0].message).toMatch(/email address/);
  });

  it('checks a short local part only for equality (it would forbid too much as a substring)', () => {
    const short = Email.parse('bob@example.com');
    expect(Password.choose('bobsleigh run', short, isCommon).value).toBe('bobsleigh run');
    expect(refusal('bob@example.com', short).code).toBe('weak_password');
  });

  it.each(['password1', 'PASSWORD1', 'Password1', 'i love you', 'ＩＬＯＶＥＹＯＵ', 'qwertyuiop'])('refuses %j: on the common list (case, spaces and width folded)', (raw) => {
    const e = refusal(raw);
    expect(e.code).toBe('weak_password');
    expect(e.fields?.[0].message).toMatch(/most commonly used/);
  });

  it('gives the list the folded password', () => {
    const seen: string[] = [];
    Password.choose('Correct Ｈorse', ada, (p) => (seen.push(p), false));
    expect(seen).toEqual(['correcthorse']);
  });
});
