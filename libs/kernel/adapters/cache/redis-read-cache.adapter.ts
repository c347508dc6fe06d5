import type { ReadCache } from '../../application/ports/read-cache.port';
import type { Redis } from 'ioredis';
import { fitsEntryCap, ReadCacheMemory, type ReadCacheLimits, utf8Bytes } from './read-cache-memory';

export interface RedisReadCacheOptions {
  readonly ttlMs?: number;
  /** How long to leave Redis alone after it failed before trying it again. */
  readonly cooldownMs?: number;
  readonly onError?: (message: string) => void;
  readonly now?: () => number;
  /**
   * The near cache: values this process keeps decoded (validated against Redis' version on every
   * read), in the process's shared byte-bounded memory; without it the cache has its own with `limits`.
   * Its limits also bound Redis: no value over `maxEntryBytes` is stored there, and one user's live
   * entries stay within `maxBytesPerUser`.
   */
  readonly memory?: ReadCacheMemory;
  readonly limits?: Partial<ReadCacheLimits>;
  /**
   * Key space (`rc` by default): each context's cache has its own per-user versions, so one
   * context invalidating a user's reads leaves another's alone.
   */
  readonly namespace?: string;
}

const NOW_MICROS = `local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))`;

/**
 * A version that does not exist yet (new user, or evicted) starts at the server's clock in
 * microseconds, never at 0: a version number is never reused, so an entry from before an
 * eviction can never match a later version.
 */
const INIT_SCRIPT = `
${NOW_MICROS}
redis.call('SET', KEYS[1], now, 'NX')
return redis.call('GET', KEYS[1])`;

const BUMP_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  ${NOW_MICROS}
  redis.call('SET', KEYS[1], now)
end
return redis.call('INCR', KEYS[1])`;

/**
 * Stores an entry unless its user's byte budget for the current window is spent. The budget key
 * counts what the user stored since the window opened and lives one TTL: an entry lives one TTL
 * too, so what is live at any moment was stored in the current window or the one before, at most
 * twice the window's budget (the adapter passes half the per-user bound).
 * KEYS: entry, the user's budget. ARGV: value, ttl ms, this entry's cost, budget per window.
 */
const STORE_SCRIPT = `
local cost = tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used + cost > tonumber(ARGV[4]) then return 0 end
if used == 0 then
  redis.call('SET', KEYS[2], cost, 'PX', ARGV[2])
else
  redis.call('INCRBY', KEYS[2], cost)
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** What Redis spends on a key beyond its name and value (dict entry, object headers, expiry): on the high side. */
export const REDIS_ENTRY_OVERHEAD_BYTES = 128;

type Reader = Redis & {
  lnInitVersion(versionKey: string): Promise<string>;
  lnBumpVersion(versionKey: string): Promise<number>;
  lnStoreEntry(entryKey: string, budgetKey: string, value: string, ttlMs: number, cost: number, budget: number): Promise<number>;
};

/**
 * Cache-aside over Redis with exact invalidation: every entry's key names the user's version
 * at the time the reader started; a committed write bumps the version after its commit, so no
 * entry filled from older data can be read after the write's answer was sent.
 *
 * Faults never reach the caller: a failed or slow Redis (bounded by the client's command
 * timeout) sends the read to the database and opens a short cool-down during which Redis is
 * not tried. An invalidation that could not be written is kept and retried; until every pending
 * invalidation is written, this process reads from the database only, so it never serves what
 * it made stale. (Other replicas rely on the entry TTL in that window: see docs/adr/0008.)
 */
