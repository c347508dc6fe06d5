import { Logger } from '@nestjs/common';
import { EmailAlreadyRegistered } from '@ln/identity/domain/user.errors';
import { InvalidValue } from '@ln/kernel/domain/domain-error';
import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import {
  BrokenCounter,
  FakeAccessTokens,
  FakeHasher,
  FixedClock,
  InMemoryAccounts,
  InMemoryRefreshTokens,
  InMemoryUsers,
  SequentialIds,
} from '../../support/fakes';
import { InvalidCredentials, InvalidRefreshToken, RefreshTokenReused, TooManyAttempts, UserNotFound } from '@ln/kernel/application/application-errors';
import type { AttemptCounter } from '@ln/identity/application/ports/attempt-counter.port';
import { GetMeHandler } from '@ln/identity/application/get-me/get-me.handler';
import { GetMeQuery } from '@ln/identity/application/get-me/get-me.query';
import { UpdateMeCommand } from '@ln/identity/application/update-me/update-me.command';
import { UpdateMeHandler } from '@ln/identity/application/update-me/update-me.handler';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { LogInHandler } from '@ln/identity/application/log-in/log-in.handler';
import { LogOutCommand } from '@ln/identity/application/log-out/log-out.command';
import { LogOutHandler } from '@ln/identity/application/log-out/log-out.handler';
import { RefreshSessionCommand } from '@ln/identity/application/refresh-session/refresh-session.command';
import { RefreshSessionHandler } from '@ln/identity/application/refresh-session/refresh-session.handler';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { RegisterUserHandler } from '@ln/identity/application/register-user/register-user.handler';
import { SessionIssuer } from '@ln/identity/application/shared/session-issuer';

const settings = { refreshTokenTtlSeconds: 3600, loginMaxFailures: 3, loginFailureWindowSeconds: 60 };

function world(counter: AttemptCounter = new MemoryAttemptCounter()) {
  const clock = new FixedClock();
  const ids = new SequentialIds();
  const users = new InMemoryUsers();
  const tokens = new InMemoryRefreshTokens();
  const hasher = new FakeHasher();
  const access = new FakeAccessTokens();
  const sessions = new SessionIssuer(access, tokens, clock, ids, settings);
  return {
    clock,
    users,
    tokens,
    hasher,
    register: new RegisterUserHandler(users, hasher, clock, ids),
    login: new LogInHandler(users, hasher, counter, settings, sessions),
    refresh: new RefreshSessionHandler(tokens, clock, sessions),
    logout: new LogOutHandler(tokens, clock),
    getMe: new GetMeHandler(new InMemoryAccounts(users)),
    updateMe: new UpdateMeHandler(users, clock, ids),
  };
}

beforeAll(() => Logger.overrideLogger(false));

describe('RegisterUser', () => {
  it('stores the user with a hash and records user.registered.v1', async () => {
    const w = world();
    const view = await w.register.execute(new RegisterUserCommand('Ada@Example.com', 'secret pass', 'Asia/Seoul'));
    expect(view).toMatchObject({ email: 'ada@example.com', timezone: 'Asia/Seoul' });
    expect(w.users.rows.get(view.id)?.passwordHash).toBe('hashed:secret pass');
    expect(w.users.outbox).toEqual([expect.objectContaining({ type: 'user.registered.v1', aggregateId: view.id })]);
  });

  it('refuses a taken email without spending a hash', async () => {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await expect(w.register.execute(new RegisterUserCommand('A@B.CO', 'other pass'))).rejects.toBeInstanceOf(EmailAlreadyRegistered);
    expect(w.hasher.hashes).toBe(1);
  });

  it('refuses an unknown time zone before hashing', async () => {
    const w = world();
    await expect(w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass', 'Moon/Base'))).rejects.toBeInstanceOf(InvalidValue);
    expect(w.hasher.hashes).toBe(0);
  });
});

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

  it('spends the same hashing work for an unknown email', async () => {
    const w = world();
    await expect(w.login.execute(new LogInCommand('nobody@b.co', 'x', '10.0.0.1'))).rejects.toBeInstanceOf(InvalidCredentials);
    expect(w.hasher.burns).toBe(1);
  });

  it('locks the account after N failures until the window passes', async () => {
    let now = 0;
    const w = world(new MemoryAttemptCounter({ now: () => now }));
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    for (let i = 0; i < 3; i++) {
      await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', `10.0.0.${i}`))).rejects.toBeInstanceOf(InvalidCredentials);
    }
    const limited = w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.9'));
    await expect(limited).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(limited).rejects.toMatchObject({ retryAfterSeconds: 60 });
    now += 60_001;
    await expect(w.login.execute(new LogInCommand('a@b.co', 'secret pass', '10.0.0.9'))).resolves.toHaveProperty('accessToken');
  });

  it('limits one client guessing across many accounts', async () => {
    const w = world();
    for (let i = 0; i < 12; i++) {
      await expect(w.login.execute(new LogInCommand(`victim${i}@b.co`, 'guess', '10.9.9.9'))).rejects.toBeInstanceOf(InvalidCredentials);
    }
    await expect(w.login.execute(new LogInCommand('victim99@b.co', 'guess', '10.9.9.9'))).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(w.login.execute(new LogInCommand('victim99@b.co', 'guess', '10.9.9.8'))).rejects.toBeInstanceOf(InvalidCredentials);
  });

  it('fails open when the counter store is down', async () => {
    const w = world(new BrokenCounter());
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    await expect(w.login.execute(new LogInCommand('a@b.co', 'wrong', 'ip'))).rejects.toBeInstanceOf(InvalidCredentials);
    await expect(w.login.execute(new LogInCommand('a@b.co', 'secret pass', 'ip'))).resolves.toHaveProperty('refreshToken');
  });
});

