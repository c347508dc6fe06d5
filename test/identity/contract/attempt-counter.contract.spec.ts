import { randomUUID } from 'node:crypto';
import { CacheUnavailable } from '@ln/kernel/application/cache.errors';
import { type AttemptCounter } from '@ln/identity/application/ports/attempt-counter.port';
import { MemoryAttemptCounter } from '@ln/identity/adapters/cache/memory-attempt-counter.adapter';
import { RedisAttemptCounter } from '@ln/identity/adapters/cache/redis-attempt-counter.adapter';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '@ln/kernel/adapters/redis/redis-client.factory';
import { describeWithService, SERVICES } from '../../support/services';

interface CounterHandle {
  counter: AttemptCounter;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;

function attemptCounterContract(name: string, make: () => Promise<CounterHandle>): void {
  describe(`AttemptCounter contract: ${name}`, () => {
    let handle: CounterHandle;
    let counter: AttemptCounter;
    beforeEach(async () => {
      handle = await make();
      counter = handle.counter;
    });
    afterEach(() => handle.close());

    it('reports nothing for an unknown key', async () => {
      await expect(counter.get('unknown')).resolves.toEqual({ count: 0, resetInMs: 0 });
    });

    it('counts up within a window, reporting when the window resets', async () => {
      for (const expected of [1, 2, 3]) {
        const { count, resetInMs } = await counter.increment('user', MINUTE);
        expect(count).toBe(expected);
        expect(resetInMs).toBeGreaterThan(0);
        expect(resetInMs).toBeLessThanOrEqual(MINUTE);
      }
      const current = await counter.get('user');
      expect(current.count).toBe(3);
      expect(current.resetInMs).toBeGreaterThan(0);
      expect(current.resetInMs).toBeLessThanOrEqual(MINUTE);
    });

    it('keeps the window opened by the first increment instead of sliding it', async () => {
      const first = await counter.increment('fixed', MINUTE);
      await sleep(30);
      const second = await counter.increment('fixed', MINUTE);
      expect(second.resetInMs).toBeLessThan(first.resetInMs);
    });

    it('keeps separate counts per key', async () => {
      await counter.increment('a', MINUTE);
      await counter.increment('a', MINUTE);
      await expect(counter.increment('b', MINUTE)).resolves.toMatchObject({ count: 1 });
    });

    it('starts over once the window has closed', async () => {
      await counter.increment('short', 100);
      await counter.increment('short', 100);
      await sleep(400);
      await expect(counter.get('short')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(counter.increment('short', 100)).resolves.toMatchObject({ count: 1 });
    });

    it('reset clears the count and the window', async () => {
      await counter.increment('user', MINUTE);
      await counter.increment('user', MINUTE);
      await counter.reset('user');
      await expect(counter.get('user')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(counter.increment('user', MINUTE)).resolves.toMatchObject({ count: 1 });
      await expect(counter.reset('never-counted')).resolves.toBeUndefined();
    });

    it('gives each of 30 concurrent increments a distinct count, 1 to 30', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => counter.increment('burst', MINUTE)));
      const counts = results.map((r) => r.count).sort((x, y) => x - y);
      expect(counts).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      await expect(counter.get('burst')).resolves.toMatchObject({ count: 30 });
    });

    it('decrement takes one count back and keeps the window', async () => {
      await counter.increment('give-back', MINUTE);
      await counter.increment('give-back', MINUTE);
      const before = await counter.get('give-back');
      await counter.decrement('give-back');
      const after = await counter.get('give-back');
      expect(after.count).toBe(1);
      expect(after.resetInMs).toBeGreaterThan(0);
      expect(after.resetInMs).toBeLessThanOrEqual(before.resetInMs);
      await expect(counter.increment('give-back', MINUTE)).resolves.toMatchObject({ count: 2 });
    });

    it('decrement to zero closes the window; it never goes below zero nor creates a key', async () => {
      await counter.increment('last', MINUTE);
      await counter.decrement('last');
      await expect(counter.get('last')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await counter.decrement('last');
      await counter.decrement('never-counted');
      await expect(counter.get('last')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(counter.get('never-counted')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(counter.increment('last', MINUTE)).resolves.toMatchObject({ count: 1 });
    });

    it('decrement leaves a closed window closed', async () => {
      await counter.increment('gone', 100);
      await sleep(400);
      await counter.decrement('gone');
      await expect(counter.get('gone')).resolves.toEqual({ count: 0, resetInMs: 0 });
    });

    it('30 concurrent increments and 20 concurrent decrements leave 10', async () => {
      await Promise.all(Array.from({ length: 30 }, () => counter.increment('mixed', MINUTE)));
      await Promise.all(Array.from({ length: 20 }, () => counter.decrement('mixed')));
      await expect(counter.get('mixed')).resolves.toMatchObject({ count: 10 });
    });

    it('rejects a window that is not positive', async () => {
      await expect(counter.increment('k', 0)).rejects.toBeInstanceOf(RangeError);
    });
  });
}

attemptCounterContract('MemoryAttemptCounter', async () => ({
  counter: new MemoryAttemptCounter(),
  close: async () => {},
}));

describe('MemoryAttemptCounter with an injected clock', () => {
  it('closes the window exactly windowMs after the first increment', async () => {
    let now = 0;
    const counter = new MemoryAttemptCounter({ now: () => now });
    await expect(counter.increment('k', 100)).resolves.toEqual({ count: 1, resetInMs: 100 });
    now = 60;
    await expect(counter.increment('k', 100)).resolves.toEqual({ count: 2, resetInMs: 40 });
    now = 100;
    await expect(counter.get('k')).resolves.toEqual({ count: 0, resetInMs: 0 });
    await expect(counter.increment('k', 100)).resolves.toEqual({ count: 1, resetInMs: 100 });
  });

  it('drops the oldest windows beyond maxEntries', async () => {
    const counter = new MemoryAttemptCounter({ maxEntries: 2 });
    await counter.increment('a', MINUTE);
    await counter.increment('b', MINUTE);
    await counter.increment('c', MINUTE);
    await expect(counter.get('a')).resolves.toEqual({ count: 0, resetInMs: 0 });
    await expect(counter.get('c')).resolves.toMatchObject({ count: 1 });
  });
});

describeWithService('redis', 'RedisAttemptCounter', () => {
  const runPrefix = `ln-test:attempts:${randomUUID()}:`;
  let instances = 0;

  attemptCounterContract('RedisAttemptCounter', async () => {
    instances += 1;
    const client = createRedisClient(SERVICES.redis, {
      keyPrefix: `${runPrefix}${instances}:`,
      // Generous for shared CI machines: this suite checks behaviour, not latency.
      commandTimeoutMs: 2_000,
    });
    await waitForRedisReady(client, 5_000);
    return { counter: new RedisAttemptCounter(client), close: () => closeRedisClient(client) };
  });

  it('gives a counter left without a ttl a window on its next increment', async () => {
    const client = createRedisClient(SERVICES.redis, { keyPrefix: `${runPrefix}stray:`, commandTimeoutMs: 2_000 });
    try {
      await waitForRedisReady(client, 5_000);
      await client.set('k', '5');
      const counter = new RedisAttemptCounter(client);
      await expect(counter.get('k')).resolves.toEqual({ count: 5, resetInMs: 0 });
      const next = await counter.increment('k', MINUTE);
      expect(next.count).toBe(6);
      expect(next.resetInMs).toBeGreaterThan(0);
      expect(next.resetInMs).toBeLessThanOrEqual(MINUTE);
    } finally {
      await client.del('k').catch(() => undefined);
      await closeRedisClient(client);
    }
  });
});

describe('RedisAttemptCounter when nothing listens', () => {
  it('rejects every operation with CacheUnavailable', async () => {
    const client = createRedisClient('redis://127.0.0.1:6390');
    try {
      const counter = new RedisAttemptCounter(client);
      await expect(counter.increment('k', MINUTE)).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(counter.get('k')).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(counter.reset('k')).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(counter.decrement('k')).rejects.toBeInstanceOf(CacheUnavailable);
    } finally {
      await closeRedisClient(client);
    }
  });
});