export class RedisReadCache implements ReadCache {
  private readonly client: Reader;
  /**
   * The near cache: the last value this process read or filled per user and key, with the
   * version it belongs to. Every read still asks Redis for the current version (that is what
   * keeps invalidation exact across replicas); when it matches, the value is not transferred or
   * decoded again. Same TTL as the entries in Redis; bounded in bytes (ADR 19).
   */
  private readonly near: ReadCacheMemory;
  private readonly namespace: string;
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Bumped by this process's invalidations: a bypassed read never joins a load from before one. */
  private readonly localEpochs = new Map<string, number>();
  private readonly pendingInvalidations = new Set<string>();
  private readonly ttlMs: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private skipUntil = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    client: Redis,
    private readonly options: RedisReadCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.cooldownMs = options.cooldownMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.near = options.memory ?? new ReadCacheMemory(options.limits);
    this.namespace = options.namespace ?? 'rc';
    if (!(client as unknown as Partial<Reader>).lnInitVersion) {
      client.defineCommand('lnInitVersion', { numberOfKeys: 1, lua: INIT_SCRIPT });
      client.defineCommand('lnBumpVersion', { numberOfKeys: 1, lua: BUMP_SCRIPT });
    }
    if (!(client as unknown as Partial<Reader>).lnStoreEntry) client.defineCommand('lnStoreEntry', { numberOfKeys: 2, lua: STORE_SCRIPT });
    this.client = client as unknown as Reader;
  }

  private versionKey(userId: string): string {
    return `${this.namespace}:{${userId}}:v`;
  }

  /** One per user for every namespace: what the user may store in Redis is one budget. */
  private budgetKey(userId: string): string {
    return `rcbytes:{${userId}}`;
  }

  async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    if (!this.usable()) return this.bypass(userId, key, load);
    const versionKey = this.versionKey(userId);
    const held = this.near.get(userId, this.namespace, key);
    let version: string;
    try {
      // The hot path is one plain GET of the version: the value is already here when it matches.
      version = (await this.client.get(versionKey)) ?? (await this.client.lnInitVersion(versionKey));
      if (held && version === held.version) return held.value;
      const value = await this.client.get(`${versionKey}:${version}:${key}`);
      if (value !== null) {
        this.remember(userId, key, version, value);
        return value;
      }
    } catch (error) {
      this.trip(error);
      return this.bypass(userId, key, load);
    }
    const slot = `${versionKey}:${version}:${key}`;
    return this.once(slot, async () => {
      const value = await load();
      // Too large to cache: answered, kept neither here nor in Redis (every read of it loads).
      if (!fitsEntryCap(value, this.near.limits.maxEntryBytes)) return value;
      try {
        const cost = utf8Bytes(value) + utf8Bytes(slot) + REDIS_ENTRY_OVERHEAD_BYTES;
        // Refused when the user's Redis budget is spent: then only this process keeps it (bounded too).
        await this.client.lnStoreEntry(slot, this.budgetKey(userId), value, this.ttlMs, cost, Math.floor(this.near.limits.maxBytesPerUser / 2));
        this.remember(userId, key, version, value);
      } catch (error) {
        this.trip(error);
      }
      return value;
    });
  }

  private remember(userId: string, key: string, version: string, value: string): void {
    this.near.set(userId, this.namespace, key, { version, value }, this.ttlMs);
  }

  /** Without Redis, concurrent misses still share one database load (per process). */
  private bypass(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    return this.once(`bypass:${userId}:${this.localEpochs.get(userId) ?? 0}:${key}`, load);
  }

  private once(slot: string, work: () => Promise<string>): Promise<string> {
    const pending = this.inFlight.get(slot);
    if (pending) return pending;
    const started = Promise.resolve()
      .then(work)
      .finally(() => this.inFlight.delete(slot));
    this.inFlight.set(slot, started);
    return started;
  }

  async invalidate(userId: string): Promise<void> {
    this.localEpochs.set(userId, (this.localEpochs.get(userId) ?? 0) + 1);
    // What this process holds of the user is stale whatever Redis answers: free it now.
    this.near.dropUser(userId, this.namespace);
    try {
      await this.bump(userId);
    } catch (error) {
      this.pendingInvalidations.add(userId);
      this.trip(error);
      this.scheduleRetry();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private async bump(userId: string): Promise<void> {
    // Versions have no TTL (one small key per user): an expiring version would restart its count.
    await this.client.lnBumpVersion(this.versionKey(userId));
  }

  private usable(): boolean {
    return this.pendingInvalidations.size === 0 && this.now() >= this.skipUntil;
  }

  private trip(error: unknown): void {
    if (this.now() >= this.skipUntil) this.options.onError?.(`read cache bypassed: ${(error as Error)?.message ?? error}`);
    this.skipUntil = this.now() + this.cooldownMs;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = undefined;
      for (const userId of [...this.pendingInvalidations]) {
        try {
          await this.bump(userId);
          this.pendingInvalidations.delete(userId);
        } catch {
          break;
        }
      }
      if (this.pendingInvalidations.size > 0) this.scheduleRetry();
    }, this.cooldownMs);
    // Pending invalidations must not keep a stopping process alive.
    this.retryTimer.unref();
  }
}
