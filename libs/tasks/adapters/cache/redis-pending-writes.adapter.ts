import type { PendingWrite, PendingWrites, ReadOptions, SettledCommand } from '../../application/queued-writes/ports/pending-writes.port';
import type { Redis } from 'ioredis';

export interface RedisPendingWritesOptions {
  /** How long a user's pending writes are kept after the last one was added (a worker settles them long before). */
  readonly ttlMs?: number;
  /** How long a decided command refuses a late add. */
  readonly decidedTtlMs?: number;
  readonly onError?: (message: string) => void;
  /** How often a settle that failed is tried again (default 1 s). */
  readonly settleRetryMs?: number;
}

/** Failed settles kept for a retry, at most. */
const MAX_UNSETTLED = 100_000;

// Keys, all in the user's hash slot (KEYS[1] is the user's hash, `pw:{<user>}`; the index keys are
// named from it inside the scripts, so a client key prefix applies to them too):
//   pw:{u}                 hash: command id -> pending write (JSON)
//   pw:{u}:t:<task>        set: command ids of the task's pending writes
//   pw:{u}:p:<parent>      set: ids of the parent's steps that have pending writes
//   pw:{u}:decided:<cmd>   marker: the command was decided, a late add is refused

/**
 * Adds (and indexes) each write unless its command was already decided (the api's add can arrive
 * after a fast worker's settle); answers each user's pending count after their add. The writes of
 * one event-loop turn, of any users, come in one call: KEYS holds two keys per write (the user's
 * hash and the command's decided marker), ARGV five values per write (command id, JSON, TTL, task
 * id, parent id or ''). So every key a call touches is named in KEYS (a cluster would need one call
 * per hash slot: ADR 11, "One overlay call per turn").
 */
const ADD_SCRIPT = `
local counts = {}
for i = 1, #KEYS / 2 do
  local hash, decided, a = KEYS[2 * i - 1], KEYS[2 * i], 5 * (i - 1)
  if redis.call('EXISTS', decided) == 0 then
    redis.call('HSET', hash, ARGV[a + 1], ARGV[a + 2])
    redis.call('PEXPIRE', hash, ARGV[a + 3])
    local t = hash .. ':t:' .. ARGV[a + 4]
    redis.call('SADD', t, ARGV[a + 1])
    redis.call('PEXPIRE', t, ARGV[a + 3])
    if ARGV[a + 5] ~= '' then
      local p = hash .. ':p:' .. ARGV[a + 5]
      redis.call('SADD', p, ARGV[a + 4])
      redis.call('PEXPIRE', p, ARGV[a + 3])
    end
  end
  counts[i] = redis.call('HLEN', hash)
end
return counts`;

/** Writes of one turn in one add call, at most (a longer turn takes several calls). */
const MAX_ADDS_PER_CALL = 100;

/** The pending writes of one task (ARGV[1]). */
const OF_TASK_SCRIPT = `
local ids = redis.call('SMEMBERS', KEYS[1] .. ':t:' .. ARGV[1])
if #ids == 0 then return {} end
local found = redis.call('HMGET', KEYS[1], unpack(ids))
local out = {}
for i = 1, #found do if found[i] then out[#out + 1] = found[i] end end
return out`;

/** The pending writes of every step of a parent (ARGV[1]) that has some. */
const OF_STEPS_SCRIPT = `
local out = {}
for _, task in ipairs(redis.call('SMEMBERS', KEYS[1] .. ':p:' .. ARGV[1])) do
  local ids = redis.call('SMEMBERS', KEYS[1] .. ':t:' .. task)
  if #ids > 0 then
    local found = redis.call('HMGET', KEYS[1], unpack(ids))
    for i = 1, #found do if found[i] then out[#out + 1] = found[i] end end
  end
end
return out`;

/**
 * Forgets a decided command and marks it decided; for an applied one, also retires the task's
 * other pending writes up to the version it stored (state-less entries only wait for their own),
 * found through the task's index rather than by reading every pending write of the user.
 */
