import type { ReadCache } from '../../application/ports/read-cache.port';

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

export interface MemoryReadCacheOptions {
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** The embedded mode's read cache: the same versioned semantics as the Redis one, in one process. */
export class MemoryReadCache implements ReadCache {
  private readonly versions = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryReadCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    const full = `${userId}\u0000${this.versions.get(userId) ?? 0}\u0000${key}`;
    const hit = this.entries.get(full);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const pending = this.inFlight.get(full);
    if (pending) return pending;
    const refill = load()
      .then((value) => {
        this.store(full, value);
        return value;
      })
      .finally(() => this.inFlight.delete(full));
    this.inFlight.set(full, refill);
    return refill;
  }

  async invalidate(userId: string): Promise<void> {
    // Old entries become unreachable (their key names the old version) and age out.
    this.versions.set(userId, (this.versions.get(userId) ?? 0) + 1);
  }

  private store(key: string, value: string): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }
}
