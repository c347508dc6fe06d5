import type { Redis } from 'ioredis';
import { CacheUnavailable } from '@ln/kernel/application/cache.errors';
import { type AttemptCount, type AttemptCounter } from '../../application/ports/attempt-counter.port';

const INCREMENT_COMMAND = 'lnAttemptIncrement';

/**
 * One script so that "count, and open the window on the first count" cannot be split by a crash or
 * a concurrent replica. A key without a TTL (PTTL -1) gets one too, so a stray counter cannot lock
 * someone out forever.
 */
const INCREMENT_LUA = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

const DECREMENT_COMMAND = 'lnAttemptDecrement';

/** Takes one back, never below zero; the last one deletes the key (an empty window is no window). DECR keeps the TTL. */
const DECREMENT_LUA = `
local count = tonumber(redis.call('GET', KEYS[1]))
if not count then return 0 end
if count <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
return redis.call('DECR', KEYS[1])
`;

type IncrementCommand = (key: string, windowMs: number) => Promise<[number, number]>;

const NONE: AttemptCount = { count: 0, resetInMs: 0 };

/** Fixed-window counter shared by every replica through Redis. */
export class RedisAttemptCounter implements AttemptCounter {
  private readonly incrementScript: IncrementCommand;
  private readonly decrementScript: (key: string) => Promise<number>;

  constructor(private readonly client: Redis) {
    // defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT (e.g. after a Redis restart).
    client.defineCommand(INCREMENT_COMMAND, { numberOfKeys: 1, lua: INCREMENT_LUA });
    const command: unknown = Reflect.get(client, INCREMENT_COMMAND);
    if (typeof command !== 'function') throw new Error('ioredis did not define the increment command');
    this.incrementScript = (key, windowMs) => command.call(client, key, windowMs);
    client.defineCommand(DECREMENT_COMMAND, { numberOfKeys: 1, lua: DECREMENT_LUA });
    const decrement: unknown = Reflect.get(client, DECREMENT_COMMAND);
    if (typeof decrement !== 'function') throw new Error('ioredis did not define the decrement command');
    this.decrementScript = (key) => decrement.call(client, key);
  }

  async increment(key: string, windowMs: number): Promise<AttemptCount> {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new RangeError(`windowMs must be a positive number, got ${windowMs}`);
    }
    const [count, ttl] = await this.run(() => this.incrementScript(key, Math.ceil(windowMs)));
    // PTTL can read 0 in the key's last millisecond; the window is still open, so report it as 1.
    return { count, resetInMs: Math.max(1, ttl) };
  }

  async get(key: string): Promise<AttemptCount> {
    // MULTI, so the count and its TTL come from the same moment (the key may expire in between).
    const replies = await this.run(() => this.client.multi().get(key).pttl(key).exec());
    if (!replies) throw new CacheUnavailable(new Error('redis transaction was aborted'));
    const [[getError, value], [pttlError, ttl]] = replies;
    if (getError || pttlError) throw new CacheUnavailable(getError ?? pttlError);
    if (typeof value !== 'string') return NONE;
    // A counter without a TTL (-1) has no window to wait for; the next increment gives it one.
    const resetInMs = typeof ttl === 'number' && ttl >= 0 ? Math.max(1, ttl) : 0;
    return { count: Number(value), resetInMs };
  }

  async reset(key: string): Promise<void> {
    await this.run(() => this.client.del(key));
  }

  async decrement(key: string): Promise<void> {
    await this.run(() => this.decrementScript(key));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CacheUnavailable(error);
    }
  }
}