const SETTLE_SCRIPT = `
local function forget(id, json)
  redis.call('HDEL', KEYS[1], id)
  local ok, w = pcall(cjson.decode, json)
  if not ok or type(w) ~= 'table' or type(w.taskId) ~= 'string' then return end
  local t = KEYS[1] .. ':t:' .. w.taskId
  redis.call('SREM', t, id)
  if redis.call('SCARD', t) == 0 and type(w.state) == 'table' and type(w.state.parentId) == 'string' then
    redis.call('SREM', KEYS[1] .. ':p:' .. w.state.parentId, w.taskId)
  end
end
local own = redis.call('HGET', KEYS[1], ARGV[1])
if own then forget(ARGV[1], own) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
if ARGV[3] == '' then return 1 end
local version = tonumber(ARGV[4])
local ids = redis.call('SMEMBERS', KEYS[1] .. ':t:' .. ARGV[3])
for _, id in ipairs(ids) do
  local json = redis.call('HGET', KEYS[1], id)
  if not json then
    redis.call('SREM', KEYS[1] .. ':t:' .. ARGV[3], id)
  else
    local ok, w = pcall(cjson.decode, json)
    if ok and type(w) == 'table' and type(w.state) == 'table' and tonumber(w.state.version) <= version then forget(id, json) end
  end
end
return 1`;

