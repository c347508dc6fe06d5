import type { Redis } from 'ioredis';
import { CacheUnavailable, type Cache } from '@ln/application';

/**
 * Cache over ioredis. Latency is bounded by the client (see createRedisClient); this class only
 * turns every Redis-side failure into CacheUnavailable so callers can fall back to the source.
 */
export class RedisCache implements Cache {
  constructor(private readonly client: Redis) {}

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(key));
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    // MGET with no keys is a Redis syntax error.
    if (keys.length === 0) return [];
    return this.run(() => this.client.mget(...keys));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
    // PX only takes integers.
    await this.run(() => this.client.set(key, value, 'PX', Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.client.del(key));
  }

  increment(key: string): Promise<number> {
    return this.run(() => this.client.incr(key));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CacheUnavailable(error);
    }
  }
}
