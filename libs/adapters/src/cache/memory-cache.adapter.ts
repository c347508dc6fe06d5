import type { Cache } from '@ln/application';

export interface MemoryCacheOptions {
  /** Upper bound on stored keys; the oldest written entries go first when it is reached. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * Single-process Cache. Expiry is checked on read instead of by timers, so nothing keeps the
 * process alive and an idle cache costs no CPU; the size cap is what bounds memory for entries
 * that expire without ever being read again.
 */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.live(key)?.value ?? null);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
    // Re-inserting moves the key to the end of the Map's order, which is what eviction relies on.
    this.entries.delete(key);
    this.insert(key, { value, expiresAt: this.now() + Math.ceil(ttlMs) });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      // Like Redis INCR on a missing key: created at 1 with no expiry.
      this.insert(key, { value: '1', expiresAt: Number.POSITIVE_INFINITY });
      return 1;
    }
    if (!/^-?\d+$/.test(entry.value)) throw new Error(`value at ${key} is not an integer`);
    // Updated in place: Redis INCR keeps the key's existing expiry, and so does this.
    const next = Number(entry.value) + 1;
    entry.value = String(next);
    return next;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private insert(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    // Map iteration order is insertion order, so the first keys are the oldest writes.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}
