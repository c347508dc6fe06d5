import type { ReadCache } from '../../application/ports/read-cache.port';
import type { Redis } from 'ioredis';

export interface RedisReadCacheOptions {
  readonly ttlMs?: number;
  /** How long to leave Redis alone after it failed before trying it again. */
  readonly cooldownMs?: number;
  readonly onError?: (message: string) => void;
  readonly now?: () => number;
  /** Entries this process keeps decoded (validated against Redis' version on every read). */
  readonly nearEntries?: number;
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

type Reader = Redis & {
  lnInitVersion(versionKey: string): Promise<string>;
  lnBumpVersion(versionKey: string): Promise<number>;
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
interface NearEntry {
  readonly version: string;
  readonly value: string;
  readonly expiresAt: number;
}

export class RedisReadCache implements ReadCache {
  private readonly client: Reader;
  /**
   * The near cache: the last value this process read or filled per user and key, with the
   * version it belongs to. Every read still asks Redis for the current version (that is what
   * keeps invalidation exact across replicas); when it matches, the value is not transferred or
   * decoded again. Same TTL as the entries in Redis.
   */
  private readonly near = new Map<string, NearEntry>();
  private readonly nearEntries: number;
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
    this.nearEntries = options.nearEntries ?? 10_000;
    if (!(client as unknown as Partial<Reader>).lnInitVersion) {
      client.defineCommand('lnInitVersion', { numberOfKeys: 1, lua: INIT_SCRIPT });
      client.defineCommand('lnBumpVersion', { numberOfKeys: 1, lua: BUMP_SCRIPT });
    }
    this.client = client as unknown as Reader;
  }

  private versionKey(userId: string): string {
    return `${this.options.namespace ?? 'rc'}:{${userId}}:v`;
  }

  async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    if (!this.usable()) return this.bypass(userId, key, load);
    const versionKey = this.versionKey(userId);
    const nearKey = `${userId}\u0000${key}`;
    const held = this.near.get(nearKey);
    const heldVersion = held && held.expiresAt > this.now() ? held.version : '';
    let version: string;
    try {
      // The hot path is one plain GET of the version: the value is already here when it matches.
      version = (await this.client.get(versionKey)) ?? (await this.client.lnInitVersion(versionKey));
      if (held && version === heldVersion) return held.value;
      const value = await this.client.get(`${versionKey}:${version}:${key}`);
      if (value !== null) {
        this.remember(nearKey, version, value);
        return value;
      }
    } catch (error) {
      this.trip(error);
      return this.bypass(userId, key, load);
    }
    const slot = `${versionKey}:${version}:${key}`;
    return this.once(slot, async () => {
      const value = await load();
      try {
        await this.client.set(slot, value, 'PX', this.ttlMs);
        this.remember(nearKey, version, value);
      } catch (error) {
        this.trip(error);
      }
      return value;
    });
  }

  private remember(nearKey: string, version: string, value: string): void {
    this.near.delete(nearKey);
    if (this.near.size >= this.nearEntries) {
      const oldest = this.near.keys().next().value;
      if (oldest !== undefined) this.near.delete(oldest);
    }
    this.near.set(nearKey, { version, value, expiresAt: this.now() + this.ttlMs });
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
