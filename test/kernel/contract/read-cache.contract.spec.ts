import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { MemoryReadCache } from '@ln/kernel/adapters/cache/memory-read-cache.adapter';
import { RedisReadCache } from '@ln/kernel/adapters/cache/redis-read-cache.adapter';
import type { ReadCacheLimits } from '@ln/kernel/adapters/cache/read-cache-memory';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '@ln/kernel/adapters/redis/redis-client.factory';
import { describeWithService, SERVICES } from '../../support/services';
import { RedisServer, REDIS_SERVER_BIN, redisServerAvailable } from '../../support/redis-server';

interface ReadCacheOptions {
  readonly ttlMs?: number;
  readonly limits?: Partial<ReadCacheLimits>;
}

interface ReadCacheHandle {
  cache: ReadCache;
  /** What the adapter reported as cache faults: a contract test on a healthy cache expects none. */
  faults: string[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

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

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A load that counts its calls and returns a fixed value. */
function loader(value: string): jest.Mock<Promise<string>, []> {
  return jest.fn(async () => value);
}

/** A load the test must never see called: the read has to be a hit. */
const mustHit = (): jest.Mock<Promise<string>, []> =>
  jest.fn(async () => {
    throw new Error('load must not be called: the value is cached');
  });

function readCacheContract(name: string, make: (options?: ReadCacheOptions) => Promise<ReadCacheHandle>): void {
  describe(`ReadCache contract: ${name}`, () => {
    const handles: ReadCacheHandle[] = [];
    const open = async (options?: ReadCacheOptions): Promise<ReadCache> => {
      const handle = await make(options);
      handles.push(handle);
      return handle.cache;
    };
    afterEach(async () => {
      const closing = handles.splice(0);
      await Promise.all(closing.map((h) => h.close()));
      // Every test here runs on a healthy cache: a fault would mean it silently read through.
      expect(closing.flatMap((h) => h.faults)).toEqual([]);
    });

    it('a miss calls load once and returns its value; the next read is served without load', async () => {
      const cache = await open();
      const load = loader('{"items":[1,2,3]}');
      await expect(cache.read('u1', 'tasks:list', load)).resolves.toBe('{"items":[1,2,3]}');
      expect(load).toHaveBeenCalledTimes(1);
      const hit = mustHit();
      await expect(cache.read('u1', 'tasks:list', hit)).resolves.toBe('{"items":[1,2,3]}');
      expect(hit).not.toHaveBeenCalled();
    });

    it('returns the stored string byte for byte: unicode, control characters and ~50 KB', async () => {
      const cache = await open();
      const unicode = 'tâche — 日本語 🚀 𝄞 "quoted" \\ back\nslash\ttab\r\n\u0000nul ü ß';
      const big = JSON.stringify(
        Array.from({ length: 700 }, (_, i) => ({ id: i, title: `tâche ${i} — 日本語 🚀`, tags: ['ü', '𝄞'] })),
      );
      expect(Buffer.byteLength(big)).toBeGreaterThan(40_000);
      expect(Buffer.byteLength(big)).toBeLessThan(80_000);
      for (const [key, value] of [
        ['unicode', unicode],
        ['big', big],
        ['ключ:日本:🚀', 'a key with unicode and colons'],
      ] as const) {
        await expect(cache.read('u1', key, loader(value))).resolves.toBe(value);
        const read = await cache.read('u1', key, mustHit());
        expect(Buffer.from(read).equals(Buffer.from(value))).toBe(true);
      }
    });

    it('an empty string is a stored value, not a miss', async () => {
      const cache = await open();
      await expect(cache.read('u1', 'empty', loader(''))).resolves.toBe('');
      const hit = mustHit();
      await expect(cache.read('u1', 'empty', hit)).resolves.toBe('');
      expect(hit).not.toHaveBeenCalled();
    });

    it('different users and different keys do not see each other’s values', async () => {
      const cache = await open();
      // User ids that are prefixes of each other, and keys that contain the separator.
      const cells = [
        ['user-1', 'k'],
        ['user-10', 'k'],
        ['user-1', 'k:1'],
        ['user-1', '1:k'],
        ['user-10', 'k:1'],
      ] as const;
      for (const [user, key] of cells) {
        const load = loader(`${user}/${key}`);
        await expect(cache.read(user, key, load)).resolves.toBe(`${user}/${key}`);
        expect(load).toHaveBeenCalledTimes(1);
      }
      for (const [user, key] of cells) {
        await expect(cache.read(user, key, mustHit())).resolves.toBe(`${user}/${key}`);
      }
    });

    it('invalidate(user) makes every key of that user miss, and leaves other users alone', async () => {
      const cache = await open();
      for (const user of ['alice', 'bob', 'alice2']) {
        for (const key of ['a', 'b', 'c']) await cache.read(user, key, loader(`${user}/${key}/old`));
      }
      await cache.invalidate('alice');
      for (const key of ['a', 'b', 'c']) {
        const load = loader(`alice/${key}/new`);
        await expect(cache.read('alice', key, load)).resolves.toBe(`alice/${key}/new`);
        expect(load).toHaveBeenCalledTimes(1);
        // And the new value is cached in turn.
        await expect(cache.read('alice', key, mustHit())).resolves.toBe(`alice/${key}/new`);
      }
      for (const user of ['bob', 'alice2']) {
        for (const key of ['a', 'b', 'c']) await expect(cache.read(user, key, mustHit())).resolves.toBe(`${user}/${key}/old`);
      }
    });

    it('invalidating a user with nothing cached is fine, and twice in a row too', async () => {
      const cache = await open();
      await expect(cache.invalidate('nobody')).resolves.toBeUndefined();
      await cache.read('u1', 'k', loader('v1'));
      await cache.invalidate('u1');
      await cache.invalidate('u1');
      const load = loader('v2');
      await expect(cache.read('u1', 'k', load)).resolves.toBe('v2');
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('a load that finishes after an invalidate does not have its (old) value served afterwards', async () => {
      const cache = await open();
      const slow = deferred<string>();
      const oldLoad = jest.fn(() => slow.promise);
      const before = cache.read('u1', 'k', oldLoad);
      await waitFor('the slow load to start', () => oldLoad.mock.calls.length === 1);
      await cache.invalidate('u1');
      slow.resolve('OLD');
      // The reader that started before the invalidate gets what it loaded...
      await expect(before).resolves.toBe('OLD');
      // ...but nobody after the invalidate may be served it.
      const newLoad = loader('NEW');
      await expect(cache.read('u1', 'k', newLoad)).resolves.toBe('NEW');
      expect(newLoad).toHaveBeenCalledTimes(1);
      await expect(cache.read('u1', 'k', mustHit())).resolves.toBe('NEW');
      expect(oldLoad).toHaveBeenCalledTimes(1);
    });

    it('a read that starts after an invalidate does not join a load that started before it', async () => {
      const cache = await open();
      const slow = deferred<string>();
      const oldLoad = jest.fn(() => slow.promise);
      const before = cache.read('u1', 'k', oldLoad);
      await waitFor('the slow load to start', () => oldLoad.mock.calls.length === 1);
      await cache.invalidate('u1');
      const newLoad = loader('NEW');
      try {
        // Bounded: a read that joined the old load would wait for it, i.e. forever here.
        await expect(settlesWithin(cache.read('u1', 'k', newLoad), 2_000)).resolves.toBe('NEW');
      } finally {
        slow.resolve('OLD');
      }
      expect(newLoad).toHaveBeenCalledTimes(1);
      // The old load landed last; it must not have overwritten what the newer reader stored.
      await expect(before).resolves.toBe('OLD');
      await expect(cache.read('u1', 'k', mustHit())).resolves.toBe('NEW');
    });

    it('single flight: 50 concurrent reads of a missing key call load once, and once more after invalidate', async () => {
      const cache = await open();
      const first = jest.fn(async () => {
        await sleep(50);
        return 'v1';
      });
      const reads = await Promise.all(Array.from({ length: 50 }, () => cache.read('u1', 'hot', first)));
      expect(reads).toEqual(Array(50).fill('v1'));
      expect(first).toHaveBeenCalledTimes(1);
      await expect(cache.read('u1', 'hot', mustHit())).resolves.toBe('v1');

      await cache.invalidate('u1');
      const second = jest.fn(async () => {
        await sleep(50);
        return 'v2';
      });
      const again = await Promise.all(Array.from({ length: 50 }, () => cache.read('u1', 'hot', second)));
      expect(again).toEqual(Array(50).fill('v2'));
      expect(second).toHaveBeenCalledTimes(1);
      await expect(cache.read('u1', 'hot', mustHit())).resolves.toBe('v2');
    });

    it('single flight is per user and key: concurrent misses of different keys each load', async () => {
      const cache = await open();
      const loads = ['a', 'b'].flatMap((user) => ['x', 'y'].map((key) => [user, key, loader(`${user}/${key}`)] as const));
      const reads = await Promise.all(loads.map(([user, key, load]) => cache.read(user, key, load)));
      expect(reads).toEqual(['a/x', 'a/y', 'b/x', 'b/y']);
      for (const [, , load] of loads) expect(load).toHaveBeenCalledTimes(1);
    });

    it('a load that rejects fails every waiter with its error and is not cached', async () => {
      const cache = await open();
      const error = new Error('database is down');
      const failing = jest.fn(async () => {
        await sleep(30);
        throw error;
      });
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.read('u1', 'k', failing)));
      expect(failing).toHaveBeenCalledTimes(1);
      for (const result of results) expect(result).toEqual({ status: 'rejected', reason: error });

      const retry = loader('recovered');
      await expect(cache.read('u1', 'k', retry)).resolves.toBe('recovered');
      expect(retry).toHaveBeenCalledTimes(1);
      await expect(cache.read('u1', 'k', mustHit())).resolves.toBe('recovered');
    });

    it('a load that throws synchronously is reported as a rejection, not thrown', async () => {
      const cache = await open();
      const error = new Error('sync boom');
      const load = jest.fn((): Promise<string> => {
        throw error;
      });
      await expect(cache.read('u1', 'k', load)).rejects.toBe(error);
      await expect(cache.read('u1', 'k', loader('ok'))).resolves.toBe('ok');
    });

    it('a value larger than maxEntryBytes is answered but never cached: every read loads it', async () => {
      const cache = await open({ limits: { maxBytes: 4 << 20, maxBytesPerUser: 1 << 20, maxEntryBytes: 16 * 1024 } });
      const huge = 'x'.repeat(16 * 1024 + 1);
      for (let i = 0; i < 3; i++) {
        const load = loader(huge);
        await expect(cache.read('u1', 'huge', load)).resolves.toBe(huge);
        expect(load).toHaveBeenCalledTimes(1);
      }
      // Small enough in characters, too large in UTF-8 (3 bytes each).
      const wide = '日'.repeat(6_000);
      const wideLoad = loader(wide);
      await cache.read('u1', 'wide', wideLoad);
      await cache.read('u1', 'wide', wideLoad);
      expect(wideLoad).toHaveBeenCalledTimes(2);
      // At the cap it is cached as usual.
      const fits = 'y'.repeat(16 * 1024);
      await cache.read('u1', 'fits', loader(fits));
      await expect(cache.read('u1', 'fits', mustHit())).resolves.toBe(fits);
    });

    it("one user's flood of distinct queries cannot push out another user's entries", async () => {
      // Alice may hold about 8 of her 8 KB values (16 KB each as counted in memory, 8 KB in Redis).
      const cache = await open({ limits: { maxBytes: 1 << 20, maxBytesPerUser: 128 * 1024, maxEntryBytes: 64 * 1024 } });
      const body = (who: string, i: number) => `${who}:${i}:`.padEnd(8 * 1024, '.');
      for (let k = 0; k < 4; k++) await cache.read('bob', `k${k}`, loader(body('bob', k)));
      for (let q = 0; q < 200; q++) await cache.read('alice', `list:${q}`, loader(body('alice', q)));
      for (let k = 0; k < 4; k++) await expect(cache.read('bob', `k${k}`, mustHit())).resolves.toBe(body('bob', k));
      // Alice's last query is served from the cache; not all of her 200 are (1.6 MB offered).
      await expect(cache.read('alice', 'list:199', mustHit())).resolves.toBe(body('alice', 199));
      let reloaded = 0;
      for (let q = 0; q < 200; q++) {
        const load = loader(body('alice', q));
        await expect(cache.read('alice', `list:${q}`, load)).resolves.toBe(body('alice', q));
        reloaded += load.mock.calls.length;
      }
      expect(reloaded).toBeGreaterThan(150);
    });

    it('an entry expires after ttlMs', async () => {
      const cache = await open({ ttlMs: 100 });
      await expect(cache.read('u1', 'k', loader('first'))).resolves.toBe('first');
      // Bounded wait, no timing assert: eventually a read has to go to load again.
      const refill = loader('second');
      await waitFor('the entry to expire', async () => (await cache.read('u1', 'k', refill)) === 'second', 5_000);
      expect(refill).toHaveBeenCalledTimes(1);
    });
  });
}

readCacheContract('MemoryReadCache', async (options) => ({
  cache: new MemoryReadCache(options),
  faults: [],
  close: async () => {},
}));

describeWithService('redis', 'RedisReadCache', () => {
  // One prefix per run, one more level per instance: runs and instances never share keys.
  const runPrefix = `ln-test:read-cache:${randomUUID()}:`;
  let instances = 0;

  afterAll(async () => {
    // Version keys live 100 × ttl: sweep what this run wrote with a client that has no prefix.
    const admin = createRedisClient(SERVICES.redis, { commandTimeoutMs: 2_000 });
    try {
      await waitForRedisReady(admin, 5_000);
      const keys = await admin.keys(`${runPrefix}*`);
      if (keys.length > 0) await admin.unlink(...keys);
    } finally {
      await closeRedisClient(admin);
    }
  });

  readCacheContract('RedisReadCache', async (options) => {
    instances += 1;
    const client = createRedisClient(SERVICES.redis, {
      keyPrefix: `${runPrefix}${instances}:`,
      // Generous for shared CI machines: the contract checks behaviour, not latency.
      commandTimeoutMs: 2_000,
    });
    await waitForRedisReady(client, 5_000);
    const faults: string[] = [];
    const cache = new RedisReadCache(client, { ...options, onError: (message) => faults.push(message) });
    return {
      cache,
      faults,
      close: async () => {
        cache.close();
        await closeRedisClient(client);
      },
    };
  });

  it("namespaces keep contexts apart: invalidating a user's entries in one leaves the other's served", async () => {
    const client = createRedisClient(SERVICES.redis, { keyPrefix: `${runPrefix}ns:`, commandTimeoutMs: 2_000 });
    await waitForRedisReady(client, 5_000);
    const tasks = new RedisReadCache(client);
    const insights = new RedisReadCache(client, { namespace: 'lc' });
    try {
      await tasks.read('u1', 'k', async () => 'tasks-v1');
      await insights.read('u1', 'k', async () => 'insights-v1');
      await insights.invalidate('u1');
      await expect(tasks.read('u1', 'k', async () => 'tasks-v2')).resolves.toBe('tasks-v1');
      await expect(insights.read('u1', 'k', async () => 'insights-v2')).resolves.toBe('insights-v2');
    } finally {
      tasks.close();
      insights.close();
      await closeRedisClient(client);
    }
  });

  describe('what one user can put in Redis', () => {
    const limits = { maxBytes: 4 << 20, maxBytesPerUser: 64 * 1024, maxEntryBytes: 16 * 1024 };
    let client: Redis;
    let admin: Redis;
    let prefix: string;
    const opened: RedisReadCache[] = [];
    const cacheWith = (options: ConstructorParameters<typeof RedisReadCache>[1] = {}) => {
      const cache = new RedisReadCache(client, { limits, ...options });
      opened.push(cache);
      return cache;
    };
    /** UTF-8 bytes of the values of a user's entries in Redis (every version, every namespace). */
    const storedBytes = async (user: string) => {
      let bytes = 0;
      for (const ns of ['rc', 'lc']) {
        for (const key of await admin.keys(`${prefix}${ns}:{${user}}:v:*`)) bytes += await admin.strlen(key.slice(prefix.length));
      }
      return bytes;
    };

    beforeEach(async () => {
      instances += 1;
      prefix = `${runPrefix}${instances}:`;
      client = createRedisClient(SERVICES.redis, { keyPrefix: prefix, commandTimeoutMs: 2_000 });
      admin = createRedisClient(SERVICES.redis, { keyPrefix: prefix, commandTimeoutMs: 2_000 });
      await Promise.all([waitForRedisReady(client, 5_000), waitForRedisReady(admin, 5_000)]);
    });
    afterEach(async () => {
      for (const cache of opened.splice(0)) cache.close();
      await closeRedisClient(client);
      await closeRedisClient(admin);
    });

    it('a value over maxEntryBytes is not stored in Redis', async () => {
      const cache = cacheWith();
      await expect(cache.read('u1', 'huge', loader('x'.repeat(16 * 1024 + 1)))).resolves.toHaveLength(16 * 1024 + 1);
      await cache.read('u1', 'small', loader('fine'));
      expect(await admin.keys(`${prefix}rc:{u1}:v:*:huge`)).toEqual([]);
      expect(await admin.keys(`${prefix}rc:{u1}:v:*:small`)).toHaveLength(1);
    });

    it("a user's live entries stay within maxBytesPerUser, across processes and namespaces, and leave others' room", async () => {
      // Two api processes (each its own near cache) and both namespaces, one user flooding them all.
      const replicas = [cacheWith(), cacheWith(), cacheWith({ namespace: 'lc' })];
      const body = (i: number) => `${i}:`.padEnd(4 * 1024, '.');
      for (let q = 0; q < 120; q++) {
        await expect(replicas[q % 3].read('alice', `list:${q}`, loader(body(q)))).resolves.toBe(body(q));
      }
      // 480 KB offered; what Redis keeps of hers is within her 64 KB.
      const alice = await storedBytes('alice');
      expect(alice).toBeGreaterThan(0);
      expect(alice).toBeLessThanOrEqual(limits.maxBytesPerUser);
      // Bob's entries are stored as usual.
      for (let k = 0; k < 4; k++) await replicas[k % 2].read('bob', `k${k}`, loader(body(k)));
      expect(await storedBytes('bob')).toBe(4 * body(0).length);
      // A process that never saw them is served Bob's entries from Redis.
      await expect(cacheWith().read('bob', 'k3', mustHit())).resolves.toBe(body(3));
    });

    it("the user's budget opens again once the window (one TTL) has passed", async () => {
      const cache = cacheWith({ ttlMs: 300 });
      const body = (i: number) => `${i}:`.padEnd(8 * 1024, '.');
      for (let q = 0; q < 10; q++) await cache.read('alice', `a:${q}`, loader(body(q)));
      expect(await storedBytes('alice')).toBeLessThanOrEqual(limits.maxBytesPerUser / 2);
      const refused = `a:9`;
      expect(await admin.keys(`${prefix}rc:{alice}:v:*:${refused}`)).toEqual([]);
      // Bounded wait, no timing assert: once the window closed, a new entry is stored again.
      await waitFor('the budget window to close', async () => (await admin.exists('rcbytes:{alice}')) === 0);
      await cache.read('alice', 'later', loader(body(0)));
      expect(await admin.keys(`${prefix}rc:{alice}:v:*:later`)).toHaveLength(1);
    });
  });
});

/**
 * A TCP proxy in front of a private Redis that can drop the network while Redis itself (and its
 * data) stays up: what the client sent while cut never reaches the server, unlike SIGSTOP, where
 * the kernel buffers it and the server runs it on SIGCONT.
 */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;

  private constructor(private readonly server: net.Server) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const server = net.createServer();
    const proxy = new CuttableProxy(server);
    server.on('connection', (downstream) => proxy.accept(downstream, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drops every connection now, and each new one as soon as it is accepted. */
  disconnect(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  reconnect(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.disconnect();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(downstream: net.Socket, targetPort: number): void {
    if (this.cut) {
      downstream.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [downstream, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  }
}

function describeWithRedisBinary(title: string, body: () => void): void {
  if (redisServerAvailable()) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs redis-server', () => {
        throw new Error(`CI=true and ${REDIS_SERVER_BIN} does not exist`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED: ${title}: ${REDIS_SERVER_BIN} does not exist`);
    describe.skip(`${title} [no redis-server]`, body);
  }
}

describeWithRedisBinary('RedisReadCache on a private redis-server that fails', () => {
  // Fault tests only need the cache to fall back and come back quickly.
  const COOLDOWN_MS = 200;
  /** Generous liveness bound on one call while Redis is down or frozen (command timeout is 100 ms). */
  const BOUND_MS = 2_000;

  const cleanups: Array<() => Promise<void> | void> = [];
  const runCleanups = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  afterEach(runCleanups);
  // Normally empty by now; a hook that failed half-way must still not leave a server behind.
  afterAll(runCleanups);

  interface Setup {
    server: RedisServer;
    client: Redis;
    /** Talks to the server directly (never through a proxy), same prefix as the adapter. */
    admin: Redis;
    cache: RedisReadCache;
    faults: string[];
  }

  async function setup(options: { viaProxy?: boolean; ttlMs?: number } = {}): Promise<Setup & { proxy?: CuttableProxy }> {
    const server = await RedisServer.start();
    cleanups.push(() => server.dispose());
    let proxy: CuttableProxy | undefined;
    if (options.viaProxy) {
      const started = await CuttableProxy.start(server.port);
      proxy = started;
      cleanups.push(() => started.close());
    }
    const keyPrefix = `ln-test:read-cache-faults:${randomUUID()}:`;
    // Default command timeout (100 ms): the production setting is what is under test.
    const client = createRedisClient(proxy?.url ?? server.url, { keyPrefix });
    cleanups.push(() => closeRedisClient(client));
    await waitForRedisReady(client, 5_000);
    const admin = createRedisClient(server.url, { keyPrefix, commandTimeoutMs: 2_000 });
    cleanups.push(() => closeRedisClient(admin));
    await waitForRedisReady(admin, 5_000);
    const faults: string[] = [];
    const cache = new RedisReadCache(client, {
      cooldownMs: COOLDOWN_MS,
      ttlMs: options.ttlMs,
      onError: (message) => faults.push(message),
    });
    // Registered last, so it runs first: no retry timer outlives the test.
    cleanups.push(() => cache.close());
    return { server, proxy, client, admin, cache, faults };
  }

  /** Fills user/key with value and checks that the next read is a hit. */
  async function fill(cache: ReadCache, user: string, key: string, value: string): Promise<void> {
    await expect(cache.read(user, key, loader(value))).resolves.toBe(value);
    await expect(cache.read(user, key, mustHit())).resolves.toBe(value);
  }

  /**
   * Reads until one read is served without load (the cache is in use again), within timeoutMs.
   * Returns every value served along the way, the cached one last.
   */
  async function readUntilCached(cache: ReadCache, user: string, key: string, value: string, timeoutMs = 10_000) {
    const served: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const load = loader(value);
      served.push(await settlesWithin(cache.read(user, key, load), BOUND_MS));
      if (load.mock.calls.length === 0) return served;
      if (Date.now() > deadline) throw new Error(`the cache was not used again within ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  it('the private server works as a cache before anything fails', async () => {
    const { cache, faults } = await setup();
    await fill(cache, 'u1', 'k', 'v');
    expect(faults).toEqual([]);
  });

  it('Redis down: read returns load’s value at once and invalidate does not throw', async () => {
    const { server, cache, faults } = await setup();
    await fill(cache, 'u1', 'k', 'cached');
    await server.stop();

    for (let i = 0; i < 5; i += 1) {
      const load = loader(`fresh-${i}`);
      await expect(settlesWithin(cache.read('u1', 'k', load), BOUND_MS)).resolves.toBe(`fresh-${i}`);
      expect(load).toHaveBeenCalledTimes(1);
    }
    // A miss of another key goes to load just the same.
    await expect(settlesWithin(cache.read('u2', 'other', loader('x')), BOUND_MS)).resolves.toBe('x');
    await expect(settlesWithin(cache.invalidate('u1'), BOUND_MS)).resolves.toBeUndefined();
    // A load error still reaches the caller: the cache hides its own faults, not the database's.
    const error = new Error('db down too');
    await expect(settlesWithin(cache.read('u1', 'k', () => Promise.reject(error)), BOUND_MS)).rejects.toBe(error);
    expect(faults.length).toBeGreaterThan(0);
  });

  it('slow Redis (SIGSTOP): reads return load’s value within the bound, then the cache is used again', async () => {
    const { server, cache } = await setup();
    await fill(cache, 'u1', 'k', 'cached');
    server.pause();
    try {
      for (let i = 0; i < 3; i += 1) {
        const load = loader(`fresh-${i}`);
        await expect(settlesWithin(cache.read('u1', 'k', load), BOUND_MS)).resolves.toBe(`fresh-${i}`);
        expect(load).toHaveBeenCalledTimes(1);
      }
      // Concurrent reads during the freeze all come back too.
      const concurrent = await settlesWithin(
        Promise.all(Array.from({ length: 20 }, (_, i) => cache.read('u1', `c${i}`, loader(`c${i}`)))),
        BOUND_MS,
      );
      expect(concurrent).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
    } finally {
      server.resume();
    }
    // Nothing was invalidated, so the entry from before the freeze is valid and served again.
    const served = await readUntilCached(cache, 'u1', 'k', 'fresh-after');
    expect(served.at(-1)).toBe('cached');
  });

  it('recovery: after Redis is started again, reads use the cache again', async () => {
    const { server, cache } = await setup();
    await fill(cache, 'u1', 'k', 'before');
    await server.stop();
    await expect(settlesWithin(cache.read('u1', 'k', loader('during')), BOUND_MS)).resolves.toBe('during');
    await server.start();
    // A restart without persistence lost every key, so the first read misses and fills again.
    const served = await readUntilCached(cache, 'u1', 'k', 'after');
    expect(served.at(-1)).toBe('after');
    expect(served.every((value) => value === 'after')).toBe(true);
  });

  it('an invalidate sent while Redis is frozen (SIGSTOP) is not lost: the old value is never served', async () => {
    const { server, cache, faults } = await setup();
    await fill(cache, 'u1', 'k', 'A');
    await fill(cache, 'u2', 'k', 'other');
    server.pause();
    try {
      await expect(settlesWithin(cache.invalidate('u1'), BOUND_MS)).resolves.toBeUndefined();
      await expect(settlesWithin(cache.read('u1', 'k', loader('B')), BOUND_MS)).resolves.toBe('B');
    } finally {
      server.resume();
    }
    expect(faults.length).toBeGreaterThan(0);
    const served = await readUntilCached(cache, 'u1', 'k', 'B');
    expect(served).not.toContain('A');
    expect(served.at(-1)).toBe('B');
    // The other user's entry survived the freeze and the invalidation.
    await expect(cache.read('u2', 'k', mustHit())).resolves.toBe('other');
  });

  it('while an invalidate is pending, reads bypass the cache even though Redis still answers reads', async () => {
    // Redis out of memory with noeviction: reads are answered, every write is refused. The
    // invalidate fails while the entry it should hide is still perfectly readable.
    const { admin, cache } = await setup();
    await fill(cache, 'u1', 'k', 'A');
    await fill(cache, 'u2', 'k', 'other');
    const versionKey = 'rc:{u1}:v';
    const versionBefore = await admin.get(versionKey);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    try {
      await expect(admin.set('probe', 'x')).rejects.toThrow(/OOM/);
      await expect(settlesWithin(cache.invalidate('u1'), BOUND_MS)).resolves.toBeUndefined();
      expect(await admin.get(versionKey)).toBe(versionBefore);
      expect(await admin.exists(`rc:{u1}:v:${versionBefore}:k`)).toBe(1);
      // Well past the cool-down (and several retries): not one read may be served A.
      const until = Date.now() + 5 * COOLDOWN_MS;
      while (Date.now() < until) {
        const load = loader('B');
        await expect(settlesWithin(cache.read('u1', 'k', load), BOUND_MS)).resolves.toBe('B');
        expect(load).toHaveBeenCalledTimes(1);
        await sleep(20);
      }
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    const served = await readUntilCached(cache, 'u1', 'k', 'B');
    expect(served).not.toContain('A');
    expect(served.at(-1)).toBe('B');
    expect(await admin.get(versionKey)).not.toBe(versionBefore);
    await expect(cache.read('u2', 'k', mustHit())).resolves.toBe('other');
  });

  it('an invalidate whose write never reached Redis (network cut) is retried before the cache is used', async () => {
    const { proxy, admin, cache } = await setup({ viaProxy: true });
    if (!proxy) throw new Error('no proxy');
    await fill(cache, 'u1', 'k', 'A');
    await fill(cache, 'u2', 'k', 'other');
    const versionKey = 'rc:{u1}:v';
    const versionBefore = await admin.get(versionKey);

    proxy.disconnect();
    await expect(settlesWithin(cache.invalidate('u1'), BOUND_MS)).resolves.toBeUndefined();
    // The point of this test: unlike under SIGSTOP, the failed write did not happen in Redis.
    expect(await admin.get(versionKey)).toBe(versionBefore);
    await expect(settlesWithin(cache.read('u1', 'k', loader('B')), BOUND_MS)).resolves.toBe('B');
    proxy.reconnect();

    const served = await readUntilCached(cache, 'u1', 'k', 'B');
    expect(served).not.toContain('A');
    expect(served.at(-1)).toBe('B');
    expect(await admin.get(versionKey)).not.toBe(versionBefore);
    await expect(cache.read('u2', 'k', mustHit())).resolves.toBe('other');
  });
});

describeWithRedisBinary('RedisReadCache version keys', () => {
  let server: RedisServer;
  let client: Redis;
  let admin: Redis;
  let cache: RedisReadCache;
  const faults: string[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    const keyPrefix = `ln-test:read-cache-versions:${randomUUID()}:`;
    client = createRedisClient(server.url, { keyPrefix, commandTimeoutMs: 2_000 });
    admin = createRedisClient(server.url, { keyPrefix, commandTimeoutMs: 2_000 });
    await Promise.all([waitForRedisReady(client, 5_000), waitForRedisReady(admin, 5_000)]);
    cache = new RedisReadCache(client, { onError: (message) => faults.push(message) });

    await cache.invalidate('u1');
    await expect(cache.read('u1', 'list', loader('before the write'))).resolves.toBe('before the write');
    // The version key disappears (evicted under memory pressure, or deleted) while its entry lives.
    const version = await admin.get('rc:{u1}:v');
    await admin.del('rc:{u1}:v');
    expect(await admin.exists(`rc:{u1}:v:${version}:list`)).toBe(1);
    await cache.invalidate('u1'); // a write commits
    expect(faults).toEqual([]);
  });

  afterAll(async () => {
    cache?.close();
    if (client) await closeRedisClient(client);
    if (admin) await closeRedisClient(admin);
    await server?.dispose();
  });

  /**
   * A version number is never reused: a missing version restarts from the server's clock, not
   * from 0, so an entry made before the version key vanished can never be served after a write.
   * (Found by this suite: versions used to expire and restart at 1.)
   */
  it('an invalidate after the user’s version key vanished does not revive an entry of a reused version', async () => {
    const load = loader('after the write');
    await expect(cache.read('u1', 'list', load)).resolves.toBe('after the write');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
