import { Logger } from '@nestjs/common';
import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import { DependencyUnavailable, InvalidCredentials, TooManyAttempts } from '@ln/kernel/application/application.errors';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { KNOWN_CLIENT_MS } from '@ln/identity/application/log-in/log-in.handler';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { throttleKey } from '@ln/identity/application/shared/throttle.service';
import { BrokenCounter } from '../../support/fakes';
import { settings, world } from '../../support/identity-world';

beforeAll(() => Logger.overrideLogger(false));

// The world's limits: 3 failures per (account, client) pair, 10 per client, 8 per account, per 60 s.
const PAIR = settings.loginMaxFailures;
const PER_ACCOUNT = settings.loginMaxFailuresPerAccount;
const PER_CLIENT = settings.loginMaxFailuresPerClient;

const login = (w: ReturnType<typeof world>, email: string, password: string, ip: string) => w.login.execute(new LogInCommand(email, password, ip));
const fails = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(InvalidCredentials);
const limited = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(TooManyAttempts);
const succeeds = (p: Promise<unknown>) => expect(p).resolves.toHaveProperty('accessToken');

describe('LogIn', () => {
  it('issues a session for the right password', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    const s = await w.login.execute(new LogInCommand(' A@b.co ', 'secret pass', '10.0.0.1'));
    expect(s.tokenType).toBe('Bearer');
    expect(w.tokens.rows).toHaveLength(1);
    // Only the hash is stored.
    expect(w.tokens.rows[0].tokenHash).not.toBe(s.refreshToken);
  });

  it('finds the account whichever Unicode form the address is typed in', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('jos\u00e9@example.com', 'secret pass'));
    await succeeds(login(w, 'JOSE\u0301@EXAMPLE.COM', 'secret pass', '10.0.0.1'));
  });

  it('spends the same hashing work for an unknown email', async () => {
    const w = world();
    await fails(login(w, 'nobody@b.co', 'x', '10.0.0.1'));
    expect(w.hasher.burns).toBe(1);
  });

  describe('throttle (ADR 20)', () => {
    it("failures from other clients do not lock the owner out: the right password from the owner's client works", async () => {
      const w = world();
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      for (const ip of ['10.0.0.1', '10.0.0.2']) for (let i = 0; i < PAIR; i++) await fails(login(w, 'a@b.co', 'wrong', ip));
      await limited(login(w, 'a@b.co', 'wrong', '10.0.0.1'));
      await succeeds(login(w, 'a@b.co', 'secret pass', '10.0.0.9'));
    });

    it('locks one (account, client) pair after N failures, the right password included, until the window passes', async () => {
      let now = 0;
      const w = world(new MemoryAttemptCounter({ now: () => now }));
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      for (let i = 0; i < PAIR; i++) await fails(login(w, 'a@b.co', 'wrong', '10.0.0.1'));
      const refused = login(w, 'a@b.co', 'secret pass', '10.0.0.1');
      await limited(refused);
      await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 60 });
      await succeeds(login(w, 'a@b.co', 'secret pass', '10.0.0.2'));
      now += 60_001;
      await succeeds(login(w, 'a@b.co', 'secret pass', '10.0.0.1'));
    });

    it('a success clears its pair: a typo-prone owner starts again', async () => {
      const w = world();
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < PAIR - 1; i++) await fails(login(w, 'a@b.co', 'typo', '10.0.0.1'));
        await succeeds(login(w, 'a@b.co', 'secret pass', '10.0.0.1'));
      }
    });

    it('counts an attempt when it starts: a burst of concurrent guesses from one client gets N verified, not all', async () => {
      const w = world();
      const burst = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => login(w, 'nobody@b.co', `guess ${i}`, '10.0.0.1')));
      expect(burst.filter((r) => r.status === 'rejected' && r.reason instanceof InvalidCredentials)).toHaveLength(PAIR);
      expect(burst.filter((r) => r.status === 'rejected' && r.reason instanceof TooManyAttempts)).toHaveLength(25 - PAIR);
      expect(w.hasher.burns).toBe(PAIR);
    });

    it('limits one client guessing across many accounts; another client is not affected', async () => {
      const w = world();
      for (let i = 0; i < PER_CLIENT; i++) await fails(login(w, `victim${i}@b.co`, 'guess', '10.9.9.9'));
      await limited(login(w, 'victim99@b.co', 'guess', '10.9.9.9'));
      await fails(login(w, 'victim99@b.co', 'guess', '10.9.9.8'));
    });

    it('counts an IPv6 client by its /64: another address of the same network is the same client', async () => {
      const w = world();
      for (let i = 0; i < PAIR; i++) await fails(login(w, 'a@b.co', 'wrong', `2001:db8:1:2::${i + 1}`));
      await limited(login(w, 'a@b.co', 'wrong', '2001:db8:1:2:ffff:ffff:ffff:ffff'));
      await fails(login(w, 'a@b.co', 'wrong', '2001:db8:1:3::1'));
    });

    it('stops a guesser spread over many clients at the per-account ceiling; the Retry-After is the ceiling window', async () => {
      let now = 0;
      const w = world(new MemoryAttemptCounter({ now: () => now }));
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      let failed = 0;
      for (let client = 1; failed < PER_ACCOUNT; client++) {
        for (let i = 0; i < PAIR && failed < PER_ACCOUNT; i++, failed++) await fails(login(w, 'a@b.co', `guess ${failed}`, `10.1.0.${client}`));
      }
      const burnsBefore = w.hasher.burns;
      now += 1000;
      const refused = login(w, 'a@b.co', 'another guess', '10.2.0.1');
      await limited(refused);
      await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 59 });
      // A new client with the right password waits too: the ceiling cannot tell it from a guesser.
      await limited(login(w, 'a@b.co', 'secret pass', '10.2.0.2'));
      expect(w.hasher.burns).toBe(burnsBefore);
      now += 60_000;
      await succeeds(login(w, 'a@b.co', 'secret pass', '10.2.0.2'));
    });

    it('lets a known client (one that logged in to the account within 30 days) through the per-account ceiling', async () => {
      let now = 0;
      const w = world(new MemoryAttemptCounter({ now: () => now }));
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      const attack = async (net: number) => {
        for (let client = 1; client <= Math.ceil(PER_ACCOUNT / PAIR) + 1; client++) {
          for (let i = 0; i < PAIR; i++) await login(w, 'a@b.co', 'guess', `10.${net}.0.${client}`).catch(() => undefined);
        }
      };
      await succeeds(login(w, 'a@b.co', 'secret pass', '192.0.2.7'));
      now += 3_600_000;
      await attack(1);
      await limited(login(w, 'a@b.co', 'secret pass', '10.2.0.1'));
      await succeeds(login(w, 'a@b.co', 'secret pass', '192.0.2.7'));
      // Still bound by its own pair limit.
      for (let i = 0; i < PAIR; i++) await fails(login(w, 'a@b.co', 'typo', '192.0.2.7'));
      await limited(login(w, 'a@b.co', 'secret pass', '192.0.2.7'));
      // Known for 30 days from that first login; then a stranger like any other.
      now += KNOWN_CLIENT_MS;
      await attack(3);
      await limited(login(w, 'a@b.co', 'secret pass', '192.0.2.7'));
    });

    it('one client cannot push an account to its ceiling: refused attempts add nothing to the account', async () => {
      const w = world();
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      for (let i = 0; i < 100; i++) await login(w, 'a@b.co', `guess ${i}`, '10.0.0.1').catch(() => undefined);
      expect((await w.counter.get(throttleKey('login-fail:account', 'a@b.co'))).count).toBe(PAIR);
      await succeeds(login(w, 'a@b.co', 'secret pass', '10.0.0.2'));
    });

    it('successful logins give their counts back: one client logging in to many accounts is never throttled', async () => {
      const w = world();
      for (let i = 0; i < PER_CLIENT + PER_ACCOUNT; i++) {
        await w.register.execute(new RegisterUserCommand(`user${i}@b.co`, 'secret pass'));
        await succeeds(login(w, `user${i}@b.co`, 'secret pass', '10.0.0.1'));
        await succeeds(login(w, `user${i}@b.co`, 'secret pass', '10.0.0.1'));
      }
      // Failures still count: past the per-client limit the client is refused for accounts it does not know...
      await w.register.execute(new RegisterUserCommand('fresh@b.co', 'secret pass'));
      for (let i = 0; i < PER_CLIENT; i++) await fails(login(w, `user${i}@b.co`, 'wrong', '10.0.0.1'));
      await limited(login(w, 'fresh@b.co', 'secret pass', '10.0.0.1'));
      // ...and let through for those it logged in to before (a shared address's own users).
      await succeeds(login(w, 'user0@b.co', 'secret pass', '10.0.0.1'));
    });

    it('an attempt that could not be decided (database down) is not a failure', async () => {
      const w = world();
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      const findByEmail = w.users.findByEmail.bind(w.users);
      w.users.findByEmail = async () => {
        throw new DependencyUnavailable('database');
      };
      for (let i = 0; i < PAIR + 2; i++) await expect(login(w, 'a@b.co', 'secret pass', '10.0.0.1')).rejects.toBeInstanceOf(DependencyUnavailable);
      w.users.findByEmail = findByEmail;
      await succeeds(login(w, 'a@b.co', 'secret pass', '10.0.0.1'));
    });

    it('fails open when the counter store is down', async () => {
      const w = world(new BrokenCounter());
      await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
      for (let i = 0; i < PAIR + 2; i++) await fails(login(w, 'a@b.co', 'wrong', 'ip'));
      await succeeds(login(w, 'a@b.co', 'secret pass', 'ip'));
    });
  });
});
