export const READ_CACHE = Symbol('ReadCache');

/**
 * Cache-aside for serialized query responses, scoped per user. A read returns the stored string
 * when there is one for the user's current version, otherwise runs `load` (once per key at a time
 * in this process) and stores the result. `invalidate` makes every cached read of the user stale at
 * once: readers that started before it can no longer have their results served.
 *
 * Implementations never fail a read because of the cache: when it is down or slow they call
 * `load` directly (within a bounded wait) and recover when it is back.
 */
export interface ReadCache {
  read(userId: string, key: string, load: () => Promise<string>): Promise<string>;
  invalidate(userId: string): Promise<void>;
}
