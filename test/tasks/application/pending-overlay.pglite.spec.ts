import { randomUUID } from 'node:crypto';
import { GetTaskHandler } from '@ln/tasks/application/get-task/get-task.handler';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { ListTasksHandler, atStoragePrecision } from '@ln/tasks/application/list-tasks/list-tasks.handler';
import { ListTasksQuery } from '@ln/tasks/application/list-tasks/list-tasks.query';
import { type PageQuery, PendingOverlay, overlayPage, sortKeyOf } from '@ln/tasks/application/queued-writes/pending-overlay';
import { type PendingWrite } from '@ln/tasks/application/queued-writes/ports/pending-writes.port';
import { type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { type TaskCursor, type TaskListFilter, type TaskSort, type TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { decodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import { Email } from '@ln/identity/domain/email.value-object';
import { type EventContext } from '@ln/kernel/domain/aggregate-root.base';
import { FAILURE_REASONS } from '@ln/tasks/domain/failure-reason.value-object';
import { PostponeMustMoveLater, TaskNotFound } from '@ln/tasks/domain/task.errors';
import { Schedule } from '@ln/tasks/domain/schedule.value-object';
import { Task, type TaskInput, type TaskState } from '@ln/tasks/domain/task.aggregate';
import { TimeZone } from '@ln/identity/domain/timezone.value-object';
import { User } from '@ln/identity/domain/user.aggregate';
import { MemoryPendingWrites } from '@ln/tasks/adapters/cache/memory-pending-writes.adapter';
import { type Database } from '@ln/kernel/adapters/persistence/database';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { IdentityFacade } from '@ln/identity/application/identity.facade';
import { TypeOrmAccountReader } from '@ln/identity/adapters/persistence/typeorm-account-reader.adapter';
import { TypeOrmTaskReadModel } from '@ln/tasks/adapters/persistence/typeorm-task-read-model.adapter';
import { TypeOrmTaskRepository } from '@ln/tasks/adapters/persistence/typeorm-task-repository.adapter';
import { TypeOrmUserRepository } from '@ln/identity/adapters/persistence/typeorm-user-repository.adapter';
import { CONTEXT_ENTITIES, CONTEXT_MIGRATIONS } from '@app/server/contexts';

/**
 * The pending overlay against the real read model (PGlite), split from pending-overlay.spec.ts so
 * that file needs no database: paging through a listing with the overlay laid over every stored
 * page gives exactly the listing storage gives once the pending writes are applied.
 */

const T0 = new Date('2026-03-01T09:15:30.123Z');
const NOW = T0.toISOString();

// ---------------------------------------------------------------------------------------------
// Randomized equivalence with the real read model (PGlite)
// ---------------------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough to pick test data; the same seed gives the same run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  subset<T>(xs: readonly T[], p = 0.5): T[] {
    return xs.filter(() => this.chance(p));
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
  /** A string in random letter case (tags match case-insensitively). */
  recase(s: string): string {
    return [...s].map((c) => (this.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  }
}

const TIMEZONES = ['UTC', 'Asia/Seoul', 'America/Los_Angeles'] as const;
/** Few values, so that keys tie often and only the id can order them. */
const SCHEDULES: readonly (string | null)[] = [
  null,
  null,
  '2026-03-09',
  '2026-03-10',
  '2026-03-10',
  '2026-03-11',
  '2026-03-12',
  '2026-03-10T18:30:00+09:00',
  '2026-03-10T20:00:00-07:00',
  '2026-03-10T15:00:00Z',
  '2026-03-11T00:00:00Z',
  '2026-03-11T09:00:00.250Z',
];
const DUES: readonly (string | null)[] = [
  null,
  null,
  '2026-02-28T12:00:00.000Z',
  '2026-03-01T09:15:30.122Z',
  NOW,
  '2026-03-01T09:15:30.124Z',
  '2026-03-05T00:00:00.000Z',
  '2026-03-06T00:00:00.000Z',
];
const TAGS = ['home', 'Home', 'work', 'Errand', 'ünï', 'a,b', 'Deep Work'];
const TITLES = ['Call mom', 'Write the report', 'Buy milk', 'Tâche — 日本語', 'Plan Q2'];
const DATES = ['2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'];
/** Bounds for dueFrom / dueTo: the due values themselves, a millisecond off, and other offsets. */
const DUE_BOUNDS = [
  '2026-02-28T12:00:00.000Z',
  '2026-02-28T21:00:00+09:00',
  '2026-02-28T12:00:00.001Z',
  '2026-02-28T11:59:59.999Z',
  '2026-03-01T09:15:30.122Z',
  NOW,
  '2026-03-01T09:15:30.124Z',
  '2026-03-01T00:00:00Z',
  '2026-03-05T00:00:00Z',
  '2026-03-05T00:00:00-01:00',
  '2026-03-06T00:00:00.000Z',
];
/**
 * Bounds finer than a millisecond (the api accepts them). Excluded from the random run while the
 * regression tests "dueFrom finer than a millisecond" and "dueTo with seven fractional digits"
 * fail: set to true once they pass.
 */
const SUB_MS_DUE_BOUNDS_FIXED = true;
const SUB_MS_DUE_BOUNDS = [
  '2026-02-28T12:00:00.0005Z',
  '2026-03-01T09:15:30.1235Z',
  '2026-03-01T09:15:30.1225Z',
  // Seven digits: PostgreSQL rounds to the microsecond (up to .124000), JavaScript truncates (.123).
  '2026-03-01T09:15:30.1239999Z',
  '2026-02-28T11:59:59.9999996Z',
];
/**
 * A failed settle leaves an applied write in the overlay. When the task was deleted afterwards
 * (delete applied and settled), storage reports no version for it and the lingering write brings
 * it back. Excluded from the random run while the regression test "a write left behind by a failed
 * settle brings back a task whose delete was applied" fails: set to true once it passes.
 */
const LOST_SETTLE_OF_DELETED_FIXED = true;
/**
 * Tasks planned in a zone the user has left since (PATCH /me changes it): a moment keeps the local
 * date of its planning. Excluded from the random run while the regression test "a moment planned
 * before a timezone change ..." fails: set to true once it passes.
 */
const TIMEZONE_CHANGE_FIXED = true;
const NOWS = [NOW, '2026-03-06T00:00:00.000Z'];
const SORTS: readonly TaskSort[] = ['createdAt', '-createdAt', 'scheduledFor', '-scheduledFor'];

interface Chain {
  /** The aggregate with the chain's unapplied events (if any). */
  readonly task: Task;
  readonly writes: PendingWrite[];
}

interface Scenario {
  readonly ownerId: string;
  readonly timezone: string;
  /** Ids of tasks that have or will have steps (for parentId filters). */
  readonly parents: string[];
  readonly chains: Chain[];
  readonly writes: PendingWrite[];
  /** One line per task and write, for a failure message. */
  readonly log: string[];
}

interface Listing {
  readonly filter: TaskListFilter;
  readonly sort: TaskSort;
  readonly limit: number;
  readonly now: string;
}

/** How the list handler keys a stored view (libs/application/src/tasks/list-tasks/list-tasks.handler.ts). */
function handlerKeyOf(sort: TaskSort, timezone: string): (v: TaskView) => string {
  if (sort === 'scheduledFor' || sort === '-scheduledFor') {
    return (v) => (v.scheduledFor ? Schedule.parse(v.scheduledFor, timezone).sortKey() : '~');
  }
  return (v) => sortKeyOf(v, sort);
}

describe('the overlay against storage (PGlite)', () => {
  const SEED = process.env.OVERLAY_SEED ? Number(process.env.OVERLAY_SEED) : Math.floor(Math.random() * 2 ** 31);
  const SCENARIOS = Number(process.env.OVERLAY_SCENARIOS ?? 40);
  const LISTINGS_PER_SCENARIO = 12;

  let db: Database;
  let users: TypeOrmUserRepository;
  let tasks: TypeOrmTaskRepository;
  let readModel: TypeOrmTaskReadModel;

  beforeAll(async () => {
    // typeorm-pglite keeps one PGlite instance per process: open once here, close in afterAll.
    db = await openDatabase({ entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS, kind: 'pglite' });
    await migrate(db);
    users = new TypeOrmUserRepository(db);
    tasks = new TypeOrmTaskRepository(db);
    readModel = new TypeOrmTaskReadModel(db);
    // Starting PGlite (compiling its WebAssembly) takes seconds, far more on a loaded machine.
  }, 120_000);

  afterAll(async () => {
    await db?.close();
  });

  async function registeredUser(r: Rand): Promise<string> {
    const id = r.uuid();
    await users.save(
      User.register(
        { eventId: () => r.uuid(), now: () => T0 },
        { id, email: Email.parse(`u-${id.slice(0, 8)}-${id.slice(-6)}@example.com`), passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x' },
      ),
    );
    return id;
  }

  function randomInput(r: Rand): TaskInput {
    return {
      title: r.pick(TITLES),
      notes: r.chance(0.3) ? 'a note' : null,
      scheduledFor: r.pick(SCHEDULES),
      dueAt: r.pick(DUES),
      estimateMinutes: r.chance(0.3) ? r.int(5, 120) : null,
      priority: r.chance(0.5) ? r.int(1, 4) : null,
      tags: r.subset(TAGS, 0.25),
    };
  }

  function randomEdit(r: Rand): Partial<TaskInput> {
    const full = randomInput(r);
    const keys = r.subset(['title', 'notes', 'scheduledFor', 'dueAt', 'estimateMinutes', 'priority', 'tags'] as const, 0.4);
    if (keys.length === 0) keys.push(r.pick(['title', 'scheduledFor', 'tags', 'dueAt'] as const));
    return Object.fromEntries(keys.map((k) => [k, full[k]])) as Partial<TaskInput>;
  }

  /**
   * One random command the domain accepts on this task, applied to it. Returns its type and
   * whether it changed the task (an edit may not), or null when nothing applicable was drawn.
   */
  function randomCommand(r: Rand, ctx: EventContext, task: Task, timezone: string, allowDelete: boolean): { type: string; changed: boolean } | null {
    const before = task.version;
    const roll = r.float();
    if (roll < 0.4) {
      task.edit(ctx, randomEdit(r), timezone);
      return { type: 'task.edit', changed: task.version !== before };
    }
    if (roll < 0.5 && task.status === 'open') {
      task.complete(ctx, 0);
      return { type: 'task.complete', changed: true };
    }
    if (roll < 0.58 && task.status === 'open') {
      task.fail(ctx, r.pick(FAILURE_REASONS), r.chance(0.5) ? 'because' : null);
      return { type: 'task.fail', changed: true };
    }
    if (roll < 0.64 && task.status === 'open') {
      task.drop(ctx);
      return { type: 'task.drop', changed: true };
    }
    if (roll < 0.74 && (task.status === 'done' || task.status === 'failed')) {
      task.reopen(ctx);
      return { type: 'task.reopen', changed: true };
    }
    if (roll < 0.86 && task.status === 'open') {
      try {
        task.postpone(ctx, r.pick(SCHEDULES.filter((s): s is string => s !== null)), timezone);
        return { type: 'task.postpone', changed: true };
      } catch (error) {
        if (error instanceof PostponeMustMoveLater) return null;
        throw error;
      }
    }
    if (roll >= 0.86 && allowDelete) {
      task.delete(ctx, 0);
      return { type: 'task.delete', changed: true };
    }
    return null;
  }

  /** Stored tasks (some closed, some deleted), then pending chains on some of them and on new tasks. */
  async function buildScenario(r: Rand): Promise<Scenario> {
    const ownerId = await registeredUser(r);
    const timezone = r.pick(TIMEZONES);
    let clock = T0.getTime();
    const ctx: EventContext = { eventId: () => r.uuid(), now: () => new Date(clock) };
    /** Creation times tie often (same instant), so the id has to order them. */
    const createAt = () => {
      clock = T0.getTime() + r.pick([0, 0, 1, 1_000, 1_000, 2_000, 3_000, 60_000, 86_400_000]);
    };
    const eventAt = () => {
      clock = T0.getTime() + r.int(0, 5 * 86_400_000);
    };
    /** The zone a task is created in: the user's, or (once that is fixed) sometimes a zone the user had before. */
    const planningZone = () => (TIMEZONE_CHANGE_FIXED && r.chance(0.5) ? r.pick(TIMEZONES) : timezone);
    const log: string[] = [`owner ${ownerId} in ${timezone}`];
    const describeState = (s: TaskState) =>
      `v${s.version} ${s.status}${s.deletedAt ? ' DELETED' : ''} created=${s.createdAt} sched=${s.scheduledAt ?? s.scheduledDate} due=${s.dueAt} tags=${JSON.stringify(s.tags)} parent=${s.parentId}`;

    // Stored tasks.
    const live: Task[] = [];
    const parents = new Set<string>();
    for (let i = r.int(0, 14); i > 0; i--) {
      createAt();
      const parent = r.chance(0.3) ? r.pick(live.filter((t) => t.depth < 2)) : undefined;
      const task = Task.create(ctx, {
        id: r.uuid(),
        ownerId,
        timezone: planningZone(),
        input: randomInput(r),
        parent: parent ? { id: parent.id, depth: parent.depth } : null,
      });
      if (parent) parents.add(parent.id);
      for (let h = r.int(0, 2); h > 0; h--) {
        eventAt();
        randomCommand(r, ctx, task, timezone, false);
      }
      const deleted = r.chance(0.1);
      if (deleted) task.delete(ctx, 0);
      await tasks.save(task);
      log.push(`stored ${task.id}: ${describeState(task.state)}`);
      if (!deleted) live.push(task);
    }

    const chains: Chain[] = [];
    const writes: PendingWrite[] = [];
    let accepted = 0;
    /** Runs a chain of commands on `task`; the first `applied` are saved to storage (a worker applied them, not settled yet). */
    const runChain = async (task: Task, first: { type: string; changed: boolean } | null, length: number, planned: number, fingerprint: string | null) => {
      let applied = planned;
      const chainWrites: PendingWrite[] = [];
      const record = (type: string, changed: boolean) => {
        accepted += 1;
        const w: PendingWrite = {
          commandId: r.uuid(),
          type,
          taskId: task.id,
          state: changed ? task.state : null,
          createFingerprint: type === 'task.create' ? fingerprint : null,
          acceptedAt: new Date(T0.getTime() + 10 * 86_400_000 + accepted).toISOString(),
        };
        chainWrites.push(w);
        log.push(`  pending ${w.type} ${task.id}: ${w.state ? describeState(w.state) : 'no change'}${chainWrites.length <= applied ? ' (applied)' : ''}`);
      };
      if (first) record(first.type, first.changed);
      if (chainWrites.length === applied) await tasks.save(task);
      while (chainWrites.length < length && !task.state.deletedAt) {
        eventAt();
        const step = randomCommand(r, ctx, task, timezone, true);
        if (!step) continue;
        record(step.type, step.changed);
        if (chainWrites.length === applied) await tasks.save(task);
      }
      // A delete ends the chain early: then all of it may have been applied.
      if (applied > chainWrites.length) {
        applied = chainWrites.length;
        await tasks.save(task);
      }
      // Applied but not settled yet. Settles succeed in order (a worker settles each batch after
      // its commit), so what is gone is a prefix of the chain; a settle that failed (reported and
      // dropped by the adapter) leaves an older entry behind as well.
      const settled = r.int(0, applied);
      const appliedDelete = chainWrites.slice(0, applied).some((w) => w.state?.deletedAt);
      // An applied command's settle retires every earlier write of its task (up to the version it
      // stored), so a settle lost before a later successful one leaves nothing behind; without
      // that (the bug this flag guarded) a lost settle left an older entry too.
      const lostSettles = !LOST_SETTLE_OF_DELETED_FIXED && !appliedDelete;
      const kept = chainWrites.filter((_, i) => i >= settled || (lostSettles && r.chance(0.3)));
      writes.push(...kept);
      chains.push({ task, writes: chainWrites });
    };

    // Pending writes on stored tasks.
    for (const stored of live) {
      if (!r.chance(0.5)) continue;
      const task = Task.restore(stored.state);
      const length = r.int(1, 3);
      const applied = r.chance(0.6) ? 0 : r.int(1, length);
      log.push(`chain on stored ${task.id}, ${applied} applied`);
      await runChain(task, null, length, applied, null);
    }

    // Pending creates (and what follows them), some as steps of stored or pending tasks.
    const pendingNew: { task: Task; applied: number }[] = [];
    for (let i = r.int(0, 5); i > 0; i--) {
      createAt();
      const candidates = [...live.map((t) => ({ task: t, applied: 1 })), ...pendingNew].filter((c) => c.task.depth < 2 && !c.task.state.deletedAt);
      const parent = r.chance(0.3) && candidates.length > 0 ? r.pick(candidates) : undefined;
      const task = Task.create(ctx, {
        id: r.uuid(),
        ownerId,
        timezone: planningZone(),
        input: randomInput(r),
        parent: parent ? { id: parent.task.id, depth: parent.task.depth } : null,
      });
      if (parent) parents.add(parent.task.id);
      const length = r.int(1, 3);
      // A step can be in storage only once its parent is (parent_id references tasks).
      const applied = parent && parent.applied === 0 ? 0 : r.chance(0.6) ? 0 : r.int(1, length);
      log.push(`chain on new ${task.id}, ${applied} applied`);
      await runChain(task, { type: 'task.create', changed: true }, length, applied, `fp-${task.id}`);
      pendingNew.push({ task, applied });
    }

    return {
      ownerId,
      timezone,
      parents: [...parents],
      chains,
      writes: r.shuffle(writes),
      log,
    };
  }

  function randomListing(r: Rand, s: Scenario, dueBounds: readonly string[]): Listing {
    const filter: { -readonly [K in keyof TaskListFilter]: TaskListFilter[K] } = {};
    if (r.chance(0.2)) {
      const statuses = r.subset(['open', 'done', 'failed', 'dropped'] as const);
      filter.status = statuses.length > 0 ? statuses : ['open'];
    }
    if (r.chance(0.15)) filter.scheduledFrom = r.pick(DATES);
    if (r.chance(0.15)) filter.scheduledTo = r.pick(DATES);
    if (r.chance(0.15)) filter.dueFrom = r.pick(dueBounds);
    if (r.chance(0.15)) filter.dueTo = r.pick(dueBounds);
    if (r.chance(0.15)) filter.overdue = r.chance(0.5);
    if (r.chance(0.15)) filter.tag = r.recase(r.pick(TAGS));
    if (r.chance(0.15)) filter.parentId = r.chance(0.4) || s.parents.length === 0 ? null : r.pick(s.parents);
    // As the list handler does before both storage and the overlay see it.
    return { filter: atStoragePrecision(filter), sort: r.pick(SORTS), limit: r.pick([1, 1, 2, 2, 3, 4, 5, 7]), now: r.pick(NOWS) };
  }

  /** Pages through the listing as the list handler does: overlay each stored page, follow the overlaid cursor. */
  async function pageThroughWithOverlay(s: Scenario, listing: Listing, storedVersion: (id: string) => Promise<number | null>) {
    const overlay = new PendingOverlay(s.writes);
    const fallbackKeyOf = handlerKeyOf(listing.sort, s.timezone);
    const items: TaskView[] = [];
    const pages: string[][] = [];
    let after: TaskCursor | undefined;
    for (let guard = 0; ; guard++) {
      if (guard > 100) throw new Error(`no end after 100 pages: ${JSON.stringify(pages)}`);
      const q: PageQuery = { filter: listing.filter, sort: listing.sort, limit: listing.limit, after, now: listing.now };
      const stored = await readModel.list({ ownerId: s.ownerId, ...q });
      // As the handler does: storage's own keys, today's zone only for an item they miss.
      const keyOf = (v: TaskView) => stored.keys?.[v.id] ?? fallbackKeyOf(v);
      const page = await overlayPage(overlay, q, { items: stored.items, next: stored.next, keyOf }, storedVersion);
      expect(page.items.length).toBeLessThanOrEqual(listing.limit);
      items.push(...page.items);
      pages.push(page.items.map((v) => v.id));
      if (!page.next) return { items, pages };
      after = page.next;
    }
  }

  async function storageListing(s: Scenario, listing: Listing): Promise<TaskView[]> {
    const page = await readModel.list({ ownerId: s.ownerId, filter: listing.filter, sort: listing.sort, limit: 10_000, now: listing.now });
    return [...page.items];
  }

  /** Runs `scenarios` random scenarios from `seed`; throws on the first mismatch, with the scenario. */
  async function runScenarios(seed: number, scenarios: number, dueBounds: readonly string[]): Promise<void> {
    for (let n = 0; n < scenarios; n++) {
      const r = new Rand(prng(seed * 7919 + n));
      const s = await buildScenario(r);
      const listings = Array.from({ length: LISTINGS_PER_SCENARIO }, () => randomListing(r, s, dueBounds));
      // Storage does not change while the overlaid listings are read: memoize like the read cache does.
      const versions = new Map<string, Promise<number | null>>();
      const storedVersion = (id: string) => {
        if (!versions.has(id)) versions.set(id, readModel.get(s.ownerId, id).then((v) => v?.version ?? null));
        return versions.get(id)!;
      };
      const overlaid = [];
      for (const listing of listings) overlaid.push(await pageThroughWithOverlay(s, listing, storedVersion));

      // The worker catches up: every pending state lands in storage.
      for (const chain of s.chains) if (chain.task.peekEvents().length > 0) await tasks.save(chain.task);

      for (const [i, listing] of listings.entries()) {
        const expected = await storageListing(s, listing);
        const got = overlaid[i];
        const same = JSON.stringify(got.items.map((v) => v.id)) === JSON.stringify(expected.map((v) => v.id));
        try {
          expect(got.items.map((v) => v.id)).toEqual(expected.map((v) => v.id));
          expect(got.items).toEqual(expected);
        } catch (error) {
          throw new Error(
            [
              `overlayPage disagrees with storage: OVERLAY_SEED=${seed} (scenario ${n}, listing ${i})${same ? ' (same ids, different views)' : ''}`,
              `listing: ${JSON.stringify(listing)}`,
              `overlaid pages: ${JSON.stringify(got.pages)}`,
              `storage after apply: ${JSON.stringify(expected.map((v) => v.id))}`,
              ...s.log,
              (error as Error).message,
            ].join('\n'),
          );
        }
      }
    }
  }

  it('paging through overlaid pages lists what storage lists once the writes are applied (seeded; OVERLAY_SEED=n repeats a run)', async () => {
    const dueBounds = SUB_MS_DUE_BOUNDS_FIXED ? [...DUE_BOUNDS, ...SUB_MS_DUE_BOUNDS] : DUE_BOUNDS;
    try {
      await runScenarios(SEED, SCENARIOS, dueBounds);
    } catch (error) {
      // eslint-disable-next-line no-console
      console.error(`pending overlay equivalence failed; reproduce with OVERLAY_SEED=${SEED}`);
      throw error;
    }
  }, 120_000);

  // -------------------------------------------------------------------------------------------
  // Regressions: cases where what the author reads while writes are pending disagrees with what
  // storage lists once they are applied, found by the run above (or by reading it). Each goes
  // through the real list / get handlers on the real read model. They fail until fixed.
  // -------------------------------------------------------------------------------------------
  describe('regressions: the author’s reads while pending agree with storage once applied', () => {
    const passThrough: ReadCache = { read: (_user, _key, load) => load(), invalidate: async () => {} };
    const clock = { now: () => new Date(NOW) };
    const ctx: EventContext = { eventId: randomUUID, now: () => T0 };
    let pending: MemoryPendingWrites;
    let list: ListTasksHandler;
    let get: GetTaskHandler;

    beforeEach(() => {
      // Writes here are accepted at NOW: the store's clock must agree (entries expire by acceptance).
      pending = new MemoryPendingWrites(undefined, () => Date.parse(NOW));
      list = new ListTasksHandler(readModel, passThrough, clock, pending, new IdentityFacade(new TypeOrmAccountReader(db)));
      get = new GetTaskHandler(readModel, passThrough, pending);
    });

    async function owner(timezone = 'UTC'): Promise<string> {
      const id = randomUUID();
      await users.save(
        User.register(ctx, {
          id,
          email: Email.parse(`r-${id.slice(0, 12)}@example.com`),
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x',
          timezone: TimeZone.parse(timezone),
        }),
      );
      return id;
    }

    function task(ownerId: string, input: TaskInput, options: { id?: string; timezone?: string } = {}): Task {
      return Task.create(ctx, { id: options.id ?? randomUUID(), ownerId, timezone: options.timezone ?? 'UTC', input });
    }

    /** The api accepted a command that left `t` as it is now: it is pending for its author. */
    async function accept(ownerId: string, t: Task, type: string): Promise<PendingWrite> {
      const w: PendingWrite = { commandId: randomUUID(), type, taskId: t.id, state: t.state, createFingerprint: null, acceptedAt: NOW };
      await pending.add(ownerId, w);
      return w;
    }

    /** A worker applied the commands and settled them. */
    async function apply(ownerId: string, t: Task, writes: readonly PendingWrite[]): Promise<void> {
      await tasks.save(t);
      await pending.settle(writes.map((w) => ({ userId: ownerId, commandId: w.commandId, applied: { taskId: t.id, version: t.version } })));
    }

    /** Every page of the listing through the list handler, following its cursors. */
    async function listAll(ownerId: string, filter: TaskListFilter, sort: TaskSort, limit: number): Promise<string[]> {
      const ids: string[] = [];
      let after: TaskCursor | undefined;
      for (let i = 0; i < 50; i++) {
        const page = JSON.parse(await list.execute(new ListTasksQuery(ownerId, filter, sort, limit, after))) as { items: TaskView[]; nextCursor: string | null };
        ids.push(...page.items.map((v) => v.id));
        if (!page.nextCursor) return ids;
        after = decodeCursor(page.nextCursor, sort);
      }
      throw new Error('no end after 50 pages');
    }

    // FIXED (libs/application/src/commands/pending-overlay.ts, matchesFilter): dueFrom / dueTo are
    // compared after Date.parse, which keeps milliseconds and drops the rest, while the read model
    // compares them as timestamptz (microseconds, rounded). The api accepts any precision
    // (z.iso.datetime). A task due at 12:00:00.000 is not due from 12:00:00.0005 for storage, but
    // is for the overlay.
    it('dueFrom finer than a millisecond: a pending task due at that millisecond is listed only while pending', async () => {
      const u = await owner();
      const t = task(u, { title: 'due at noon', dueAt: '2026-02-28T12:00:00.000Z' });
      const w = await accept(u, t, 'task.create');
      const filter = { dueFrom: '2026-02-28T12:00:00.0005Z' };
      const whilePending = await listAll(u, filter, 'createdAt', 50);
      await apply(u, t, [w]);
      const applied = await listAll(u, filter, 'createdAt', 50);
      // Bounds are taken at storage's precision (milliseconds) by the list handler, for both.
      expect(applied).toEqual([t.id]);
      expect(whilePending).toEqual(applied);
    });

    // FIXED (same place): with seven fractional digits PostgreSQL rounds the bound up to the next
    // microsecond (.1239999 -> .124000) while Date.parse truncates it (.123): storage lists a task
    // due at .124 with dueTo .1239999, the overlay does not.
    it('dueTo with seven fractional digits: a pending task due at the rounded-up millisecond is missing while pending', async () => {
      const u = await owner();
      const t = task(u, { title: 'due at .124', dueAt: '2026-03-01T09:15:30.124Z' });
      const w = await accept(u, t, 'task.create');
      const filter = { dueTo: '2026-03-01T09:15:30.1239999Z' };
      const whilePending = await listAll(u, filter, 'createdAt', 50);
      await apply(u, t, [w]);
      const applied = await listAll(u, filter, 'createdAt', 50);
      // The bound is taken at milliseconds (.123) for both: due at .124 is after it.
      expect(applied).toEqual([]);
      expect(whilePending).toEqual(applied);
    });

    // FIXED (pending-overlay.ts, PendingOverlay.effect with storedVersion from the read model): a
    // settle can fail (RedisPendingWrites reports and drops it; ApplyCommandBatch acks anyway), so
    // an applied write can stay in the overlay until its TTL, which every new write of the user
    // extends. That is harmless while the stored version covers it, but once the task is deleted
    // storage reports no version at all (`null`, read as "not stored yet"), and the left-over
    // write brings the deleted task back: listed, and GET answers 200 instead of 404.
    /** A task created and then deleted through the queue; both applied, the create's settle lost. */
    async function deletedWithALostSettle(): Promise<{ u: string; t: Task }> {
      const u = await owner();
      const t = task(u, { title: 'soon deleted' });
      const created = await accept(u, t, 'task.create');
      // The worker applies the create; its settle is lost (say Redis timed out).
      await tasks.save(t);
      t.delete(ctx, 0);
      const deleted = await accept(u, t, 'task.delete');
      // The worker applies the delete and settles it.
      await apply(u, t, [deleted]);
      // The delete's settle retired the create's entry too (its version is below the one stored).
      expect((await pending.list(u)).map((w) => w.commandId)).not.toContain(created.commandId);
      expect(await readModel.get(u, t.id)).toBeNull();
      return { u, t };
    }

    it('a write left behind by a failed settle brings back a task whose delete was applied (list)', async () => {
      const { u } = await deletedWithALostSettle();
      expect(await listAll(u, {}, 'createdAt', 50)).toEqual([]);
    });

    it('a write left behind by a failed settle brings back a task whose delete was applied (get)', async () => {
      const { u, t } = await deletedWithALostSettle();
      await expect(get.execute(new GetTaskQuery(u, t.id))).rejects.toBeInstanceOf(TaskNotFound);
    });

    // Was: a client-chosen id in capitals sorted apart from storage's lower-case uuid. Ids are now
    // lower-cased where they enter (the api's zod schemas; see queued-writes.e2e.spec.ts).

    // FIXED (libs/application/src/tasks/list-tasks/list-tasks.handler.ts, withPending: keyOf): a
    // stored view's scheduledFor key is recomputed with the user's CURRENT timezone, but storage
    // sorts on the local date of its planning (a moment keeps it; PATCH /me can change the zone).
    // For a moment planned in Los Angeles on Tuesday 20:00 (Wednesday 03:00 UTC) the overlay keys
    // it on Wednesday once the user is on UTC, storage on Tuesday: the merged page puts it after
    // Wednesday's task, the cut page's cursor (Wednesday) sends storage past it, and it is lost.
    it('a moment planned before a timezone change: paging by scheduledFor loses it once a pending write joins the page', async () => {
      const u = await owner('America/Los_Angeles');
      const la = { timezone: 'America/Los_Angeles' };
      const evening = task(u, { title: 'Tue 20:00 in LA', scheduledFor: '2026-03-10T20:00:00-07:00' }, la);
      const wednesday = task(u, { title: 'Wed', scheduledFor: '2026-03-11' }, la);
      await tasks.save(evening);
      await tasks.save(wednesday);
      const account = await users.findById(u);
      account!.changeTimezone(ctx, TimeZone.parse('UTC'));
      await users.save(account!);

      const monday = task(u, { title: 'Mon', scheduledFor: '2026-03-09' });
      const w = await accept(u, monday, 'task.create');
      const whilePending = await listAll(u, {}, 'scheduledFor', 2);
      await apply(u, monday, [w]);
      const applied = await listAll(u, {}, 'scheduledFor', 2);
      expect(applied).toEqual([monday.id, evening.id, wednesday.id]);
      expect(whilePending).toEqual(applied);
    });
  });
});
