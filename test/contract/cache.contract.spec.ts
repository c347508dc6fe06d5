import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { CacheUnavailable, type Cache } from '@ln/application';
import {
  MemoryCache,
  RedisCache,
  RedisReadinessProbe,
  closeRedisClient,
  createRedisClient,
  waitForRedisReady,
} from '@ln/adapters/cache';
import { describeWithService, SERVICES } from '../support/services';

interface CacheHandle {
  cache: Cache;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Liveness bound, not a performance threshold: fails only if the promise would hang. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function cacheContract(name: string, make: () => Promise<CacheHandle>): void {
  describe(`Cache contract: ${name}`, () => {
    const handles: CacheHandle[] = [];
    const open = async (): Promise<Cache> => {
      const handle = await make();
      handles.push(handle);
      return handle.cache;
    };
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((h) => h.close()));
    });

    it('returns null on a miss', async () => {
      const cache = await open();
      await expect(cache.get('missing')).resolves.toBeNull();
    });

    it('returns a large JSON string byte for byte, unicode included', async () => {
      const cache = await open();
      const items = Array.from({ length: 5_000 }, (_, i) => ({
        id: i,
        title: `tâche ${i} — 日本語 🚀 "quoted" \\ back\nslash`,
        tags: ['ü', 'ß', '𝄞'],
      }));
      const value = JSON.stringify({ items });
      expect(Buffer.byteLength(value)).toBeGreaterThan(500_000);
      await cache.set('big', value, 60_000);
      const read = await cache.get('big');
      expect(read).not.toBeNull();
      expect(Buffer.from(read ?? '').equals(Buffer.from(value))).toBe(true);
    });

    it('getMany keeps the order of the keys, with null for misses', async () => {
      const cache = await open();
      await cache.set('a', '1', 60_000);
      await cache.set('c', '3', 60_000);
      await expect(cache.getMany(['c', 'missing', 'a', 'c'])).resolves.toEqual(['3', null, '1', '3']);
    });

    it('getMany of no keys is an empty list', async () => {
      const cache = await open();
      await expect(cache.getMany([])).resolves.toEqual([]);
    });

    it('set overwrites the value and its ttl', async () => {
      const cache = await open();
      await cache.set('k', 'old', 60_000);
      await cache.set('k', 'new', 60_000);
      await expect(cache.get('k')).resolves.toBe('new');
    });

    it('forgets a value once its ttl has passed', async () => {
      const cache = await open();
      await cache.set('short', 'v', 100);
      await cache.set('long', 'v', 60_000);
      await sleep(400);
      await expect(cache.get('short')).resolves.toBeNull();
      await expect(cache.getMany(['short', 'long'])).resolves.toEqual([null, 'v']);
    });

    it('rejects a ttl that is not positive', async () => {
      const cache = await open();
      await expect(cache.set('k', 'v', 0)).rejects.toBeInstanceOf(RangeError);
      await expect(cache.set('k', 'v', Number.NaN)).rejects.toBeInstanceOf(RangeError);
    });

    it('delete removes a key, and deleting a missing key is fine', async () => {
      const cache = await open();
      await cache.set('k', 'v', 60_000);
      await cache.delete('k');
      await expect(cache.get('k')).resolves.toBeNull();
      await expect(cache.delete('never-set')).resolves.toBeUndefined();
    });

    it('increment starts at 1 and the counter is readable as a string', async () => {
      const cache = await open();
      await expect(cache.increment('version')).resolves.toBe(1);
      await expect(cache.increment('version')).resolves.toBe(2);
      await expect(cache.get('version')).resolves.toBe('2');
    });

    it('increment is atomic under 50 concurrent calls', async () => {
      const cache = await open();
      const results = await Promise.all(Array.from({ length: 50 }, () => cache.increment('concurrent')));
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await expect(cache.get('concurrent')).resolves.toBe('50');
    });

    it('two instances (different prefixes) do not see each other’s keys', async () => {
      const first = await open();
      const second = await open();
      await first.set('shared', 'first', 60_000);
      await expect(second.get('shared')).resolves.toBeNull();
      await second.set('shared', 'second', 60_000);
      await first.increment('n');
      await expect(second.increment('n')).resolves.toBe(1);
      await expect(first.get('shared')).resolves.toBe('first');
      await expect(second.get('shared')).resolves.toBe('second');
    });
  });
}

cacheContract('MemoryCache', async () => ({ cache: new MemoryCache(), close: async () => {} }));