type Client = Redis & {
  /** `keys` then the keys (two per write), then five values per write: see ADD_SCRIPT. */
  lnPendingAdd(keys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  lnPendingOfTask(hash: string, taskId: string): Promise<string[]>;
  lnPendingOfSteps(hash: string, parentId: string): Promise<string[]>;
  lnPendingSettle(hash: string, decided: string, commandId: string, decidedTtlMs: number, taskId: string, version: string): Promise<number>;
};

/**
 * The pending overlay in Redis: one hash per user (command id -> pending write), indexed by task
 * and by parent (sets, see the scripts above), and a short-lived marker per decided command. All
 * keys of a user share a hash slot. A failure never reaches the request: reads get no overlay, adds are reported and dropped (the write itself is in the broker;
 * entries expire on their own), settles are reported and retried (see `retryLater`).
 */
export class RedisPendingWrites implements PendingWrites {
  private readonly client: Client;
  private readonly ttlMs: number;
  private readonly decidedTtlMs: number;
  private readonly settleRetryMs: number;

  constructor(
    client: Redis,
    private readonly options: RedisPendingWritesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.decidedTtlMs = options.decidedTtlMs ?? 15 * 60_000;
    this.settleRetryMs = options.settleRetryMs ?? 1_000;
    if (!(client as unknown as Partial<Client>).lnPendingOfTask) {
      client.defineCommand('lnPendingAdd', { lua: ADD_SCRIPT });
      client.defineCommand('lnPendingOfTask', { numberOfKeys: 1, lua: OF_TASK_SCRIPT });
      client.defineCommand('lnPendingOfSteps', { numberOfKeys: 1, lua: OF_STEPS_SCRIPT });
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

  /** Adds waiting for the end of the current event-loop turn. */
  private turn?: { userId: string; write: PendingWrite; resolve: (count: number | false) => void }[];

  /**
   * The adds of one event-loop turn go to Redis together, in one script call (ADR 11, "One overlay
   * call per turn"): the 202s of a turn are answered after the confirms of one read from the broker,
   * so they arrive together.
   */
  add(userId: string, write: PendingWrite): Promise<number | false> {
    return new Promise((resolve) => {
      if (this.turn) this.turn.push({ userId, write, resolve });
      else {
        this.turn = [{ userId, write, resolve }];
        setImmediate(() => this.flushAdds());
      }
    });
  }

  private flushAdds(): void {
    const adds = this.turn ?? [];
    this.turn = undefined;
    for (let from = 0; from < adds.length; from += MAX_ADDS_PER_CALL) void this.addAll(adds.slice(from, from + MAX_ADDS_PER_CALL));
  }

  private async addAll(adds: readonly { userId: string; write: PendingWrite; resolve: (count: number | false) => void }[]): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const { userId, write } of adds) {
      keys.push(RedisPendingWrites.hash(userId), RedisPendingWrites.decided(userId, write.commandId));
      args.push(write.commandId, JSON.stringify(write), this.ttlMs, write.taskId, write.state?.parentId ?? '');
    }
    let counts: readonly number[] | undefined;
    try {
      counts = await this.client.lnPendingAdd(keys.length, ...keys, ...args);
    } catch (error) {
      this.report(adds.length === 1 ? 'add' : `add (${adds.length} writes of one turn)`, error);
    }
    adds.forEach(({ resolve }, i) => resolve(counts?.[i] ?? false));
  }

  list(userId: string, options: ReadOptions = {}): Promise<readonly PendingWrite[]> {
    return this.read('list', options, [], async () => this.live(await this.client.hvals(RedisPendingWrites.hash(userId))));
  }

  ofTask(userId: string, taskId: string, options: ReadOptions = {}): Promise<readonly PendingWrite[]> {
    return this.read('read of a task', options, [], async () => this.live(await this.client.lnPendingOfTask(RedisPendingWrites.hash(userId), taskId)));
  }

  ofSteps(userId: string, parentId: string, options: ReadOptions = {}): Promise<readonly PendingWrite[]> {
    return this.read('read of steps', options, [], async () => this.live(await this.client.lnPendingOfSteps(RedisPendingWrites.hash(userId), parentId)));
  }

  get(userId: string, commandId: string, options: ReadOptions = {}): Promise<PendingWrite | null> {
    return this.read('read of a command', options, null, async () => {
      const json = await this.client.hget(RedisPendingWrites.hash(userId), commandId);
      return json === null ? null : (this.live([json])[0] ?? null);
    });
  }

  count(userId: string, options: ReadOptions = {}): Promise<number> {
    return this.read('count', options, 0, () => this.client.hlen(RedisPendingWrites.hash(userId)));
  }

  /** Parsed, without the writes older than the TTL (each expires on its own; a user who keeps writing keeps the hash alive). */
  private live(entries: readonly string[]): PendingWrite[] {
    const oldest = Date.now() - this.ttlMs;
    return entries.map((json) => JSON.parse(json) as PendingWrite).filter((w) => Date.parse(w.acceptedAt) > oldest);
  }

  private async read<T>(what: string, options: ReadOptions, none: T, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      this.report(what, error);
      if (options.strict) throw error;
      return none;
    }
  }

  async settle(decided: readonly SettledCommand[]): Promise<void> {
    if (decided.length === 0) return;
    if (!(await this.trySettle(decided, true))) this.retryLater(decided);
  }

  /**
   * Settles that failed (Redis unreachable or timing out) are tried again every `settleRetryMs`
   * until they succeed or no longer matter (the entries they would remove have expired). Without
   * this a command the worker rejected would show its planned state to its author until the
   * entry expired (15 min). Kept in this process only: a worker that dies with some loses them,
   * and those entries expire as before.
   */
  private unsettled: { readonly command: SettledCommand; readonly until: number }[] = [];
  private retry: NodeJS.Timeout | undefined;

  private retryLater(decided: readonly SettledCommand[]): void {
    const until = Date.now() + this.ttlMs;
    this.unsettled.push(...decided.map((command) => ({ command, until })));
    // Bounded: past it the oldest go (they expire first anyway).
    if (this.unsettled.length > MAX_UNSETTLED) this.unsettled.splice(0, this.unsettled.length - MAX_UNSETTLED);
    this.retry ??= setTimeout(() => void this.retryUnsettled(), this.settleRetryMs).unref();
  }

  private async retryUnsettled(): Promise<void> {
    const now = Date.now();
    const due = this.unsettled.filter((u) => u.until > now);
    this.unsettled = [];
    // Reported once, when the settle first failed: not again every retry while Redis is down.
    if (due.length > 0 && !(await this.trySettle(due.map((u) => u.command), false))) {
      this.unsettled.unshift(...due);
    }
    this.retry = undefined;
    if (this.unsettled.length > 0) this.retry = setTimeout(() => void this.retryUnsettled(), this.settleRetryMs).unref();
  }

  /** True when every settle landed. */
  private async trySettle(decided: readonly SettledCommand[], report: boolean): Promise<boolean> {
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
      return true;
    } catch (error) {
      if (report) this.report('settle (retried every second until it lands)', error);
      return false;
    }
  }

  /** Settles waiting for a retry (for tests and metrics). */
  get unsettledCount(): number {
    return this.unsettled.length;
  }

  /** Stops retrying (what is still unsettled expires on its own). */
  dispose(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.unsettled = [];
  }

  private report(what: string, error: unknown): void {
    this.options.onError?.(`pending overlay ${what} failed: ${(error as Error).message}`);
  }
}
