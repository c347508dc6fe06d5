/**
 * A cache (Redis) failed or did not answer in time. Adapters bound their own latency and throw
 * this quickly, so callers can fall back to the source instead of hanging.
 */
export class CacheUnavailable extends Error {
  constructor(cause?: unknown) {
    super('cache unavailable', { cause });
    this.name = 'CacheUnavailable';
  }
}
