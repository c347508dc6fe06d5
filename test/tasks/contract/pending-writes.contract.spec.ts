import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PendingWrite, PendingWrites } from '@ln/tasks/application/queued-writes/ports/pending-writes.port';
import type { TaskState } from '@ln/tasks/domain/task.aggregate';
import { MemoryPendingWrites } from '@ln/tasks/adapters/cache/memory-pending-writes.adapter';
import { RedisPendingWrites } from '@ln/tasks/adapters/cache/redis-pending-writes.adapter';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '@ln/kernel/adapters/redis/redis-client.factory';
import { describeWithService, SERVICES } from '../../support/services';
import { freePort } from '../../support/free-port';
import { RedisServer, REDIS_SERVER_BIN, redisServerAvailable } from '../../support/redis-server';
import { TcpProxy } from '../../support/tcp-proxy';

/**
 * The pending overlay's port (libs/application/src/ports/pending-writes.port.ts), one contract for
 * every adapter: per-user lists, settle forgets and refuses late adds (a fast worker can decide a
 * command before the api records it), entries expire on their own. Redis only: an unreachable Redis
 * never fails the caller (empty list, dropped writes, reported through onError).
 */

interface Options {
  /** Both how long a user's entries live and how long a decided command refuses a late add. */
  readonly ttlMs?: number;
}

interface Handle {
  readonly pending: PendingWrites;
  /** What the adapter reported: a contract test on a healthy store expects nothing. */
  readonly faults: string[];
  /** Lets `ms` pass for the adapter (a fake clock for memory, real time for Redis). */
  elapse(ms: number): Promise<void>;
  /** The adapter's clock, for writes accepted "now". */
  now(): number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Liveness bound, not a performance threshold: fails only if the promise would hang. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const user = () => randomUUID();

function taskState(overrides: Partial<TaskState> = {}): TaskState {
  return {
    id: randomUUID(),
    ownerId: randomUUID(),
    title: 'Write the report — ünïcödé ✓ 🚀 "quoted" \\ back\nslash',
    notes: null,
    scheduledDate: '2026-03-10',
    scheduledAt: '2026-03-10T14:45:12.345Z',
    dueAt: '2026-03-12T17:00:00.456Z',
    estimateMinutes: 90,
    actualMinutes: null,
    priority: 2,
    tags: ['Deep Work', 'home'],
    parentId: null,
    depth: 0,
    status: 'failed',
    failure: { reason: 'blocked', note: 'waiting on review', at: '2026-03-11T08:00:00.000Z' },
    deferrals: 1,
    replanOf: null,
    version: 3,
    createdAt: '2026-03-01T09:15:30.123Z',
    updatedAt: '2026-03-11T08:00:00.000Z',
    closedAt: '2026-03-11T08:00:00.000Z',
    deletedAt: null,
    ...overrides,
  };
}

function write(overrides: Partial<PendingWrite> = {}): PendingWrite {
  const state = overrides.state === undefined ? taskState() : overrides.state;
  return {
    commandId: randomUUID(),
    type: 'task.edit',
    taskId: state?.id ?? randomUUID(),
    state,
    createFingerprint: null,
    acceptedAt: new Date().toISOString(),
    ...overrides,
  };
}

const byCommand = (ws: readonly PendingWrite[]) => [...ws].sort((a, b) => (a.commandId < b.commandId ? -1 : 1));

function pendingWritesContract(name: string, make: (options?: Options) => Promise<Handle>): void {
  describe(`PendingWrites contract: ${name}`, () => {
    const handles: Handle[] = [];
    const open = async (options?: Options): Promise<Handle> => {
      const handle = await make(options);
      handles.push(handle);
      return handle;
    };
    afterEach(async () => {
      const closing = handles.splice(0);
      await Promise.all(closing.map((h) => h.close()));
      expect(closing.flatMap((h) => h.faults)).toEqual([]);
    });

    it('add then list returns the write as given, to its author only', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const w = write({ createFingerprint: 'sha256:abc', type: 'task.create' });
      await pending.add(alice, w);
      await expect(pending.list(alice)).resolves.toEqual([w]);
      await expect(pending.list(bob)).resolves.toEqual([]);
    });

    it('a user with nothing pending lists []', async () => {
      const { pending } = await open();
      await expect(pending.list(user())).resolves.toEqual([]);
    });

    it('lists every pending write of a user, and keeps users apart', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const taskId = randomUUID();
      // Two writes of one task (an edit then a delete) and one of another task.
      const aliceWrites = [
        write({ state: taskState({ id: taskId, version: 2 }) }),
        write({ state: taskState({ id: taskId, version: 3, deletedAt: '2026-03-11T09:00:00.000Z' }), type: 'task.delete' }),
        write(),
      ];
      const bobWrites = [write(), write()];
      for (const w of aliceWrites) await pending.add(alice, w);
      for (const w of bobWrites) await pending.add(bob, w);
      expect(byCommand(await pending.list(alice))).toEqual(byCommand(aliceWrites));
      expect(byCommand(await pending.list(bob))).toEqual(byCommand(bobWrites));
    });

    it('ofTask reads the writes of one task only (the index by task), for its author only', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const taskId = randomUUID();
      const edit = write({ state: taskState({ id: taskId, version: 2 }) });
      const noop = write({ state: null, taskId, type: 'task.replace' });
      const del = write({ state: taskState({ id: taskId, version: 3, deletedAt: '2026-03-11T09:00:00.000Z' }), type: 'task.delete' });
      const other = write();
      for (const w of [edit, noop, del, other]) await pending.add(alice, w);
      await pending.add(bob, write({ state: taskState({ id: taskId, version: 9 }) }));
      expect(byCommand(await pending.ofTask(alice, taskId))).toEqual(byCommand([edit, noop, del]));
      await expect(pending.ofTask(alice, other.taskId)).resolves.toEqual([other]);
      await expect(pending.ofTask(alice, randomUUID())).resolves.toEqual([]);
      await expect(pending.ofTask(user(), taskId)).resolves.toEqual([]);
    });