describe('RefreshSession', () => {
  async function loggedIn() {
    const w = world();
    await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    return { w, s: await w.login.execute(new LogInCommand('a@b.co', 'secret pass', 'ip')) };
  }

  it('rotates within the family', async () => {
    const { w, s } = await loggedIn();
    const next = await w.refresh.execute(new RefreshSessionCommand(s.refreshToken));
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect(new Set(w.tokens.rows.map((r) => r.familyId)).size).toBe(1);
  });

  it('a replayed token revokes the whole family', async () => {
    const { w, s } = await loggedIn();
    const next = await w.refresh.execute(new RefreshSessionCommand(s.refreshToken));
    await expect(w.refresh.execute(new RefreshSessionCommand(s.refreshToken))).rejects.toBeInstanceOf(RefreshTokenReused);
    await expect(w.refresh.execute(new RefreshSessionCommand(next.refreshToken))).rejects.toBeInstanceOf(RefreshTokenReused);
  });

  it('an expired or unknown token is invalid', async () => {
    const { w, s } = await loggedIn();
    await expect(w.refresh.execute(new RefreshSessionCommand('nope'))).rejects.toBeInstanceOf(InvalidRefreshToken);
    w.clock.advance(3600_001);
    await expect(w.refresh.execute(new RefreshSessionCommand(s.refreshToken))).rejects.toBeInstanceOf(InvalidRefreshToken);
  });

  it('logout with another user id leaves the token alone', async () => {
    const { w, s } = await loggedIn();
    const owner = w.tokens.rows[0].userId;
    await w.logout.execute(new LogOutCommand('someone-else', s.refreshToken));
    await expect(w.refresh.execute(new RefreshSessionCommand(s.refreshToken))).resolves.toBeDefined();
    await w.logout.execute(new LogOutCommand(owner));
    expect(w.tokens.rows.every((r) => r.revokedAt)).toBe(true);
  });
});

describe('Me', () => {
  it('reads and updates the account; unknown user is UserNotFound', async () => {
    const w = world();
    const view = await w.register.execute(new RegisterUserCommand('a@b.co', 'secret pass'));
    w.clock.advance(5000);
    const updated = await w.updateMe.execute(new UpdateMeCommand(view.id, { timezone: 'Europe/Paris' }));
    expect(updated.timezone).toBe('Europe/Paris');
    expect(updated.updatedAt > view.updatedAt).toBe(true);
    expect((await w.getMe.execute(new GetMeQuery(view.id))).timezone).toBe('Europe/Paris');
    await expect(w.getMe.execute(new GetMeQuery('missing'))).rejects.toBeInstanceOf(UserNotFound);
    await expect(w.updateMe.execute(new UpdateMeCommand('missing', { timezone: 'UTC' }))).rejects.toBeInstanceOf(UserNotFound);
  });
});
