import { LRUCache } from 'lru-cache';

/** The byte bounds of a process's read caches (READ_CACHE_* in libs/config/config.ts, ADR 19). */
export interface ReadCacheLimits {
  /** What every read cache of the process may hold together, in bytes of memory (see `memoryCost`). */
  readonly maxBytes: number;
  /** What one user's entries may hold of that; also what one user may have live in Redis. */
  readonly maxBytesPerUser: number;
  /** A value whose UTF-8 size is larger than this is never cached (the read still answers). */
  readonly maxEntryBytes: number;
}

export const DEFAULT_READ_CACHE_LIMITS: ReadCacheLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxBytesPerUser: 4 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024,
};

/** A cached response and the user's cache version it was read under. */
export interface CachedValue {
  readonly version: string;
  readonly value: string;
}

/**
 * What one entry costs beyond its strings: the LRU's slots, its expiry timer, the entry object and
 * the per-user bookkeeping (an estimate on the high side, so that a flood of tiny entries is bounded
 * too).
 */
export const ENTRY_OVERHEAD_BYTES = 512;

/**
 * The memory an entry takes, counted on the high side: V8 keeps a string in 1 byte per UTF-16 unit
 * when every character fits in Latin-1 and 2 otherwise; counting 2 makes `maxBytes` a real bound.
 */
export function memoryCost(key: string, entry: CachedValue): number {
  return 2 * (key.length + entry.version.length + entry.value.length) + ENTRY_OVERHEAD_BYTES;
}

/** The UTF-8 size of a value: what is sent, what Redis stores, what `maxEntryBytes` limits. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Whether a value is small enough to be cached at all. */
export function fitsEntryCap(value: string, maxEntryBytes: number): boolean {
  // UTF-8 takes at least one byte per UTF-16 unit: most answers are decided without a scan.
  return value.length <= maxEntryBytes && utf8Bytes(value) <= maxEntryBytes;
}

/** What the LRU holds: the value with its owner and its cost, for the per-user accounting. */
interface Stored extends CachedValue {
  readonly userId: string;
  readonly cost: number;
}

interface UserShare {
  bytes: number;
  /** The user's keys, least recently used first (a Set keeps insertion order; a hit re-inserts). */
  readonly keys: Set<string>;
}

export interface ReadCacheMemoryOptions {
  /** Milliseconds on a monotonic clock (lru-cache's `perf.now()`); tests may pass their own. */
  readonly now?: () => number;
}

/**
 * The entries every read cache of one process keeps (the embedded mode's cache, or the services
 * mode's near cache), bounded in bytes: in total (least recently used out first), per user (a user
 * over its share loses its own least recently used entries, never another user's) and per entry
 * (a value over `maxEntryBytes` is not kept). Entries expire after their TTL and are then removed,
 * read or not (lru-cache's `ttlAutopurge`). Keys are (user, namespace, key): the task reads and the
 * insights share the budget and keep apart.
 */
export class ReadCacheMemory {
  readonly limits: ReadCacheLimits;
  private readonly lru: LRUCache<string, Stored>;
  private readonly users = new Map<string, UserShare>();

  constructor(limits: Partial<ReadCacheLimits> = {}, options: ReadCacheMemoryOptions = {}) {
    this.limits = { ...DEFAULT_READ_CACHE_LIMITS, ...limits };
    const { maxBytes, maxBytesPerUser, maxEntryBytes } = this.limits;
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
    if (maxEntryBytes > maxBytesPerUser || maxBytesPerUser > maxBytes) {
      throw new RangeError('read cache limits must satisfy maxEntryBytes <= maxBytesPerUser <= maxBytes');
    }
    this.lru = new LRUCache<string, Stored>({
      maxSize: maxBytes,
      sizeCalculation: (stored) => stored.cost,
      ttl: 60_000,
      ttlAutopurge: true,
      // Read the clock on every check (lru-cache would otherwise cache it behind a timer per millisecond).
      ttlResolution: 0,
      // Hits do not extend an entry's life: its TTL is the bound on how stale another replica may be.
      updateAgeOnGet: false,
      ...(options.now ? { perf: { now: options.now } } : {}),
      // Every way out (evicted, expired, deleted) goes through here.
      dispose: (stored, key) => this.forget(key, stored),
    });
  }

  private static fullKey(userId: string, namespace: string, key: string): string {
    return `${userId}\u0000${namespace}\u0000${key}`;
  }

  get(userId: string, namespace: string, key: string): CachedValue | undefined {
    const full = ReadCacheMemory.fullKey(userId, namespace, key);
    const stored = this.lru.get(full);
    if (stored === undefined) return undefined;
    const keys = this.users.get(userId)?.keys;
    if (keys) {
      keys.delete(full);
      keys.add(full);
    }
    return stored;
  }

  /**
   * Keeps the entry for ttlMs unless it does not fit: larger than the per-user share (or than
   * `maxEntryBytes` in UTF-8). Makes room by dropping the user's own least recently used entries
   * first, then (the LRU) the least recently used of anyone. Returns whether it was kept.
   */
  set(userId: string, namespace: string, key: string, entry: CachedValue, ttlMs: number): boolean {
    const full = ReadCacheMemory.fullKey(userId, namespace, key);
    this.lru.delete(full);
    const cost = memoryCost(full, entry);
    if (cost > this.limits.maxBytesPerUser || !fitsEntryCap(entry.value, this.limits.maxEntryBytes)) return false;
    const share = this.users.get(userId);
    if (share) {
      for (const oldest of share.keys) {
        if (share.bytes + cost <= this.limits.maxBytesPerUser) break;
        this.lru.delete(oldest);
      }
    }
    const mine = this.users.get(userId) ?? { bytes: 0, keys: new Set<string>() };
    this.users.set(userId, mine);
    mine.bytes += cost;
    mine.keys.add(full);
    this.lru.set(full, { version: entry.version, value: entry.value, userId, cost }, { ttl: Math.max(1, Math.round(ttlMs)), size: cost });
    return true;
  }

  /** Drops every entry of the user in one namespace (its reads were invalidated). */
  dropUser(userId: string, namespace: string): void {
    const share = this.users.get(userId);
    if (!share) return;
    const prefix = `${userId}\u0000${namespace}\u0000`;
    for (const key of [...share.keys]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  /** Bytes (as counted) and entries held: in total, or of one user. */
  usage(userId?: string): { bytes: number; entries: number } {
    if (userId === undefined) return { bytes: this.lru.calculatedSize, entries: this.lru.size };
    const share = this.users.get(userId);
    return { bytes: share?.bytes ?? 0, entries: share?.keys.size ?? 0 };
  }

  private forget(full: string, stored: Stored): void {
    const share = this.users.get(stored.userId);
    if (!share || !share.keys.delete(full)) return;
    share.bytes -= stored.cost;
    if (share.keys.size === 0) this.users.delete(stored.userId);
  }
}
