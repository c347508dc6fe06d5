import type { ReadCache } from '../../application/ports/read-cache.port';
import { ReadCacheMemory, type ReadCacheLimits } from './read-cache-memory';

export interface MemoryReadCacheOptions {
  readonly ttlMs?: number;
  /** The process's shared, byte-bounded entries; without it the cache has its own with `limits`. */
  readonly memory?: ReadCacheMemory;
  readonly limits?: Partial<ReadCacheLimits>;
  /** Keeps this cache's entries and invalidations apart from other caches sharing `memory`. */
  readonly namespace?: string;
}

/**
 * The embedded mode's read cache: the same versioned semantics as the Redis one, in one process,
 * held in a `ReadCacheMemory` (bounded in bytes, in total, per user and per entry: ADR 19).
 */
export class MemoryReadCache implements ReadCache {
  private readonly versions = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly ttlMs: number;
  private readonly memory: ReadCacheMemory;
  private readonly namespace: string;

  constructor(options: MemoryReadCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.memory = options.memory ?? new ReadCacheMemory(options.limits);
    this.namespace = options.namespace ?? 'rc';
  }

  async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    const version = String(this.versions.get(userId) ?? 0);
    const hit = this.memory.get(userId, this.namespace, key);
    if (hit && hit.version === version) return hit.value;
    const slot = `${userId}\u0000${version}\u0000${key}`;
    const pending = this.inFlight.get(slot);
    if (pending) return pending;
    const refill = load()
      .then((value) => {
        // A load that an invalidation overtook is answered, never kept.
        if (String(this.versions.get(userId) ?? 0) === version) this.memory.set(userId, this.namespace, key, { version, value }, this.ttlMs);
        return value;
      })
      .finally(() => this.inFlight.delete(slot));
    this.inFlight.set(slot, refill);
    return refill;
  }

  async invalidate(userId: string): Promise<void> {
    this.versions.set(userId, (this.versions.get(userId) ?? 0) + 1);
    // Nothing of the old version can be served again: its memory is freed now, not at expiry.
    this.memory.dropUser(userId, this.namespace);
  }
}
