import { Logger } from '@nestjs/common';
import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import { IdentityFacade } from '@ln/identity/application/identity.facade';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { LogOutCommand } from '@ln/identity/application/log-out/log-out.command';
import type { AttemptCount, AttemptCounter } from '@ln/identity/application/ports/attempt-counter.port';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { throttledClientOf } from '@ln/identity/application/shared/client-address';
import { Throttle, secondsUntil, throttleKey } from '@ln/identity/application/shared/throttle.service';
import { UpdateMeCommand } from '@ln/identity/application/update-me/update-me.command';
import { TooManyAttempts } from '@ln/kernel/application/application.errors';
import { InMemoryAccounts } from '../../support/fakes';
import { settings, world } from '../../support/identity-world';

/** Captures what Nest's Logger is asked to warn (operators read these lines). */
function captureWarnings(): string[] {
  const warnings: string[] = [];
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
    warnings.push(String(message));
  });
  return warnings;
}

afterEach(() => jest.restoreAllMocks());

/** A counter whose chosen operations fail, as a store that is down. */
class FlakyCounter implements AttemptCounter {
  readonly inner = new MemoryAttemptCounter();
  constructor(private readonly failing: Set<keyof AttemptCounter>) {}
  private guard(op: keyof AttemptCounter) {
    if (this.failing.has(op)) throw new Error(`${op} refused`);
  }
  async increment(key: string, windowMs: number): Promise<AttemptCount> {
    this.guard('increment');
    return this.inner.increment(key, windowMs);
  }
  async get(key: string): Promise<AttemptCount> {
    this.guard('get');
    return this.inner.get(key);
  }
  async reset(key: string): Promise<void> {
    this.guard('reset');
    return this.inner.reset(key);
  }
  async decrement(key: string): Promise<void> {
    this.guard('decrement');
    return this.inner.decrement(key);
  }
}

describe('throttle keys', () => {
  it('are the kind, then 22 characters of a digest of the parts (no email or address in the store)', () => {
    const key = throttleKey('login-fail:pair', 'a@b.co', '10.0.0.1');
    expect(key).toMatch(/^login-fail:pair:[A-Za-z0-9_-]{22}$/);
    expect(key).not.toContain('a@b.co');
    expect(throttleKey('login-fail:pair', 'a@b.co', '10.0.0.1')).toBe(key);
    expect(throttleKey('login-fail:pair', 'a@b.co', '10.0.0.2')).not.toBe(key);
    // The parts are kept apart: ('ab', 'c') is not ('a', 'bc').
    expect(throttleKey('k', 'ab', 'c')).not.toBe(throttleKey('k', 'a', 'bc'));
  });

  it('a login counts under its pair, client and account keys', async () => {
    const counter = new MemoryAttemptCounter();
    const increments: string[] = [];
    const original = counter.increment.bind(counter);
    counter.increment = (key, windowMs) => {
      increments.push(key.split(':').slice(0, -1).join(':'));
      return original(key, windowMs);
    };
    const w = world(counter);
    await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', '10.0.0.1'))).rejects.toBeTruthy();
    expect(increments.sort()).toEqual(['login-fail:account', 'login-fail:client', 'login-fail:pair']);
    increments.length = 0;
    await w.register.execute(new RegisterUserCommand('new@b.co', 'secret pass', undefined, '10.0.0.1'));
    expect(increments).toEqual(['register:client']);
    increments.length = 0;
    await w.login.execute(new LogInCommand('new@b.co', 'secret pass', '10.0.0.1'));
    expect(increments.sort()).toEqual(['login-fail:account', 'login-fail:client', 'login-fail:pair', 'login-ok:pair']);
  });

  it('secondsUntil: whole seconds, rounded up, at least 1', () => {
    expect(secondsUntil({ count: 1, resetInMs: 1 })).toBe(1);
    expect(secondsUntil({ count: 1, resetInMs: 1001 })).toBe(2);
    expect(secondsUntil({ count: 1, resetInMs: 0 })).toBe(1);
    expect(secondsUntil({ count: 1, resetInMs: 30_000 })).toBe(30);
  });
});

describe('Throttle when the counter store fails: open, and logged', () => {
  it('take allows the attempt (null) and warns', async () => {
    const warnings = captureWarnings();
    const throttle = new Throttle(new FlakyCounter(new Set(['increment'])));
    await expect(throttle.take('k', 1000)).resolves.toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/allowing the attempt.*increment refused/)]);
  });

  it('giveBack of an attempt not counted does nothing; a failing decrement or reset is logged, not thrown', async () => {
    const warnings = captureWarnings();
    const counter = new FlakyCounter(new Set(['decrement', 'reset']));
    const throttle = new Throttle(counter);
    const taken = await throttle.take('k', 60_000);
    await throttle.giveBack('k', null);
    expect(warnings).toEqual([]);
    await expect(throttle.giveBack('k', taken)).resolves.toBeUndefined();
    await expect(throttle.clear('k')).resolves.toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/an attempt stays counted.*decrement refused/), expect.stringMatching(/a count was not cleared.*reset refused/)]);
    // The count stayed.
    expect((await counter.inner.get('k')).count).toBe(1);
  });

  it('giveBack and clear do take back and clear when the store works', async () => {
    const counter = new MemoryAttemptCounter();
    const throttle = new Throttle(counter);
    const first = await throttle.take('k', 60_000);
    await throttle.take('k', 60_000);
    await throttle.giveBack('k', first);
    expect((await counter.get('k')).count).toBe(1);
    expect(await throttle.isSet('k')).toBe(true);
    await throttle.clear('k');
    expect(await throttle.isSet('k')).toBe(false);
  });

  it('isSet is false when the store fails, and warns', async () => {
    const warnings = captureWarnings();
    const throttle = new Throttle(new FlakyCounter(new Set(['get'])));
    await expect(throttle.isSet('k')).resolves.toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/treating the client as unknown.*get refused/)]);
  });

  it('a thrown non-Error is reported too', async () => {
    const warnings = captureWarnings();
    const counter = new MemoryAttemptCounter();
    counter.increment = () => Promise.reject('plain string');
    await new Throttle(counter).take('k', 1000);
    expect(warnings).toEqual([expect.stringContaining('plain string')]);
  });
});

