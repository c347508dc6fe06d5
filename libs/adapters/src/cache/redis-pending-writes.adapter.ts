import type { PendingWrite, PendingWrites, SettledCommand } from '@ln/application';
import type { Redis } from 'ioredis';

export interface RedisPendingWritesOptions {
  /** How long a user's pending writes are kept after the last one was added (a worker settles them long before). */
  readonly ttlMs?: number;
  /** How long a decided command refuses a late add. */
  readonly decidedTtlMs?: number;
  readonly onError?: (message: string) => void;
}

/** Adds unless the command was already decided: the api's add can arrive after a fast worker's settle. */
const ADD_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return redis.call('HLEN', KEYS[1])`;

/**
 * Forgets a decided command and marks it decided; for an applied one, also retires the task's
 * other pending writes up to the version it stored (state-less entries only wait for their own).
 */
const SETTLE_SCRIPT = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
if ARGV[3] == '' then return 1 end
local version = tonumber(ARGV[4])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, w = pcall(cjson.decode, all[i + 1])
  if ok and type(w) == 'table' and w.taskId == ARGV[3] and type(w.state) == 'table' and tonumber(w.state.version) <= version then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return 1`;

type Client = Redis & {
  lnPendingAdd(hash: string, decided: string, field: string, json: string, ttlMs: number): Promise<number>;
  lnPendingSettle(hash: string, decided: string, commandId: string, decidedTtlMs: number, taskId: string, version: string): Promise<number>;
};

/**
 * The pending overlay in Redis: one hash per user (command id -> pending write), and a short-lived
 * marker per decided command. Both keys of a user share a hash slot. A failure never reaches the
 * request: reads get no overlay, adds and settles are reported and dropped (the write itself is
 * in the broker or already in PostgreSQL; entries expire on their own).
 */
export class RedisPendingWrites implements PendingWrites {
  private readonly client: Client;
  private readonly ttlMs: number;
  private readonly decidedTtlMs: number;

  constructor(
    client: Redis,
    private readonly options: RedisPendingWritesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.decidedTtlMs = options.decidedTtlMs ?? 15 * 60_000;
    if (!(client as unknown as Partial<Client>).lnPendingAdd) {
      client.defineCommand('lnPendingAdd', { numberOfKeys: 2, lua: ADD_SCRIPT });
      client.defineCommand('lnPendingSettle', { numberOfKeys: 2, lua: SETTLE_SCRIPT });
    }
    this.client = client as unknown as Client;
  }

  private static hash(userId: string): string {
    return `pw:{${userId}}`;
  }

  private static decided(userId: string, commandId: string): string {
    return `pw:{${userId}}:decided:${commandId}`;
  }

  async add(userId: string, write: PendingWrite): Promise<number | false> {
    try {
      return await this.client.lnPendingAdd(RedisPendingWrites.hash(userId), RedisPendingWrites.decided(userId, write.commandId), write.commandId, JSON.stringify(write), this.ttlMs);
    } catch (error) {
      this.report('add', error);
      return false;
    }
  }

  async list(userId: string, options: { strict?: boolean } = {}): Promise<readonly PendingWrite[]> {
    try {
      const entries = await this.client.hvals(RedisPendingWrites.hash(userId));
      // Each entry expires on its own too: a user who keeps writing keeps the hash alive.
      const oldest = Date.now() - this.ttlMs;
      return entries.map((json) => JSON.parse(json) as PendingWrite).filter((w) => Date.parse(w.acceptedAt) > oldest);
    } catch (error) {
      this.report('list', error);
      if (options.strict) throw error;
      return [];
    }
  }

  async settle(decided: readonly SettledCommand[]): Promise<void> {
    if (decided.length === 0) return;
    const multi = this.client.pipeline() as unknown as Client & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const { userId, commandId, applied } of decided) {
      const hash = RedisPendingWrites.hash(userId);
      const marker = RedisPendingWrites.decided(userId, commandId);
      void multi.lnPendingSettle(hash, marker, commandId, this.decidedTtlMs, applied?.taskId ?? '', String(applied?.version ?? ''));
    }
    try {
      const results = (await multi.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.report('settle', error);
    }
  }

  private report(what: string, error: unknown): void {
    this.options.onError?.(`pending overlay ${what} failed: ${(error as Error).message}`);
  }
}
