import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import type { AttemptCounter } from '@ln/identity/application/ports/attempt-counter.port';
import { GetMeHandler } from '@ln/identity/application/get-me/get-me.handler';
import { UpdateMeHandler } from '@ln/identity/application/update-me/update-me.handler';
import { LogInHandler } from '@ln/identity/application/log-in/log-in.handler';
import { LogOutHandler } from '@ln/identity/application/log-out/log-out.handler';
import { RefreshSessionHandler } from '@ln/identity/application/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from '@ln/identity/application/register-user/register-user.handler';
import { type AuthSettings, SessionIssuer } from '@ln/identity/application/shared/session-issuer.service';
import { Throttle } from '@ln/identity/application/shared/throttle.service';
import { FakeAccessTokens, FakeHasher, FixedClock, InMemoryAccounts, InMemoryRefreshTokens, InMemoryUsers, SequentialIds } from './fakes';

/**
 * The harness of the identity use-case specs (test/identity/application/*.spec.ts): each handler built
 * by hand with in-memory ports, no Nest container.
 */

export const settings: AuthSettings = {
  refreshTokenTtlSeconds: 3600,
  loginMaxFailures: 3,
  loginMaxFailuresPerClient: 10,
  loginMaxFailuresPerAccount: 8,
  loginFailureWindowSeconds: 60,
  registrationsPerClientPerHour: 5,
};

/** A few of the real list's entries (test/identity/adapters/common-passwords.spec.ts checks the real list). */
export const COMMON = new Set(['password', 'password1', 'iloveyou', '12345678', 'qwertyuiop', 'sunshine']);

export function world(counter: AttemptCounter = new MemoryAttemptCounter(), overrides: Partial<AuthSettings> = {}) {
  const config = { ...settings, ...overrides };
  const throttle = new Throttle(counter);
  const clock = new FixedClock();
  const ids = new SequentialIds();
  const users = new InMemoryUsers();
  const tokens = new InMemoryRefreshTokens();
  const hasher = new FakeHasher();
  const access = new FakeAccessTokens();
  const sessions = new SessionIssuer(access, tokens, clock, ids, config);
  return {
    clock,
    users,
    tokens,
    hasher,
    counter,
    register: new RegisterUserHandler(users, hasher, clock, ids, { has: (p) => COMMON.has(p) }, throttle, config),
    login: new LogInHandler(users, hasher, throttle, config, sessions),
    refresh: new RefreshSessionHandler(tokens, clock, sessions),
    logout: new LogOutHandler(tokens, clock),
    getMe: new GetMeHandler(new InMemoryAccounts(users)),
    updateMe: new UpdateMeHandler(users, clock, ids),
  };
}
