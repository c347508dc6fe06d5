import { Logger } from '@nestjs/common';
import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import { TooManyRegistrations } from '@ln/identity/application/identity.errors';
import { EmailAlreadyRegistered } from '@ln/identity/domain/user.errors';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { BrokenCounter } from '../../support/fakes';
import { settings, world } from '../../support/identity-world';

beforeAll(() => Logger.overrideLogger(false));

describe('RegisterUser', () => {
  it('stores the user with a hash and records user.registered.v1 without the email', async () => {
    const w = world();
    const view = await w.register.execute(new RegisterUserCommand('Ada@Example.com', 'secret pass', 'Asia/Seoul'));
    expect(view).toMatchObject({ email: 'ada@example.com', timezone: 'Asia/Seoul' });
    expect(w.users.rows.get(view.id)?.passwordHash).toBe('hashed:secret pass');
    expect(w.users.outbox).toEqual([expect.objectContaining({ type: 'user.registered.v1', aggregateId: view.id, payload: { timezone: 'Asia/Seoul' } })]);
    expect(JSON.stringify(w.users.outbox)).not.toContain('ada@example.com');
  });

  it('refuses a taken email without spending a hash', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await expect(w.register.execute(new RegisterUserCommand('A@B.CO', 'other pass'))).rejects.toBeInstanceOf(EmailAlreadyRegistered);
    expect(w.hasher.hashes).toBe(1);
  });

  it('an address in NFD is the same account as in NFC (and is stored in NFC)', async () => {
    const w = world();
    const view = await w.register.execute(new RegisterUserCommand('jose\u0301@example.com', 'secret pass'));
    expect(view.email).toBe('jos\u00e9@example.com');
    await expect(w.register.execute(new RegisterUserCommand('JOS\u00c9@example.com', 'other pass'))).rejects.toBeInstanceOf(EmailAlreadyRegistered);
  });

  it('refuses a look-alike address', async () => {
    const w = world();
    await expect(w.register.execute(new RegisterUserCommand('p\u0430ypal@example.com', 'secret pass'))).rejects.toMatchObject({ code: 'invalid_email' });
  });

  it('refuses an unknown time zone before hashing', async () => {
    const w = world();
    await expect(w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass', 'Moon/Base'))).rejects.toBeInstanceOf(InvalidValue);
    expect(w.hasher.hashes).toBe(0);
  });

  it.each([
    ['eight spaces', '        '],
    ['the address', 'ada.lovelace@example.com'],
    ['the local part and a digit', 'Ada.Lovelace1'],
    ['a common password', 'Password1'],
  ])('refuses %s as the password with weak_password, before hashing', async (_label, password) => {
    const w = world();
    const refused = w.register.execute(new RegisterUserCommand('ada.lovelace@example.com', password));
    await expect(refused).rejects.toBeInstanceOf(InvalidValue);
    await expect(refused).rejects.toMatchObject({ code: 'weak_password', fields: [{ field: 'password', message: expect.any(String) }] });
    expect(w.hasher.hashes).toBe(0);
    expect(w.users.rows.size).toBe(0);
  });

  it('a weak password is refused whether or not the address is taken (the answer is the same)', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await expect(w.register.execute(new RegisterUserCommand('a@b.co', 'password1'))).rejects.toMatchObject({ code: 'weak_password' });
    await expect(w.register.execute(new RegisterUserCommand('new@b.co', 'password1'))).rejects.toMatchObject({ code: 'weak_password' });
  });

  describe('per-client limit (REGISTER_PER_CLIENT_PER_HOUR)', () => {
    const LIMIT = settings.registrationsPerClientPerHour;

    it('counts every attempt of a client, taken addresses and refusals included; past the limit 429 until the hour is over, without hashing', async () => {
      let now = 0;
      const w = world(new MemoryAttemptCounter({ now: () => now }));
      await w.register.execute(new RegisterUserCommand('first@b.co', 'secret pass', undefined, '10.0.0.1'));
      await expect(w.register.execute(new RegisterUserCommand('first@b.co', 'secret pass', undefined, '10.0.0.1'))).rejects.toBeInstanceOf(EmailAlreadyRegistered);
      await expect(w.register.execute(new RegisterUserCommand('weak@b.co', 'password1', undefined, '10.0.0.1'))).rejects.toBeInstanceOf(InvalidValue);
      for (let i = 3; i < LIMIT; i++) await w.register.execute(new RegisterUserCommand(`user${i}@b.co`, 'secret pass', undefined, '10.0.0.1'));
      const hashes = w.hasher.hashes;

      now += 10 * 60_000;
      const refused = w.register.execute(new RegisterUserCommand('one-more@b.co', 'secret pass', undefined, '10.0.0.1'));
      await expect(refused).rejects.toBeInstanceOf(TooManyRegistrations);
      await expect(refused).rejects.toMatchObject({ code: 'too_many_registrations', kind: 'rate_limited', retryAfterSeconds: 50 * 60 });
      // A taken address is refused the same way: past the limit nothing is looked up.
      await expect(w.register.execute(new RegisterUserCommand('first@b.co', 'secret pass', undefined, '10.0.0.1'))).rejects.toBeInstanceOf(TooManyRegistrations);
      expect(w.hasher.hashes).toBe(hashes);

      // Another client is not affected; an IPv6 client is its /64.
      await expect(w.register.execute(new RegisterUserCommand('one-more@b.co', 'secret pass', undefined, '10.0.0.2'))).resolves.toHaveProperty('id');
      now += 50 * 60_000;
      await expect(w.register.execute(new RegisterUserCommand('later@b.co', 'secret pass', undefined, '10.0.0.1'))).resolves.toHaveProperty('id');
    });

    it('counts an IPv6 client by its /64', async () => {
      const w = world();
      for (let i = 0; i < LIMIT; i++) await w.register.execute(new RegisterUserCommand(`v6-${i}@b.co`, 'secret pass', undefined, `2001:db8:0:7::${i + 1}`));
      await expect(w.register.execute(new RegisterUserCommand('v6-x@b.co', 'secret pass', undefined, '2001:db8:0:7:aaaa::1'))).rejects.toBeInstanceOf(TooManyRegistrations);
      await expect(w.register.execute(new RegisterUserCommand('v6-x@b.co', 'secret pass', undefined, '2001:db8:0:8::1'))).resolves.toHaveProperty('id');
    });

    it('does not limit a caller that names no client (an internal caller)', async () => {
      const w = world();
      for (let i = 0; i < LIMIT + 2; i++) await w.register.execute(new RegisterUserCommand(`internal${i}@b.co`, 'secret pass'));
      expect(w.users.rows.size).toBe(LIMIT + 2);
    });

    it('fails open when the counter store is down', async () => {
      const w = world(new BrokenCounter());
      for (let i = 0; i < LIMIT + 2; i++) await w.register.execute(new RegisterUserCommand(`open${i}@b.co`, 'secret pass', undefined, '10.0.0.1'));
      expect(w.users.rows.size).toBe(LIMIT + 2);
    });
  });
});
