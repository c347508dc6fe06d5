import type { ReadCache } from '../../application/ports/read-cache.port';
import type { Metrics } from '../observability/metrics';

/** A cache key's query label: its first segment (`task:<id>` -> `task`), or `other` for a key not shaped so. */
export function queryOfKey(key: string): string {
  const colon = key.indexOf(':');
  if (colon < 0) return 'other';
  const head = key.slice(0, colon);
  // Keys start with a constant name; anything else must not become a label value (cardinality).
  return /^[a-z][a-z_]{0,31}$/.test(head) ? head : 'other';
}

/**
 * Counts hits and misses per query around any read cache: a read whose own `load` ran is a miss
 * (the database was read for it), any other read is a hit, including one that joined a load
 * already running for the same key. Counters are looked up once per query, not per read.
 */
export class MeteredReadCache implements ReadCache {
  private readonly counters = new Map<string, { hit: { inc(by?: number): void }; miss: { inc(by?: number): void } }>();

  constructor(
    private readonly inner: ReadCache,
    private readonly metrics: Metrics,
  ) {}

  async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    let loaded = false;
    const value = await this.inner.read(userId, key, () => {
      loaded = true;
      return load();
    });
    const counter = this.countersOf(queryOfKey(key));
    (loaded ? counter.miss : counter.hit).inc();
    return value;
  }

  invalidate(userId: string): Promise<void> {
    return this.inner.invalidate(userId);
  }

  private countersOf(query: string) {
    let counter = this.counters.get(query);
    if (!counter) {
      counter = { hit: this.metrics.readCacheHits.labels(query), miss: this.metrics.readCacheMisses.labels(query) };
      // Both series from the first read, so a hit ratio exists for a query that never missed (or never hit).
      counter.hit.inc(0);
      counter.miss.inc(0);
      this.counters.set(query, counter);
    }
    return counter;
  }
}