    it('ofSteps reads every pending write of the steps of one parent, not the parent, not other parents\' steps', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const [parent, otherParent] = [randomUUID(), randomUUID()];
      const [step1, step2] = [randomUUID(), randomUUID()];
      const created1 = write({ state: taskState({ id: step1, parentId: parent, depth: 1, version: 1 }), type: 'task.create' });
      const edited1 = write({ state: taskState({ id: step1, parentId: parent, depth: 1, version: 2 }) });
      // A state-less write of a step (a retried create) comes with its task.
      const retried1 = write({ state: null, taskId: step1, type: 'task.create', createFingerprint: 'fp' });
      const done2 = write({ state: taskState({ id: step2, parentId: parent, depth: 1, status: 'done' }), type: 'task.complete' });
      const ofParent = write({ state: taskState({ id: parent }) });
      const elsewhere = write({ state: taskState({ parentId: otherParent, depth: 1 }) });
      for (const w of [created1, edited1, retried1, done2, ofParent, elsewhere]) await pending.add(alice, w);
      await pending.add(bob, write({ state: taskState({ parentId: parent, depth: 1 }) }));
      expect(byCommand(await pending.ofSteps(alice, parent))).toEqual(byCommand([created1, edited1, retried1, done2]));
      await expect(pending.ofSteps(alice, otherParent)).resolves.toEqual([elsewhere]);
      await expect(pending.ofSteps(alice, step1)).resolves.toEqual([]);
      // Settled, a step's writes leave the parent's reads; the other step's stay.
      await pending.settle([created1, edited1, retried1].map((w) => ({ userId: alice, commandId: w.commandId })));
      await expect(pending.ofSteps(alice, parent)).resolves.toEqual([done2]);
      await pending.settle([{ userId: alice, commandId: done2.commandId }]);
      await expect(pending.ofSteps(alice, parent)).resolves.toEqual([]);
    });

    it('get finds a pending write by command id, for its author only; count counts the user\'s pending writes', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const [a1, a2] = [write(), write({ state: null, type: 'task.replace' })];
      await expect(pending.count(alice)).resolves.toBe(0);
      await expect(pending.add(alice, a1)).resolves.toBe(1);
      await expect(pending.add(alice, a2)).resolves.toBe(2);
      await expect(pending.get(alice, a1.commandId)).resolves.toEqual(a1);
      await expect(pending.get(alice, a2.commandId)).resolves.toEqual(a2);
      await expect(pending.get(bob, a1.commandId)).resolves.toBeNull();
      await expect(pending.get(alice, randomUUID())).resolves.toBeNull();
      await expect(pending.count(alice)).resolves.toBe(2);
      await expect(pending.count(bob)).resolves.toBe(0);
      await pending.settle([{ userId: alice, commandId: a1.commandId }]);
      await expect(pending.get(alice, a1.commandId)).resolves.toBeNull();
      await expect(pending.count(alice)).resolves.toBe(1);
    });

    it('an applied settle retires its task\'s writes up to the stored version, in every read, and nothing else', async () => {
      const { pending } = await open();
      const alice = user();
      const taskId = randomUUID();
      const v2 = write({ state: taskState({ id: taskId, version: 2 }) });
      const v3 = write({ state: taskState({ id: taskId, version: 3 }) });
      const v4 = write({ state: taskState({ id: taskId, version: 4 }) });
      const stateless = write({ state: null, taskId, type: 'task.replace' });
      const other = write({ state: taskState({ version: 2 }) });
      for (const w of [v2, v3, v4, stateless, other]) await pending.add(alice, w);
      // v3 applied: v2 (its own settle lost) is superseded; v4 is still to come; the state-less one waits for its own.
      await pending.settle([{ userId: alice, commandId: v3.commandId, applied: { taskId, version: 3 } }]);
      expect(byCommand(await pending.ofTask(alice, taskId))).toEqual(byCommand([v4, stateless]));
      expect(byCommand(await pending.list(alice))).toEqual(byCommand([v4, stateless, other]));
      await expect(pending.get(alice, v2.commandId)).resolves.toBeNull();
      await expect(pending.count(alice)).resolves.toBe(3);
      // The applied command is decided: its late add is refused.
      await pending.add(alice, v3);
      await expect(pending.ofTask(alice, taskId).then(byCommand)).resolves.toEqual(byCommand([v4, stateless]));
    });

    it('adding the same command id again keeps one entry', async () => {
      const { pending } = await open();
      const alice = user();
      const w = write();
      await pending.add(alice, w);
      await pending.add(alice, w);
      await expect(pending.list(alice)).resolves.toEqual([w]);
    });

    it('round-trips a state-less entry (a plan that changes nothing) and a delete', async () => {
      const { pending } = await open();
      const alice = user();
      const noop = write({ state: null, taskId: randomUUID(), type: 'task.replace' });
      const retriedCreate = write({ state: null, taskId: randomUUID(), type: 'task.create', createFingerprint: 'fp-1' });
      const deleted = write({ state: taskState({ deletedAt: '2026-03-11T09:00:00.000Z', status: 'open', failure: null }), type: 'task.delete' });
      for (const w of [noop, retriedCreate, deleted]) await pending.add(alice, w);
      const listed = byCommand(await pending.list(alice));
      expect(listed).toEqual(byCommand([noop, retriedCreate, deleted]));
      expect(listed.find((w) => w.commandId === noop.commandId)?.state).toBeNull();
    });

    it('settle removes the decided write and leaves the others', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const [a1, a2] = [write(), write()];
      const b1 = write();
      await pending.add(alice, a1);
      await pending.add(alice, a2);
      await pending.add(bob, b1);
      await pending.settle([{ userId: alice, commandId: a1.commandId }]);
      await expect(pending.list(alice)).resolves.toEqual([a2]);
      await expect(pending.list(bob)).resolves.toEqual([b1]);
      await pending.settle([{ userId: alice, commandId: a2.commandId }]);
      await expect(pending.list(alice)).resolves.toEqual([]);
    });

    it('settle names the user: a command settled for another user stays pending', async () => {
      const { pending } = await open();
      const [alice, bob] = [user(), user()];
      const w = write();
      await pending.add(alice, w);
      await pending.settle([{ userId: bob, commandId: w.commandId }]);
      await expect(pending.list(alice)).resolves.toEqual([w]);
    });

    it('an add after the settle of its command is refused (a fast worker decided before the api recorded it)', async () => {
      const { pending } = await open();
      const alice = user();
      const late = write();
      await pending.settle([{ userId: alice, commandId: late.commandId }]);
      await pending.add(alice, late);
      await expect(pending.list(alice)).resolves.toEqual([]);
      // Only that command is refused: the user's next write is recorded.
      const next = write();
      await pending.add(alice, next);
      await expect(pending.list(alice)).resolves.toEqual([next]);
      // And refused again later, not just once.
      await pending.add(alice, late);
      await expect(pending.list(alice)).resolves.toEqual([next]);
    });

    it('adds made together (one event-loop turn, many users, one of them decided already) each land or are refused on their own, each with its user\'s count', async () => {
      const { pending } = await open();
      const users = Array.from({ length: 6 }, user);
      // Each user already has as many pending writes as their index.
      const earlier = users.map((u, i) => Array.from({ length: i }, () => write()));
      for (const [i, u] of users.entries()) for (const w of earlier[i]) await pending.add(u, w);
      const decided = write();
      await pending.settle([{ userId: users[2], commandId: decided.commandId }]);
      const parentId = randomUUID();
      const together = users.map((_, i) => (i === 2 ? decided : write({ state: i === 3 ? taskState({ parentId, depth: 1 }) : null })));
      // Two writes of user 4 in the same turn: both land, the second sees the first.
      const extra = write();
      const counts = await Promise.all([...users.map((u, i) => pending.add(u, together[i])), pending.add(users[4], extra)]);
      expect(counts).toEqual([1, 2, 2, 4, 5, 6, 6]);
      for (const [i, u] of users.entries()) {
        const expected = [...earlier[i], ...(i === 2 ? [] : [together[i]]), ...(i === 4 ? [extra] : [])];
        expect(byCommand(await pending.list(u))).toEqual(byCommand(expected));
      }
      // Indexed as one by one: by task, and a step by its parent.
      await expect(pending.ofTask(users[5], together[5].taskId)).resolves.toEqual([together[5]]);
      await expect(pending.ofSteps(users[3], parentId)).resolves.toEqual([together[3]]);
    });

    it('settle of many users at once removes each, refuses each late add and leaves the rest', async () => {
      const { pending } = await open();
      const users = Array.from({ length: 5 }, user);
      const writes = users.map((u) => [u, [write(), write(), write()]] as const);
      for (const [u, ws] of writes) for (const w of ws) await pending.add(u, w);
      // The first two writes of every user, and a command nobody recorded yet (its add comes later).
      const unrecorded = users.map((u) => [u, write()] as const);
      await pending.settle([
        ...writes.flatMap(([u, ws]) => ws.slice(0, 2).map((w) => ({ userId: u, commandId: w.commandId }))),
        ...unrecorded.map(([u, w]) => ({ userId: u, commandId: w.commandId })),
      ]);
      for (const [u, w] of unrecorded) await pending.add(u, w);
      for (const [u, ws] of writes) await expect(pending.list(u)).resolves.toEqual([ws[2]]);
      // Re-adding a settled one is refused too.
      for (const [u, ws] of writes) await pending.add(u, ws[0]);
      for (const [u, ws] of writes) await expect(pending.list(u)).resolves.toEqual([ws[2]]);
    });

    it('settle of nothing, or of commands never recorded, resolves', async () => {
      const { pending } = await open();
      await expect(pending.settle([])).resolves.toBeUndefined();
      await expect(pending.settle([{ userId: user(), commandId: randomUUID() }])).resolves.toBeUndefined();
      // Settling twice is fine too.
      const alice = user();
      const w = write();
      await pending.add(alice, w);
      await pending.settle([{ userId: alice, commandId: w.commandId }]);
      await expect(pending.settle([{ userId: alice, commandId: w.commandId }])).resolves.toBeUndefined();
      await expect(pending.list(alice)).resolves.toEqual([]);
    });

    it('add and settle of the same commands racing: whichever lands first, nothing stays pending', async () => {
      const { pending } = await open();
      const alice = user();
      const ws = Array.from({ length: 40 }, () => write());
      const keep = write();
      await pending.add(alice, keep);
      await Promise.all(
        ws.flatMap((w, i) => {
          const add = () => pending.add(alice, w);
          const settle = () => pending.settle([{ userId: alice, commandId: w.commandId }]);
          return i % 2 === 0 ? [add(), settle()] : [settle(), add()];
        }),
      );
      await expect(pending.list(alice)).resolves.toEqual([keep]);
    });

    it('entries expire after the TTL', async () => {
      const ttlMs = 400;
      const { pending, elapse } = await open({ ttlMs });
      const [alice, bob] = [user(), user()];
      const w = write();
      await pending.add(alice, w);
      await expect(pending.list(alice)).resolves.toEqual([w]);
      await elapse(ttlMs + 200);
      await expect(pending.list(alice)).resolves.toEqual([]);
      await expect(pending.ofTask(alice, w.taskId)).resolves.toEqual([]);
      await expect(pending.count(alice)).resolves.toBe(0);
      // A user's new write after the expiry is recorded (alone).
      const next = write();
      await pending.add(alice, next);
      await pending.add(bob, write());
      await expect(pending.list(alice)).resolves.toEqual([next]);
    });

    it('each write expires its TTL after it was accepted, even while the user keeps writing', async () => {
      const ttlMs = 1_000;
      const { pending, elapse, now } = await open({ ttlMs });
      const alice = user();
      const first = write({ acceptedAt: new Date(now()).toISOString() });
      await pending.add(alice, first);
      await elapse(600);
      const second = write({ acceptedAt: new Date(now()).toISOString() });
      await pending.add(alice, second);
      await elapse(600);
      // 1200 ms after the first was accepted, 600 ms after the second: only the second is pending.
      expect(byCommand(await pending.list(alice))).toEqual(byCommand([second]));
      await expect(pending.ofTask(alice, first.taskId)).resolves.toEqual([]);
      await expect(pending.ofTask(alice, second.taskId)).resolves.toEqual([second]);
      await expect(pending.get(alice, first.commandId)).resolves.toBeNull();
      await elapse(ttlMs);
      await expect(pending.list(alice)).resolves.toEqual([]);
    });

    it('a decided command refuses late adds for its TTL, then the marker is gone', async () => {
      const ttlMs = 400;
      const { pending, elapse, now } = await open({ ttlMs });
      const alice = user();
      const w = write();
      await pending.settle([{ userId: alice, commandId: w.commandId }]);
      await pending.add(alice, w);
      await expect(pending.list(alice)).resolves.toEqual([]);
      await elapse(ttlMs + 200);
      // Bounded memory: the marker expired, so the (by now very late) add is recorded.
      const late = { ...w, acceptedAt: new Date(now()).toISOString() };
      await pending.add(alice, late);
      await expect(pending.list(alice)).resolves.toEqual([late]);
    });
  });
}