describe('LogIn: the per-account ceiling', () => {
  it('warns when failures from many clients pass it; the refusal waits the window out', async () => {
    const warnings = captureWarnings();
    const w = world(new MemoryAttemptCounter(), { loginMaxFailures: 100 });
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    for (let i = 0; i < settings.loginMaxFailuresPerAccount; i++) await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', `10.0.1.${i}`))).rejects.toBeTruthy();
    expect(warnings).toEqual([]);
    const refused = w.login.execute(new LogInCommand('a@b.co', 'wrong', '10.0.2.1'));
    await expect(refused).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: settings.loginFailureWindowSeconds });
    expect(warnings).toEqual([expect.stringContaining('per-account ceiling')]);
    // A refused attempt is given back, so the next one passes the ceiling again, and warns again.
    await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', '10.0.2.2'))).rejects.toBeInstanceOf(TooManyAttempts);
    expect(warnings).toHaveLength(2);
  });
});

describe('LogIn: which ceiling, and how long to wait', () => {
  it('a client over its own ceiling is refused without a per-account warning', async () => {
    const warnings = captureWarnings();
    const w = world(new MemoryAttemptCounter(), { loginMaxFailuresPerClient: 3, loginMaxFailuresPerAccount: 50, loginMaxFailures: 50 });
    for (let i = 0; i < 3; i++) await expect(w.login.execute(new LogInCommand(`user${i}@b.co`, 'wrong', '10.0.0.1'))).rejects.toBeTruthy();
    await expect(w.login.execute(new LogInCommand('user9@b.co', 'wrong', '10.0.0.1'))).rejects.toBeInstanceOf(TooManyAttempts);
    expect(warnings).toEqual([]);
  });

  it('over two ceilings, Retry-After is the later of their windows', async () => {
    let now = 0;
    const w = world(new MemoryAttemptCounter({ now: () => now }), { loginMaxFailuresPerClient: 3, loginMaxFailuresPerAccount: 3, loginMaxFailures: 50 });
    // The client's window opens at 0 s (60 s long) ...
    for (let i = 0; i < 3; i++) await expect(w.login.execute(new LogInCommand(`user${i}@b.co`, 'wrong', '10.0.0.1'))).rejects.toBeTruthy();
    // ... the account's at 30 s, from other clients.
    now = 30_000;
    for (let i = 0; i < 3; i++) await expect(w.login.execute(new LogInCommand('target@b.co', 'wrong', `10.0.9.${i}`))).rejects.toBeTruthy();
    now = 31_000;
    await expect(w.login.execute(new LogInCommand('target@b.co', 'wrong', '10.0.0.1'))).rejects.toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 59 });
  });

  it('the client address is trimmed, and an IPv4-mapped address after a leading zero group is still its IPv4 address', () => {
    expect(throttledClientOf(' 203.0.113.9 ')).toBe('203.0.113.9');
    expect(throttledClientOf('0::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(throttledClientOf('0:0::ffff:cb00:7109')).toBe('203.0.113.9');
  });
});

describe('LogOut, UpdateMe, sessions and the facade', () => {
  it('log out without a token ends every session of the user; with one, only that login', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    const one = await w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.1'));
    await w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.1'));
    const userId = w.tokens.rows[0].userId;
    await w.logout.execute(new LogOutCommand(userId, one.refreshToken));
    expect(w.tokens.rows.map((r) => r.revokedAt !== null && r.revokedAt !== undefined)).toEqual([true, false]);
    await w.logout.execute(new LogOutCommand(userId));
    expect(w.tokens.rows.every((r) => r.revokedAt)).toBe(true);
  });

  it('a refresh token lives refreshTokenTtlSeconds from its issue', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.1'));
    const row = w.tokens.rows[0];
    // The world's clock stands still: the token was issued at its time.
    expect(row.expiresAt.getTime() - w.clock.now().getTime()).toBe(settings.refreshTokenTtlSeconds * 1000);
  });

  it('update me without a timezone change keeps the timezone and records no change', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass', 'Europe/Berlin'));
    const id = [...w.users.rows.keys()][0];
    const outbox = w.users.outbox.length;
    await expect(w.updateMe.execute(new UpdateMeCommand(id, {}))).resolves.toMatchObject({ timezone: 'Europe/Berlin' });
    expect(w.users.outbox.length).toBe(outbox);
    await expect(w.updateMe.execute(new UpdateMeCommand(id, { timezone: 'Asia/Seoul' }))).resolves.toMatchObject({ timezone: 'Asia/Seoul' });
  });

  it('the facade reads an account’s timezone, null without an account', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass', 'Asia/Seoul'));
    const id = [...w.users.rows.keys()][0];
    const facade = new IdentityFacade(new InMemoryAccounts(w.users));
    await expect(facade.timezoneOf(id)).resolves.toBe('Asia/Seoul');
    await expect(facade.timezoneOf('nobody')).resolves.toBeNull();
    await expect(facade.timezonesOf([id, 'nobody'])).resolves.toEqual(new Map([[id, 'Asia/Seoul']]));
  });
});
