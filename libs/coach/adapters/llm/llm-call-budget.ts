import type { Redis } from 'ioredis';

/**
 * A per-user daily budget of LLM calls (one call: the wording of one plan, its retries included).
 * `take` counts a call and says whether it is within the limit; a refused call is counted too,
 * which changes nothing (the day's count only has to stay over the limit).
 */
export interface LlmCallBudget {
  /** Counts one call of `userId` on its local `day` (`YYYY-MM-DD`); true when it is call number `limit` or less. Rejects when the count cannot be kept. */
  take(userId: string, day: string, limit: number): Promise<boolean>;
}

/**
 * Per process: each api/worker process keeps its own counts, so with W workers a user may get
 * up to W x the limit in a day, and a restart forgets the day. Used without Redis (embedded mode).
 */
export class MemoryLlmCallBudget implements LlmCallBudget {
  private readonly counts = new Map<string, number>();
  private newestDay = '';

  constructor(private readonly maxEntries = 100_000) {}

  async take(userId: string, day: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    if (day > this.newestDay) this.forgetBefore(day);
    const key = `${day}|${userId}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    // Bounded memory: the oldest counts go first (at worst a user gets a fresh count).
    for (const oldest of this.counts.keys()) {
      if (this.counts.size <= this.maxEntries) break;
      this.counts.delete(oldest);
    }
    return count <= limit;
  }

  /** Keeps the counts of `day` and the day before it (owners' local days straddle UTC's). */
  private forgetBefore(day: string): void {
    this.newestDay = day;
    const keepFrom = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    for (const key of this.counts.keys()) if (key.slice(0, 10) < keepFrom) this.counts.delete(key);
  }
}

const TAKE_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
`;

/** Two days: a local day ends at most 14 hours after UTC's. */
const KEY_TTL_SECONDS = 2 * 86_400;

/** Shared by every process through Redis (the client's key prefix applies): one counter per user and local day. */
export class RedisLlmCallBudget implements LlmCallBudget {
  constructor(private readonly redis: Redis) {}

  async take(userId: string, day: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    const count = Number(await this.redis.eval(TAKE_LUA, 1, `coach:llm-calls:${day}:${userId}`, KEY_TTL_SECONDS));
    return count <= limit;
  }
}
