import { CacheUnavailable } from './cache.errors';
import {
  ConcurrentModification,
  DependencyUnavailable,
  InvalidCredentials,
  InvalidRefreshToken,
  RefreshTokenReused,
  TooManyAttempts,
  UserNotFound,
} from './application.errors';
import { eventContext } from './event-context';
import { partitionOf } from './partition';

describe('application errors: the kinds and codes clients branch on', () => {
  it.each([
    [new ConcurrentModification('task'), 'conflict', 'concurrent_modification'],
    [new InvalidCredentials(), 'unauthenticated', 'invalid_credentials'],
    [new InvalidRefreshToken(), 'unauthenticated', 'invalid_refresh_token'],
    [new RefreshTokenReused(), 'unauthenticated', 'refresh_token_reused'],
    [new TooManyAttempts(30), 'rate_limited', 'too_many_attempts'],
    [new UserNotFound(), 'not_found', 'user_not_found'],
    [new DependencyUnavailable('database'), 'unavailable', 'dependency_unavailable'],
  ])('%p', (error, kind, code) => {
    expect(error).toMatchObject({ kind, code, name: error.constructor.name });
  });

  it('say when to retry: the caller’s wait for too many attempts, 5 s for a dependency that is down', () => {
    expect(new TooManyAttempts(30).retryAfterSeconds).toBe(30);
    const cause = new Error('ECONNREFUSED');
    const down = new DependencyUnavailable('database', cause);
    expect(down.retryAfterSeconds).toBe(5);
    expect(down.cause).toBe(cause);
    expect(new ConcurrentModification('task').retryAfterSeconds).toBeUndefined();
  });

  it('CacheUnavailable keeps its cause and says what it is', () => {
    const cause = new Error('timeout');
    const e = new CacheUnavailable(cause);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CacheUnavailable');
    expect(e.cause).toBe(cause);
  });
});

describe('eventContext', () => {
  it('takes event ids from the generator and the time from the clock, on every call', () => {
    let id = 0;
    let now = new Date('2026-03-01T00:00:00Z');
    const ctx = eventContext({ now: () => now }, { next: () => `id-${++id}` });
    expect(ctx.eventId()).toBe('id-1');
    expect(ctx.eventId()).toBe('id-2');
    expect(ctx.now()).toEqual(new Date('2026-03-01T00:00:00Z'));
    now = new Date('2026-03-02T00:00:00Z');
    expect(ctx.now()).toEqual(now);
  });
});

describe('partitionOf', () => {
  it('is FNV-1a (32 bit) of the id modulo the partitions: the same in every process', () => {
    const raw = 2 ** 32;
    expect(partitionOf('', raw)).toBe(0x811c9dc5);
    expect(partitionOf('a', raw)).toBe(0xe40c292c);
    expect(partitionOf('foobar', raw)).toBe(0xbf9cf968);
    expect(partitionOf('user-alice', raw)).toBe(0x9e72e89f);
    expect(partitionOf('user-alice', 16)).toBe(15);
    expect(partitionOf('foobar', 16)).toBe(8);
  });

  it('spreads ids over every partition, each within range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const p = partitionOf(`user-${i}`, 8);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(8);
      seen.add(p);
    }
    expect(seen.size).toBe(8);
  });
});
