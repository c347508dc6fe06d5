export const CACHE = Symbol('Cache');

/**
 * A string cache with expiry. Values are opaque strings (serialized responses) so that a hit
 * can be sent as it is. Implementations must bound their own latency: a slow or dead cache
 * surfaces as CacheUnavailable quickly, never as a hang.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic increment (creates the key at 1); for version counters used in cache keys. */
  increment(key: string): Promise<number>;
}

export class CacheUnavailable extends Error {
  constructor(cause?: unknown) {
    super('cache unavailable', { cause });
    this.name = 'CacheUnavailable';
  }
}
