import type { PendingWrite, PendingWrites } from '@ln/application';
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
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

type Client = Redis & { lnPendingAdd(hash: string, decided: string, field: string, json: string, ttlMs: number): Promise<number> };

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
    if (!(client as unknown as Partial<Client>).lnPendingAdd) client.defineCommand('lnPendingAdd', { numberOfKeys: 2, lua: ADD_SCRIPT });
    this.client = client as unknown as Client;
  }

  private static hash(userId: string): string {
    return `pw:{${userId}}`;
  }

  private static decided(userId: string, commandId: string): string {
    return `pw:{${userId}}:decided:${commandId}`;
  }

  async add(userId: string, write: PendingWrite): Promise<void> {
    try {
      await this.client.lnPendingAdd(RedisPendingWrites.hash(userId), RedisPendingWrites.decided(userId, write.commandId), write.commandId, JSON.stringify(write), this.ttlMs);
    } catch (error) {
      this.report('add', error);
    }
  }

  async list(userId: string): Promise<readonly PendingWrite[]> {
    try {
      const entries = await this.client.hvals(RedisPendingWrites.hash(userId));
      return entries.map((json) => JSON.parse(json) as PendingWrite);
    } catch (error) {
      this.report('list', error);
      return [];
    }
  }

  async settle(decided: readonly { userId: string; commandId: string }[]): Promise<void> {
    if (decided.length === 0) return;
    const multi = this.client.pipeline();
    for (const { userId, commandId } of decided) {
      multi.hdel(RedisPendingWrites.hash(userId), commandId);
      multi.set(RedisPendingWrites.decided(userId, commandId), '1', 'PX', this.decidedTtlMs);
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