// ---------------------------------------------------------------------------------------------

pendingWritesContract('MemoryPendingWrites', async (options) => {
  let now = Date.parse('2026-03-01T09:15:30.123Z');
  return {
    pending: new MemoryPendingWrites(options?.ttlMs, () => now),
    faults: [],
    now: () => now,
    elapse: async (ms) => {
      now += ms;
    },
    close: async () => {},
  };
});

describeWithService('redis', 'RedisPendingWrites', () => {
  // One prefix per run and one more level per instance: nothing here touches anyone else's keys.
  const runPrefix = `ln-test:pending-writes:${randomUUID()}:`;
  let instances = 0;

  afterAll(async () => {
    const admin = createRedisClient(SERVICES.redis, { commandTimeoutMs: 2_000 });
    try {
      await waitForRedisReady(admin, 5_000);
      const keys = await admin.keys(`${runPrefix}*`);
      if (keys.length > 0) await admin.unlink(...keys);
    } finally {
      await closeRedisClient(admin);
    }
  });

  pendingWritesContract('RedisPendingWrites', async (options) => {
    instances += 1;
    const client = createRedisClient(SERVICES.redis, { keyPrefix: `${runPrefix}${instances}:`, commandTimeoutMs: 2_000 });
    await waitForRedisReady(client, 5_000);
    const faults: string[] = [];
    const pending = new RedisPendingWrites(client, {
      ttlMs: options?.ttlMs,
      decidedTtlMs: options?.ttlMs,
      onError: (message) => faults.push(message),
    });
    return { pending, faults, elapse: sleep, now: Date.now, close: () => closeRedisClient(client) };
  });

  describe('RedisPendingWrites: keys', () => {
    const prefix = `${runPrefix}keys:`;
    let client: Redis;
    let admin: Redis;

    beforeAll(async () => {
      client = createRedisClient(SERVICES.redis, { keyPrefix: prefix, commandTimeoutMs: 2_000 });
      admin = createRedisClient(SERVICES.redis, { commandTimeoutMs: 2_000 });
      await Promise.all([waitForRedisReady(client, 5_000), waitForRedisReady(admin, 5_000)]);
    });

    afterAll(async () => {
      await Promise.all([closeRedisClient(client), closeRedisClient(admin)]);
    });

    it('the adds of one event-loop turn are one script call, a turn of more than 100 several', async () => {
      const pending = new RedisPendingWrites(client, { ttlMs: 60_000 });
      // Loads the script, so the calls below are each one EVALSHA.
      await pending.add(user(), write());
      const monitor = await admin.monitor();
      const seen: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (/^(evalsha|eval)$/i.test(args[0] ?? '') && args.some((a) => a.startsWith(prefix))) seen.push(args);
      });
      try {
        const users = Array.from({ length: 30 }, user);
        await expect(Promise.all(users.map((u) => pending.add(u, write())))).resolves.toEqual(users.map(() => 1));
        const many = user();
        const counts = await Promise.all(Array.from({ length: 250 }, () => pending.add(many, write())));
        // Each add answers the user's count right after it: 1..250 in call order.
        expect(counts).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
        await expect(pending.count(many)).resolves.toBe(250);
        // MONITOR may report a command a moment after its reply.
        const deadline = Date.now() + 2_000;
        while (seen.length < 4 && Date.now() < deadline) await sleep(20);
        // evalsha <sha> <numkeys> <keys...> <args...>: 30 writes, then 100, 100 and 50.
        expect(seen.map((args) => Number(args[2]) / 2)).toEqual([30, 100, 100, 50]);
      } finally {
        monitor.disconnect();
      }
    });

    it('writes only under the client’s key prefix, and every key it writes expires', async () => {
      const faults: string[] = [];
      const pending = new RedisPendingWrites(client, { ttlMs: 60_000, decidedTtlMs: 30_000, onError: (m) => faults.push(m) });
      const alice = user();
      const parentId = randomUUID();
      const [a, b] = [write(), write({ state: taskState({ parentId, depth: 1 }) })];
      await pending.add(alice, a);
      await pending.add(alice, b);
      await pending.settle([{ userId: alice, commandId: a.commandId }]);
      const keys = (await admin.keys(`*${alice}*`)).sort();
      // The hash, b's task index, the parent's index, a's decided marker; a's task index went with a.
      expect(keys.map((k) => k.slice(prefix.length).replace(alice, 'U'))).toEqual(
        [`pw:{U}`, `pw:{U}:decided:${a.commandId}`, `pw:{U}:p:${parentId}`, `pw:{U}:t:${b.taskId}`].sort(),
      );
      for (const key of keys) {
        expect(key.startsWith(prefix)).toBe(true);
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
      expect(faults).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

function describeWithRedisBinary(title: string, body: () => void): void {
  if (redisServerAvailable()) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs redis-server', () => {
        throw new Error(`CI=true and ${REDIS_SERVER_BIN} does not exist`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED: ${title}: ${REDIS_SERVER_BIN} does not exist`);
    describe.skip(`${title} [no redis-server]`, body);
  }
}

describeWithRedisBinary('RedisPendingWrites with Redis unreachable', () => {
  /** Generous liveness bound on one call while Redis is down (the command timeout is 100 ms). */
  const BOUND_MS = 2_000;
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Every call resolves (list to []), none throws, and each failure is reported through onError. */
  async function expectDegrades(pending: PendingWrites, faults: string[], alice: string): Promise<void> {
    await expect(settlesWithin(pending.list(alice), BOUND_MS)).resolves.toEqual([]);
    expect(faults.some((f) => /list/.test(f))).toBe(true);
    // A write's plan asks strictly: it must not plan on state that misses the user's writes.
    await expect(settlesWithin(pending.list(alice, { strict: true }), BOUND_MS)).rejects.toThrow();
    // So does every other read: nothing when lenient, a rejection when strict.
    await expect(settlesWithin(pending.ofTask(alice, randomUUID()), BOUND_MS)).resolves.toEqual([]);
    await expect(settlesWithin(pending.ofSteps(alice, randomUUID()), BOUND_MS)).resolves.toEqual([]);
    await expect(settlesWithin(pending.get(alice, randomUUID()), BOUND_MS)).resolves.toBeNull();
    await expect(settlesWithin(pending.count(alice), BOUND_MS)).resolves.toBe(0);
    const strictReads: Promise<unknown>[] = [pending.ofTask(alice, randomUUID(), { strict: true }), pending.ofSteps(alice, randomUUID(), { strict: true }), pending.get(alice, randomUUID(), { strict: true }), pending.count(alice, { strict: true })];
    for (const read of strictReads) {
      await expect(settlesWithin(read, BOUND_MS)).rejects.toThrow();
    }
    // Not recorded, and it says so (the api then keeps planning on it itself).
    await expect(settlesWithin(pending.add(alice, write()), BOUND_MS)).resolves.toBe(false);
    expect(faults.some((f) => /add/.test(f))).toBe(true);
    await expect(settlesWithin(pending.settle([{ userId: alice, commandId: randomUUID() }]), BOUND_MS)).resolves.toBeUndefined();
    expect(faults.some((f) => /settle/.test(f))).toBe(true);
    await expect(settlesWithin(pending.settle([]), BOUND_MS)).resolves.toBeUndefined();
  }

  it('a private redis-server that is stopped: list returns [], add and settle resolve, each failure is reported', async () => {
    const server = await RedisServer.start();
    cleanups.push(() => server.dispose());
    // The production client settings (100 ms command timeout, no offline queue).
    const client = createRedisClient(server.url, { keyPrefix: `ln-test:pending-writes-down:${randomUUID()}:` });
    cleanups.push(() => closeRedisClient(client));
    await waitForRedisReady(client, 5_000);
    const faults: string[] = [];
    const pending = new RedisPendingWrites(client, { onError: (m) => faults.push(m) });
    cleanups.push(() => pending.dispose());
    const alice = user();
    const w = write();
    await pending.add(alice, w);
    await expect(pending.list(alice)).resolves.toEqual([w]);
    expect(faults).toEqual([]);

    await server.stop();
    await expectDegrades(pending, faults, alice);
    expect(faults.every((f) => f.startsWith('pending overlay '))).toBe(true);

    // The adds of one turn fail together: each is told, the failure is reported once.
    const before = faults.length;
    await expect(settlesWithin(Promise.all([pending.add(alice, write()), pending.add(user(), write()), pending.add(alice, write())]), BOUND_MS)).resolves.toEqual([false, false, false]);
    expect(faults.slice(before)).toEqual([expect.stringMatching(/^pending overlay add \(3 writes of one turn\) failed: /)]);

    // Back up (empty: no persistence): the same adapter works again without being rebuilt.
    await server.start();
    await waitForRedisReady(client, 10_000);
    const after = write();
    await pending.add(alice, after);
    await expect(pending.list(alice)).resolves.toEqual([after]);
  });

  it('a client to a closed port: the adapter degrades from the start', async () => {
    const port = await freePort();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, { keyPrefix: `ln-test:pending-writes-closed:${randomUUID()}:` });
    cleanups.push(() => closeRedisClient(client));
    const faults: string[] = [];
    const pending = new RedisPendingWrites(client, { onError: (m) => faults.push(m) });
    cleanups.push(() => pending.dispose());
    await expectDegrades(pending, faults, user());
  });
});

describeWithService('redis', 'RedisPendingWrites: a settle that fails is retried', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('lands once Redis is reachable again: the decided write leaves its author’s reads, a late add is refused, one report', async () => {
    const target = new URL(SERVICES.redis);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    cleanups.push(() => proxy.close());
    // The production client settings (100 ms command timeout, no offline queue), through the proxy.
    const client = createRedisClient(`redis://127.0.0.1:${proxy.port}`, { keyPrefix: `ln-test:pending-writes-retry:${randomUUID()}:` });
    cleanups.push(() => closeRedisClient(client));
    await waitForRedisReady(client, 5_000);
    const faults: string[] = [];
    const pending = new RedisPendingWrites(client, { onError: (m) => faults.push(m), settleRetryMs: 100 });
    cleanups.push(() => pending.dispose());
    const alice = user();
    const rejected = write();
    const other = write();
    await pending.add(alice, rejected);
    await pending.add(alice, other);

    await proxy.cut();
    await pending.settle([{ userId: alice, commandId: rejected.commandId }]);
    expect(faults).toEqual([expect.stringContaining('settle')]);
    expect(pending.unsettledCount).toBe(1);
    await new Promise((r) => setTimeout(r, 350)); // a few retries fail while it is down
    expect(pending.unsettledCount).toBe(1);

    await proxy.restore();
    await waitForRedisReady(client, 10_000);
    const deadline = Date.now() + 5_000;
    while (pending.unsettledCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pending.unsettledCount).toBe(0);
    await expect(pending.list(alice)).resolves.toEqual([other]);
    // Decided: the api's late add of the same command is refused, as after a settle that landed.
    await pending.add(alice, rejected);
    await expect(pending.list(alice)).resolves.toEqual([other]);
    expect(faults).toHaveLength(1);
  });
});
