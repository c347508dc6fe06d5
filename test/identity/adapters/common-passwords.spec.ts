import { ZxcvbnCommonPasswords } from '@ln/identity/adapters/security/zxcvbn-common-passwords.adapter';
import { Email } from '@ln/identity/domain/email.value-object';
import { Password } from '@ln/identity/domain/password.value-object';

describe('ZxcvbnCommonPasswords (the pinned @zxcvbn-ts/language-common list)', () => {
  const list = new ZxcvbnCommonPasswords();

  it('holds the common passwords a registration could choose (8 characters or more), tens of thousands of them', () => {
    expect(list.size).toBeGreaterThan(10_000);
    for (const p of ['password', 'password1', '12345678', 'iloveyou', 'qwertyuiop', 'sunshine', 'football', 'trustno1', 'passw0rd']) expect(list.has(p)).toBe(true);
    // Shorter ones are refused by the length rule anyway; they are not kept.
    expect(list.has('123456')).toBe(false);
  });

  it('does not hold the passwords the repository\'s own tests, sims and benches register with', () => {
    for (const p of ['correct horse', 'long enough', 'simulated user', 'bench password', 'chaos password long enough', 'secret pass', 'other password', 'correct horse battery']) {
      expect(list.has(p.replace(/\s+/g, ''))).toBe(false);
    }
  });

  it('with Password.choose refuses a common password however it is cased or spaced', () => {
    const email = Email.parse('someone@example.com');
    for (const p of ['Password1', 'PASSWORD1', 'pass word 1', 'I Love You']) {
      expect(() => Password.choose(p, email, (f) => list.has(f))).toThrow(expect.objectContaining({ code: 'weak_password' }));
    }
    expect(Password.choose('correct horse', email, (f) => list.has(f)).value).toBe('correct horse');
  });
});