describe('MemoryCache bounds', () => {
  it('evicts the oldest writes first beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60_000);
    // Rewriting 'a' makes it the newest, so 'b' is now the oldest.
    await cache.set('a', 'a2', 60_000);
    await cache.set('d', 'd', 60_000);
    await expect(cache.getMany(['a', 'b', 'c', 'd'])).resolves.toEqual(['a2', null, 'c', 'd']);
  });

  it('expires exactly at the ttl with an injected clock', async () => {
    let now = 1_000;
    const cache = new MemoryCache({ now: () => now });
    await cache.set('k', 'v', 50);
    now += 49;
    await expect(cache.get('k')).resolves.toBe('v');
    now += 1;
    await expect(cache.get('k')).resolves.toBeNull();
  });

  it('keeps the expiry of a key through increment, as Redis INCR does', async () => {
    let now = 0;
    const cache = new MemoryCache({ now: () => now });
    await cache.set('n', '41', 100);
    await expect(cache.increment('n')).resolves.toBe(42);
    now += 100;
    await expect(cache.get('n')).resolves.toBeNull();
  });
});

describeWithService('redis', 'RedisCache', () => {
  // One prefix per run, and one more level per instance, so runs and instances never share keys.
  const runPrefix = `ln-test:cache:${randomUUID()}:`;
  let instances = 0;

  afterAll(async () => {
    // Counters have no ttl; sweep everything this run wrote with a client that has no prefix.
    const admin = createRedisClient(SERVICES.redis, { commandTimeoutMs: 2_000 });
    try {
      await waitForRedisReady(admin);
      const keys = await admin.keys(`${runPrefix}*`);
      if (keys.length > 0) await admin.unlink(...keys);
    } finally {
      await closeRedisClient(admin);
    }
  });

  cacheContract('RedisCache', async () => {
    instances += 1;
    const client = createRedisClient(SERVICES.redis, {
      keyPrefix: `${runPrefix}${instances}:`,
      // Generous for shared CI machines: this suite checks behaviour, not latency.
      commandTimeoutMs: 2_000,
    });
    await waitForRedisReady(client, 5_000);
    return { cache: new RedisCache(client), close: () => closeRedisClient(client) };
  });

  describe('RedisReadinessProbe', () => {
    it('resolves against the running server', async () => {
      const client = createRedisClient(SERVICES.redis);
      try {
        await waitForRedisReady(client, 5_000);
        const probe = new RedisReadinessProbe(client, 2_000);
        expect(probe.name).toBe('redis');
        await expect(probe.check()).resolves.toBeUndefined();
      } finally {
        await closeRedisClient(client);
      }
    });
  });
});

describe('Redis adapters when Redis is not usable', () => {
  const DEAD_URL = 'redis://127.0.0.1:6390';

  it('RedisCache rejects with CacheUnavailable at once when nothing listens', async () => {
    const client = createRedisClient(DEAD_URL);
    try {
      const cache = new RedisCache(client);
      await expect(settlesWithin(cache.get('k'), 2_000)).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(settlesWithin(cache.set('k', 'v', 1_000), 2_000)).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(settlesWithin(cache.getMany(['a', 'b']), 2_000)).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(settlesWithin(cache.increment('n'), 2_000)).rejects.toBeInstanceOf(CacheUnavailable);
    } finally {
      await closeRedisClient(client);
    }
  });

  it('RedisReadinessProbe rejects when nothing listens', async () => {
    const client = createRedisClient(DEAD_URL);
    try {
      await expect(settlesWithin(new RedisReadinessProbe(client).check(), 2_000)).rejects.toThrow('redis is not ready');
    } finally {
      await closeRedisClient(client);
    }
  });

  describe('a server that accepts the connection but stops answering', () => {
    // Answers the handshake (CLIENT SETINFO, then the INFO ready check) and goes silent from the
    // first real command on: the case a commandTimeout exists for.
    let server: net.Server;
    const sockets = new Set<net.Socket>();
    let client: Redis;

    beforeAll(async () => {
      const info = '# Server\r\nloading:0\r\n';
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        let silent = false;
        socket.on('data', (chunk) => {
          // Good enough for a test double: each RESP command starts with *<n> then its name.
          for (const [, name] of chunk.toString().matchAll(/\*\d+\r\n\$\d+\r\n(\w+)\r\n/g)) {
            const command = name?.toLowerCase();
            if (silent) return;
            if (command === 'client') socket.write('+OK\r\n');
            else if (command === 'info') socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
            else silent = true;
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      client = createRedisClient(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 100 });
      await waitForRedisReady(client, 5_000);
    });

    afterAll(async () => {
      await closeRedisClient(client);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('RedisCache rejects with CacheUnavailable after the command timeout instead of hanging', async () => {
      const cache = new RedisCache(client);
      await expect(settlesWithin(cache.get('k'), 2_000)).rejects.toBeInstanceOf(CacheUnavailable);
      await expect(settlesWithin(cache.set('k', 'v', 1_000), 2_000)).rejects.toBeInstanceOf(CacheUnavailable);
    });

    it('RedisReadinessProbe rejects', async () => {
      await expect(settlesWithin(new RedisReadinessProbe(client).check(), 2_000)).rejects.toThrow('redis is not ready');
    });
  });
});
