import { type BeginResult, type IdempotencyStore, type StoredResponse } from '@ln/kernel/application/ports/idempotency.port';
import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application.errors';
import { type TaskCursor, type TaskListFilter, type TaskSort, type TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { type DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { Email } from '@ln/identity/domain/email.value-object';
import { type EventContext } from '@ln/kernel/domain/aggregate-root.base';
import { type FailureReason } from '@ln/tasks/domain/failure-reason.value-object';
import { Task, type TaskInput } from '@ln/tasks/domain/task.aggregate';
import { TaskEvents } from '@ln/tasks/domain/task.events';
import { TaskIdConflict } from '@ln/tasks/domain/task.errors';
import { User } from '@ln/identity/domain/user.aggregate';
import { type Database } from '@ln/kernel/adapters/persistence/database';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { TypeOrmIdempotencyStore } from '@ln/kernel/adapters/persistence/typeorm-idempotency-store.adapter';
import { TypeOrmTaskPredictions } from '@ln/tasks/adapters/persistence/typeorm-task-predictions.adapter';
import { TypeOrmTaskReadModel } from '@ln/tasks/adapters/persistence/typeorm-task-read-model.adapter';
import { TaskHistory, type TaskHistoryItem } from '@ln/tasks/application/task-history.facade';
import { TypeOrmTaskRepository } from '@ln/tasks/adapters/persistence/typeorm-task-repository.adapter';
import { TypeOrmUnitOfWork } from '@ln/kernel/adapters/persistence/typeorm-unit-of-work.adapter';
import { TypeOrmUserRepository } from '@ln/identity/adapters/persistence/typeorm-user-repository.adapter';
import { createScratchDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';
import { CONTEXT_ENTITIES, CONTEXT_MIGRATIONS } from '@app/server/contexts';

interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Test data builders: a fixed clock (moved only on purpose) and counter-based UUIDs.
// ---------------------------------------------------------------------------------------------

/** Has a millisecond part on purpose: dates must round-trip to the ms. */
const T0 = new Date('2026-03-01T09:15:30.123Z');
const NOW = T0.toISOString();
const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

class FixedClock {
  private t: number;
  constructor(at: Date = T0) {
    this.t = at.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(at: number): void {
    this.t = at;
  }
}

let sequence = 0;
/** Valid, distinct UUIDs whose order (PostgreSQL compares uuids bytewise) is their number's order. */
function idOf(n: number): string {
  return `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
}
function nextId(): string {
  sequence += 1;
  return idOf(sequence);
}
/** Reserves `count` consecutive numbers for ids a test wants to place exactly; returns the first. */
function reserve(count: number): number {
  const first = sequence + 1;
  sequence += count;
  return first;
}

function eventContext(clock: FixedClock = new FixedClock()): EventContext {
  return { eventId: nextId, now: () => clock.now() };
}

interface OutboxRowRead {
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  user_id: string;
  aggregate_version: number;
  occurred_at: Date;
  event: unknown;
  published_at: Date | null;
  attempts: number;
}

function outboxRowOf(event: DomainEvent): OutboxRowRead {
  return {
    event_id: event.eventId,
    event_type: event.type,
    aggregate_type: event.aggregateType,
    aggregate_id: event.aggregateId,
    user_id: event.userId,
    aggregate_version: event.version,
    occurred_at: new Date(event.occurredAt),
    event,
    published_at: null,
    attempts: 0,
  };
}

const SORTS: readonly TaskSort[] = ['createdAt', '-createdAt', 'scheduledFor', '-scheduledFor'];

/** The keyset model the read model must follow: (sort key, id), unscheduled = +infinity. */
interface KeySpec {
  readonly id: string;
  readonly createdAt: number;
  readonly scheduledFor: string | null;
}

function sortKeyOf(spec: KeySpec, sort: TaskSort): number {
  if (sort === 'createdAt' || sort === '-createdAt') return spec.createdAt;
  if (spec.scheduledFor === null) return Number.POSITIVE_INFINITY;
  return /^\d{4}-\d{2}-\d{2}$/.test(spec.scheduledFor) ? Date.parse(`${spec.scheduledFor}T00:00:00Z`) : Date.parse(spec.scheduledFor);
}

function compareFor(sort: TaskSort): (a: KeySpec, b: KeySpec) => number {
  const sign = sort.startsWith('-') ? -1 : 1;
  return (a, b) => {
    const ka = sortKeyOf(a, sort);
    const kb = sortKeyOf(b, sort);
    if (ka !== kb) return ka < kb ? -sign : sign;
    if (a.id === b.id) return 0;
    return a.id < b.id ? -sign : sign;
  };
}

/** How many of each outcome. */
function tally(results: readonly BeginResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}

function duplicatesIn(ids: readonly string[]): string[] {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

// ---------------------------------------------------------------------------------------------
// The contract, run against both engines.
// ---------------------------------------------------------------------------------------------

export function taskPersistenceContract(name: string, open: () => Promise<DatabaseHandle>): void {
  describe(`Task persistence contract: ${name}`, () => {
    let handle: DatabaseHandle | undefined;
    let db: Database;
    let users: TypeOrmUserRepository;
    let tasks: TypeOrmTaskRepository;
    let readModel: TypeOrmTaskReadModel;
    let unitOfWork: TypeOrmUnitOfWork;

    beforeAll(async () => {
      handle = await open();
      db = handle.db;
      await migrate(db);
      users = new TypeOrmUserRepository(db);
      tasks = new TypeOrmTaskRepository(db);
      readModel = new TypeOrmTaskReadModel(db);
      unitOfWork = new TypeOrmUnitOfWork(db);
    });

    afterAll(async () => {
      await handle?.close();
    });

    /** tasks.owner_id references users: every owner is registered first. */
    async function registeredUser(): Promise<string> {
      const id = nextId();
      await users.save(
        User.register(eventContext(), {
          id,
          email: Email.parse(`owner-${id.slice(-6)}-${sequence}@example.com`),
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$not-a-real-hash',
        }),
      );
      return id;
    }

    function newTask(
      ctx: EventContext,
      ownerId: string,
      input: Partial<TaskInput> = {},
      options: { id?: string; timezone?: string; parent?: Task; replanOf?: string } = {},
    ): Task {
      return Task.create(ctx, {
        id: options.id ?? nextId(),
        ownerId,
        timezone: options.timezone ?? 'UTC',
        input: { title: 'A task', ...input },
        parent: options.parent ? { id: options.parent.id, depth: options.parent.depth } : null,
        replanOf: options.replanOf ?? null,
      });
    }

    async function saved(task: Task, createFingerprint?: string): Promise<Task> {
      await tasks.save(task, createFingerprint);
      return task;
    }

    async function load(ownerId: string, id: string): Promise<Task> {
      const task = await tasks.get(ownerId, id);
      if (!task) throw new Error(`task ${id} not found for ${ownerId}`);
      return task;
    }

    async function softDelete(ctx: EventContext, ownerId: string, id: string): Promise<void> {
      const task = await load(ownerId, id);
      task.delete(ctx, 0);
      await tasks.save(task);
    }

    async function outboxFor(aggregateId: string): Promise<OutboxRowRead[]> {
      return db.run((m) =>
        m.query(
          `SELECT event_id, event_type, aggregate_type, aggregate_id, user_id, aggregate_version,
                  occurred_at, event, published_at, attempts
             FROM outbox WHERE aggregate_id = $1 ORDER BY position`,
          [aggregateId],
        ),
      );
    }

    async function countTasksWithId(id: string): Promise<number> {
      const [row] = await db.run((m) => m.query(`SELECT count(*)::int AS n FROM tasks WHERE id = $1`, [id]));
      return row.n;
    }

    // -------------------------------------------------------------------------------------------
    describe('TaskRepository', () => {
      let owner: string;
      let stranger: string;

      beforeAll(async () => {
        owner = await registeredUser();
        stranger = await registeredUser();
      });

      it('saves a new task (every field set) that get returns as an equal state, dates to the ms', async () => {
        const ctx = eventContext();
        const parent = await saved(newTask(ctx, owner, { title: 'Parent' }));
        const replanned = await saved(newTask(ctx, owner, { title: 'Replanned' }));
        const task = newTask(
          ctx,
          owner,
          {
            title: '  Write the quarterly report  ',
            notes: 'Line 1\nLine 2 — with ünïcödé ✓',
            // 23:45 in Seoul on 10 March is 14:45 UTC: the local date is kept apart from the moment.
            scheduledFor: '2026-03-10T23:45:12.345+09:00',
            dueAt: '2026-03-12T17:00:00.456Z',
            estimateMinutes: 90,
            priority: 2,
            tags: ['Deep Work', 'home', 'HOME', ' q1 '],
          },
          { timezone: 'Asia/Seoul', parent, replanOf: replanned.id },
        );
        const expected = task.state;

        await tasks.save(task);

        const loaded = await tasks.get(owner, task.id);
        expect(loaded?.state).toEqual(expected);
        expect(loaded?.state).toEqual({
          id: task.id,
          ownerId: owner,
          title: 'Write the quarterly report',
          notes: 'Line 1\nLine 2 — with ünïcödé ✓',
          scheduledDate: '2026-03-10',
          scheduledAt: '2026-03-10T14:45:12.345Z',
          dueAt: '2026-03-12T17:00:00.456Z',
          estimateMinutes: 90,
          actualMinutes: null,
          priority: 2,
          tags: ['Deep Work', 'home', 'q1'],
          parentId: parent.id,
          depth: 1,
          status: 'open',
          failure: null,
          deferrals: 0,
          replanOf: replanned.id,
          version: 1,
          createdAt: NOW,
          updatedAt: NOW,
          closedAt: null,
          deletedAt: null,
        });
        expect(loaded?.version).toBe(1);
        // A loaded aggregate has nothing pending.
        expect(loaded?.peekEvents()).toEqual([]);
      });

      it('round-trips the minimal task: whole-day schedule, nulls and an empty tag list', async () => {
        const ctx = eventContext();
        const dated = await saved(newTask(ctx, owner, { title: 'Dated', scheduledFor: '2026-12-31' }));
        const bare = await saved(newTask(ctx, owner, { title: 'Bare' }));

        expect((await tasks.get(owner, dated.id))?.state).toEqual(dated.state);
        expect((await tasks.get(owner, dated.id))?.state).toMatchObject({ scheduledDate: '2026-12-31', scheduledAt: null });
        expect((await tasks.get(owner, bare.id))?.state).toEqual({
          ...bare.state,
          notes: null,
          scheduledDate: null,
          scheduledAt: null,
          dueAt: null,
          estimateMinutes: null,
          priority: 4,
          tags: [],
          parentId: null,
          depth: 0,
          replanOf: null,
        });
      });

      it('round-trips tags made of array-literal syntax (quotes, commas, braces, backslashes, NULL)', async () => {
        const tags = ['a,b', 'say "hi"', '{braced}', 'back\\slash', 'NULL', 'null', 'ÉTÉ', '😀 emoji'];
        const task = await saved(newTask(eventContext(), owner, { title: 'Odd tags', tags }));
        // 'NULL' and 'null' are one tag (case-insensitive), kept as first given.
        const expected = ['a,b', 'say "hi"', '{braced}', 'back\\slash', 'NULL', 'ÉTÉ', '😀 emoji'];
        expect(task.state.tags).toEqual(expected);
        expect((await tasks.get(owner, task.id))?.state.tags).toEqual(expected);
        expect((await readModel.get(owner, task.id))?.tags).toEqual(expected);
        for (const tag of ['A,B', 'SAY "HI"', '{BRACED}', 'BACK\\SLASH', 'null', 'été', '😀 EMOJI']) {
          const page = await readModel.list({ ownerId: owner, filter: { tag }, sort: 'createdAt', limit: 100, now: NOW });
          expect({ tag, ids: page.items.map((t) => t.id) }).toEqual({ tag, ids: [task.id] });
        }
      });

      it('round-trips a failure (reason, note, at to the ms) and the closing dates', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const task = await saved(newTask(ctx, owner, { title: 'Run 5 km' }));
        const loaded = await load(owner, task.id);
        clock.advance(2 * HOUR + 7);
        loaded.fail(ctx, 'low_energy' satisfies FailureReason, '  too tired after work  ');
        await tasks.save(loaded);

        const reloaded = await load(owner, task.id);
        const at = new Date(T0.getTime() + 2 * HOUR + 7).toISOString();
        expect(reloaded.state).toEqual(loaded.state);
        expect(reloaded.state).toMatchObject({
          status: 'failed',
          failure: { reason: 'low_energy', note: 'too tired after work', at },
          closedAt: at,
          updatedAt: at,
          createdAt: NOW,
          version: 2,
        });
      });

      it('round-trips actualMinutes: kept on completion, in the view and the outbox event; cleared by a reopen', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const task = await saved(newTask(ctx, owner, { title: 'Timed', estimateMinutes: 30 }));
        const loaded = await load(owner, task.id);
        clock.advance(MINUTE);
        loaded.complete(ctx, 0, 45);
        await tasks.save(loaded);

        const done = await load(owner, task.id);
        expect(done.state).toEqual(loaded.state);
        expect(done.state).toMatchObject({ status: 'done', actualMinutes: 45, estimateMinutes: 30, version: 2 });
        expect((await readModel.get(owner, task.id))?.actualMinutes).toBe(45);
        const [, completed] = await outboxFor(task.id);
        expect(completed).toMatchObject({ event_type: TaskEvents.Completed, aggregate_version: 2, event: { payload: { actualMinutes: 45 } } });
        const [column] = await db.run((m) => m.query(`SELECT actual_minutes FROM tasks WHERE id = $1`, [task.id]));
        expect(column).toEqual({ actual_minutes: 45 });

        done.reopen(ctx);
        await tasks.save(done);
        expect((await load(owner, task.id)).state).toMatchObject({ status: 'open', actualMinutes: null, version: 3 });
        expect((await readModel.get(owner, task.id))?.actualMinutes).toBeNull();
      });

      it('writes task.created.v1 to the outbox with the task, and drains it from the aggregate', async () => {
        const task = newTask(eventContext(), owner, { title: 'Outboxed', tags: ['x'] });
        const [created] = [...task.peekEvents()];

        await tasks.save(task);

        expect(task.peekEvents()).toEqual([]);
        const rows = await outboxFor(task.id);
        expect(rows).toEqual([outboxRowOf(created)]);
        expect(rows[0]).toMatchObject({
          event_type: TaskEvents.Created,
          aggregate_type: 'task',
          aggregate_id: task.id,
          user_id: owner,
          aggregate_version: 1,
        });
      });

      it('commits the task and its outbox row together: a failing unit of work leaves neither', async () => {
        const task = newTask(eventContext(), owner, { title: 'Rolled back' });
        await expect(
          unitOfWork.run(async () => {
            await tasks.save(task);
            // Inside the unit of work the write is visible...
            expect(await tasks.get(owner, task.id)).not.toBeNull();
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');

        // ...and after the rollback neither the row nor its event exist.
        await expect(tasks.get(owner, task.id)).resolves.toBeNull();
        await expect(tasks.claimOf(task.id)).resolves.toBeNull();
        await expect(countTasksWithId(task.id)).resolves.toBe(0);
        await expect(outboxFor(task.id)).resolves.toEqual([]);
      });

      it('get is owner-scoped: another owner gets null, as for an unknown id', async () => {
        const task = await saved(newTask(eventContext(), owner, { title: 'Mine' }));
        await expect(tasks.get(stranger, task.id)).resolves.toBeNull();
        await expect(tasks.get(owner, nextId())).resolves.toBeNull();
        await expect(tasks.get(owner, task.id)).resolves.not.toBeNull();
      });

      it('get hides a deleted task (the row stays)', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const task = await saved(newTask(ctx, owner, { title: 'To delete' }));
        clock.advance(5 * SECOND);
        await softDelete(ctx, owner, task.id);

        await expect(tasks.get(owner, task.id)).resolves.toBeNull();
        await expect(countTasksWithId(task.id)).resolves.toBe(1);
        const rows = await outboxFor(task.id);
        expect(rows.map((r) => [r.event_type, r.aggregate_version])).toEqual([
          [TaskEvents.Created, 1],
          [TaskEvents.Deleted, 2],
        ]);
      });

      it('claimOf returns owner, createFingerprint and deleted for any owner; null for an unknown id', async () => {
        const ctx = eventContext();
        const withFingerprint = await saved(newTask(ctx, owner, { title: 'Claimed' }), 'sha256:abc123');
        const without = await saved(newTask(ctx, owner, { title: 'No fingerprint' }));
        const deleted = await saved(newTask(ctx, stranger, { title: 'Deleted' }), 'sha256:def456');
        await softDelete(ctx, stranger, deleted.id);

        await expect(tasks.claimOf(withFingerprint.id)).resolves.toEqual({
          ownerId: owner,
          createFingerprint: 'sha256:abc123',
          deleted: false,
        });
        await expect(tasks.claimOf(without.id)).resolves.toEqual({ ownerId: owner, createFingerprint: null, deleted: false });
        await expect(tasks.claimOf(deleted.id)).resolves.toEqual({
          ownerId: stranger,
          createFingerprint: 'sha256:def456',
          deleted: true,
        });
        await expect(tasks.claimOf(nextId())).resolves.toBeNull();
      });

      it('keeps the create fingerprint when the task is later updated', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Fingerprinted' }), 'sha256:keep');
        const loaded = await load(owner, task.id);
        loaded.edit(ctx, { title: 'Renamed' }, 'UTC');
        await tasks.save(loaded);
        await expect(tasks.claimOf(task.id)).resolves.toEqual({ ownerId: owner, createFingerprint: 'sha256:keep', deleted: false });
      });

      it('refuses a new task whose id exists (same owner or another) with TaskIdConflict, writing nothing', async () => {
        const ctx = eventContext();
        const original = await saved(newTask(ctx, owner, { title: 'Original' }), 'sha256:original');
        const sameOwner = newTask(ctx, owner, { title: 'Impostor' }, { id: original.id });
        const otherOwner = newTask(ctx, stranger, { title: 'Other impostor' }, { id: original.id });
        const refused = [...sameOwner.peekEvents(), ...otherOwner.peekEvents()].map((e) => e.eventId);

        await expect(tasks.save(sameOwner, 'sha256:impostor')).rejects.toBeInstanceOf(TaskIdConflict);
        await expect(tasks.save(otherOwner)).rejects.toBeInstanceOf(TaskIdConflict);

        expect((await tasks.get(owner, original.id))?.state).toEqual(original.state);
        await expect(tasks.claimOf(original.id)).resolves.toEqual({
          ownerId: owner,
          createFingerprint: 'sha256:original',
          deleted: false,
        });
        const rows = await outboxFor(original.id);
        expect(rows.map((r) => r.event_type)).toEqual([TaskEvents.Created]);
        expect(rows.map((r) => r.event_id)).not.toEqual(expect.arrayContaining([refused[0]]));
        expect(rows.map((r) => r.event_id)).not.toEqual(expect.arrayContaining([refused[1]]));
        // The refused save keeps its events: nothing was written.
        expect(sameOwner.peekEvents()).toHaveLength(1);
      });

      it('refuses a reused id even when the original was deleted', async () => {
        const ctx = eventContext();
        const original = await saved(newTask(ctx, owner, { title: 'Gone' }));
        await softDelete(ctx, owner, original.id);
        await expect(tasks.save(newTask(ctx, owner, { title: 'Again' }, { id: original.id }))).rejects.toBeInstanceOf(TaskIdConflict);
        await expect(outboxFor(original.id)).resolves.toHaveLength(2);
      });

      it('keeps a unit of work usable after a TaskIdConflict: a later save in the same run commits', async () => {
        const ctx = eventContext();
        const original = await saved(newTask(ctx, owner, { title: 'Taken' }));
        const duplicate = newTask(ctx, owner, { title: 'Duplicate' }, { id: original.id });
        const other = newTask(ctx, owner, { title: 'Other' });

        await unitOfWork.run(async () => {
          await expect(tasks.save(duplicate)).rejects.toBeInstanceOf(TaskIdConflict);
          await tasks.save(other);
        });

        expect((await tasks.get(owner, other.id))?.state).toEqual(other.state);
        await expect(outboxFor(other.id)).resolves.toHaveLength(1);
        await expect(outboxFor(original.id)).resolves.toHaveLength(1);
      });

      it('refuses a new task of an owner without an account with UserNotFound, writing nothing', async () => {
        const orphan = newTask(eventContext(), nextId(), { title: 'No account' });
        await expect(tasks.save(orphan)).rejects.toBeInstanceOf(UserNotFound);
        await expect(countTasksWithId(orphan.id)).resolves.toBe(0);
        await expect(outboxFor(orphan.id)).resolves.toEqual([]);
        expect(orphan.peekEvents()).toHaveLength(1);
      });

      it('creates saved together (one statement) each get their own outcome: written, id taken, or no account', async () => {
        const ctx = eventContext();
        const taken = await saved(newTask(ctx, owner, { title: 'Taken before' }));
        const fresh = Array.from({ length: 12 }, (_, i) =>
          newTask(ctx, i % 2 ? owner : stranger, { title: `Together ${i}`, tags: i % 3 ? ['a', 'B{,}"\\'] : [], scheduledFor: i % 4 ? undefined : '2026-03-04' }),
        );
        const clash = newTask(ctx, stranger, { title: 'Clash' }, { id: taken.id });
        const twinA = newTask(ctx, owner, { title: 'Twin' });
        const twinB = newTask(ctx, owner, { title: 'Twin' }, { id: twinA.id });
        const all = [...fresh, clash, twinA, twinB];
        const createdEvents = all.map((t) => t.peekEvents()[0]);
        const outcomes = await Promise.allSettled(all.map((t) => tasks.save(t, `print-${t.state.title}`)));

        expect(outcomes.slice(0, 12).map((o) => o.status)).toEqual(Array(12).fill('fulfilled'));
        for (const [i, t] of fresh.entries()) {
          expect((await tasks.get(t.state.ownerId, t.id))?.state).toEqual(t.state);
          expect(await outboxFor(t.id)).toEqual([outboxRowOf(createdEvents[i])]);
          expect(t.peekEvents()).toEqual([]);
        }
        expect(outcomes[12]).toMatchObject({ status: 'rejected', reason: expect.any(TaskIdConflict) });
        expect((await tasks.get(owner, taken.id))?.state).toEqual(taken.state);
        // Of two creates of one id, the first is written and the second finds the id taken.
        expect(outcomes[13].status).toBe('fulfilled');
        expect(outcomes[14]).toMatchObject({ status: 'rejected', reason: expect.any(TaskIdConflict) });
        expect((await tasks.get(owner, twinA.id))?.state).toEqual(twinA.state);
        await expect(outboxFor(twinA.id)).resolves.toHaveLength(1);
        await expect(tasks.claimOf(fresh[1].id)).resolves.toEqual({ ownerId: owner, createFingerprint: 'print-Together 1', deleted: false });

        // An owner without an account among others: that create alone fails.
        const more = Array.from({ length: 5 }, (_, i) => newTask(ctx, owner, { title: `With an orphan ${i}` }));
        const orphan = newTask(ctx, nextId(), { title: 'Orphan' });
        const mixed = await Promise.allSettled([...more.slice(0, 2), orphan, ...more.slice(2)].map((t) => tasks.save(t)));
        expect(mixed.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        expect(mixed[2]).toMatchObject({ reason: expect.any(UserNotFound) });
        for (const t of more) await expect(outboxFor(t.id)).resolves.toHaveLength(1);
        await expect(countTasksWithId(orphan.id)).resolves.toBe(0);
      });

      it('edit + save bumps the version and appends task.edited.v1 with aggregate_version 2', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const task = await saved(newTask(ctx, owner, { title: 'Before', tags: ['a'] }));

        const loaded = await load(owner, task.id);
        clock.advance(90 * SECOND);
        expect(loaded.edit(ctx, { title: 'After', tags: ['a', 'B'], scheduledFor: '2026-04-02' }, 'UTC')).toBe(true);
        const [edited] = loaded.peekEvents();
        await tasks.save(loaded);

        const reloaded = await load(owner, task.id);
        expect(reloaded.state).toEqual({
          ...task.state,
          title: 'After',
          tags: ['a', 'B'],
          scheduledDate: '2026-04-02',
          version: 2,
          updatedAt: new Date(T0.getTime() + 90 * SECOND).toISOString(),
        });
        const rows = await outboxFor(task.id);
        expect(rows.map((r) => [r.event_type, r.aggregate_version])).toEqual([
          [TaskEvents.Created, 1],
          [TaskEvents.Edited, 2],
        ]);
        expect(rows[1]).toEqual(outboxRowOf(edited));
      });

      it('saves several behaviours at once: one outbox row per event, in order, with consecutive versions', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const task = await saved(newTask(ctx, owner, { title: 'Busy', scheduledFor: '2026-03-02' }));

        const loaded = await load(owner, task.id);
        clock.advance(MINUTE);
        loaded.postpone(ctx, '2026-03-05T10:00:00+09:00', 'Asia/Seoul');
        clock.advance(MINUTE);
        loaded.complete(ctx, 0);
        clock.advance(MINUTE);
        loaded.reopen(ctx);
        clock.advance(MINUTE);
        loaded.drop(ctx);
        const recorded = [...loaded.peekEvents()];
        await tasks.save(loaded);

        const reloaded = await load(owner, task.id);
        expect(reloaded.state).toEqual(loaded.state);
        expect(reloaded.state).toMatchObject({
          version: 5,
          status: 'dropped',
          deferrals: 1,
          scheduledDate: '2026-03-05',
          scheduledAt: '2026-03-05T01:00:00.000Z',
          closedAt: new Date(T0.getTime() + 4 * MINUTE).toISOString(),
        });
        const rows = await outboxFor(task.id);
        expect(rows.map((r) => [r.event_type, r.aggregate_version])).toEqual([
          [TaskEvents.Created, 1],
          [TaskEvents.Postponed, 2],
          [TaskEvents.Completed, 3],
          [TaskEvents.Reopened, 4],
          [TaskEvents.Dropped, 5],
        ]);
        expect(rows.slice(1)).toEqual(recorded.map(outboxRowOf));
      });

      it('saving a task with nothing recorded writes nothing', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Unchanged' }));
        const loaded = await load(owner, task.id);
        expect(loaded.edit(ctx, { title: 'Unchanged' }, 'UTC')).toBe(false);
        await tasks.save(loaded);
        expect((await load(owner, task.id)).version).toBe(1);
        await expect(outboxFor(task.id)).resolves.toHaveLength(1);
      });

      it('refuses a stale save with ConcurrentModification and keeps the first writer’s change', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Contended' }));

        const first = await load(owner, task.id);
        const second = await load(owner, task.id);
        first.edit(ctx, { title: 'First' }, 'UTC');
        second.complete(ctx, 0);
        const staleEvent = second.peekEvents()[0];

        await tasks.save(first);
        await expect(tasks.save(second)).rejects.toBeInstanceOf(ConcurrentModification);

        const reloaded = await load(owner, task.id);
        expect(reloaded.state).toMatchObject({ title: 'First', status: 'open', version: 2 });
        const rows = await outboxFor(task.id);
        expect(rows.map((r) => r.event_type)).toEqual([TaskEvents.Created, TaskEvents.Edited]);
        expect(rows.map((r) => r.event_id)).not.toContain(staleEvent.eventId);
        // The refused save keeps its events so the caller can see what was not written.
        expect(second.peekEvents()).toEqual([staleEvent]);
      });

      it('refuses an update of a task owned by someone else (the owner is part of the optimistic check)', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Not yours' }));
        const state = (await load(owner, task.id)).state;
        const forged = Task.restore({ ...state, ownerId: stranger });
        forged.edit(ctx, { title: 'Hijacked' }, 'UTC');
        await expect(tasks.save(forged)).rejects.toBeInstanceOf(ConcurrentModification);
        expect((await load(owner, task.id)).state.title).toBe('Not yours');
      });

      it('countSteps counts the direct steps not deleted, and the open ones; scoped by owner', async () => {
        const ctx = eventContext();
        const parent = await saved(newTask(ctx, owner, { title: 'Parent' }));
        const otherParent = await saved(newTask(ctx, owner, { title: 'Other parent' }));
        const open1 = await saved(newTask(ctx, owner, { title: 'open 1' }, { parent }));
        await saved(newTask(ctx, owner, { title: 'open 2' }, { parent }));
        const done = await saved(newTask(ctx, owner, { title: 'done' }, { parent }));
        const dropped = await saved(newTask(ctx, owner, { title: 'dropped' }, { parent }));
        const deletedOpen = await saved(newTask(ctx, owner, { title: 'deleted' }, { parent }));
        // A grandchild is a step of open1, not of parent.
        await saved(newTask(ctx, owner, { title: 'grandchild' }, { parent: open1 }));
        await saved(newTask(ctx, owner, { title: 'elsewhere' }, { parent: otherParent }));

        const d = await load(owner, done.id);
        d.complete(ctx, 0);
        await tasks.save(d);
        const x = await load(owner, dropped.id);
        x.drop(ctx);
        await tasks.save(x);
        await softDelete(ctx, owner, deletedOpen.id);

        await expect(tasks.countSteps(owner, parent.id)).resolves.toEqual({ total: 4, open: 2 });
        await expect(tasks.countSteps(owner, open1.id)).resolves.toEqual({ total: 1, open: 1 });
        await expect(tasks.countSteps(owner, otherParent.id)).resolves.toEqual({ total: 1, open: 1 });
        await expect(tasks.countSteps(stranger, parent.id)).resolves.toEqual({ total: 0, open: 0 });
        await expect(tasks.countSteps(owner, nextId())).resolves.toEqual({ total: 0, open: 0 });
        await expect(tasks.countSteps(owner, done.id)).resolves.toEqual({ total: 0, open: 0 });
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('TaskReadModel.get', () => {
      let owner: string;
      let stranger: string;

      beforeAll(async () => {
        owner = await registeredUser();
        stranger = await registeredUser();
      });

      it('returns the TaskView: scheduledFor is the moment when there is one', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const parent = await saved(newTask(ctx, owner, { title: 'Parent' }));
        const task = await saved(
          newTask(
            ctx,
            owner,
            {
              title: 'Dentist',
              notes: 'bring the card',
              scheduledFor: '2026-03-10T08:30:00+09:00',
              dueAt: '2026-03-10T00:00:00.999Z',
              estimateMinutes: 45,
              priority: 1,
              tags: ['Health', 'errand'],
            },
            { timezone: 'Asia/Seoul', parent, replanOf: parent.id },
          ),
        );
        const loaded = await load(owner, task.id);
        clock.advance(3 * HOUR + 1);
        loaded.fail(ctx, 'forgot', null);
        await tasks.save(loaded);
        const closed = new Date(T0.getTime() + 3 * HOUR + 1).toISOString();

        const view = await readModel.get(owner, task.id);

        expect(view).toEqual({
          id: task.id,
          title: 'Dentist',
          notes: 'bring the card',
          scheduledFor: '2026-03-09T23:30:00.000Z',
          dueAt: '2026-03-10T00:00:00.999Z',
          estimateMinutes: 45,
          actualMinutes: null,
          priority: 1,
          tags: ['Health', 'errand'],
          parentId: parent.id,
          status: 'failed',
          failure: { reason: 'forgot', note: null, at: closed },
          deferrals: 0,
          replanOf: parent.id,
          version: 2,
          createdAt: NOW,
          updatedAt: closed,
          closedAt: closed,
          successProbability: null,
          factors: [],
        } satisfies TaskView);
        // Internals stay out of the view.
        expect(Object.keys(view!).sort()).toEqual(
          [
            'id',
            'title',
            'notes',
            'scheduledFor',
            'dueAt',
            'estimateMinutes',
            'actualMinutes',
            'priority',
            'tags',
            'parentId',
            'status',
            'failure',
            'deferrals',
            'replanOf',
            'version',
            'createdAt',
            'updatedAt',
            'closedAt',
            'successProbability',
            'factors',
          ].sort(),
        );
      });

      it('scheduledFor is the date for a whole-day task and null for an unscheduled one', async () => {
        const ctx = eventContext();
        const dated = await saved(newTask(ctx, owner, { title: 'Day', scheduledFor: '2026-03-10' }));
        const bare = await saved(newTask(ctx, owner, { title: 'Bare' }));

        expect(await readModel.get(owner, dated.id)).toEqual({
          id: dated.id,
          title: 'Day',
          notes: null,
          scheduledFor: '2026-03-10',
          dueAt: null,
          estimateMinutes: null,
          actualMinutes: null,
          priority: 4,
          tags: [],
          parentId: null,
          status: 'open',
          failure: null,
          deferrals: 0,
          replanOf: null,
          version: 1,
          createdAt: NOW,
          updatedAt: NOW,
          closedAt: null,
          successProbability: null,
          factors: [],
        } satisfies TaskView);
        expect((await readModel.get(owner, bare.id))?.scheduledFor).toBeNull();
      });

      it('is owner-scoped and hides deleted tasks', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Visible' }));
        const gone = await saved(newTask(ctx, owner, { title: 'Deleted' }));
        await softDelete(ctx, owner, gone.id);

        await expect(readModel.get(owner, task.id)).resolves.not.toBeNull();
        await expect(readModel.get(stranger, task.id)).resolves.toBeNull();
        await expect(readModel.get(owner, gone.id)).resolves.toBeNull();
        await expect(readModel.get(owner, nextId())).resolves.toBeNull();
      });

      it('agrees with the repository: the view is the aggregate state seen from outside', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Same', scheduledFor: '2026-03-11', tags: ['t'] }));
        const s = (await load(owner, task.id)).state;
        const view = (await readModel.get(owner, task.id))!;
        expect(view).toMatchObject({
          id: s.id,
          title: s.title,
          scheduledFor: s.scheduledAt ?? s.scheduledDate,
          tags: s.tags,
          version: s.version,
          createdAt: s.createdAt,
          updatedAt: s.updatedAt,
        });
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('TaskPredictions (the learning context\'s published predictions, shown on reads)', () => {
      let owner: string;
      let stranger: string;
      let predictions: TypeOrmTaskPredictions;
      const factor = { text: 'postponed 3 times', effect: 'hurts' as const };

      beforeAll(async () => {
        owner = await registeredUser();
        stranger = await registeredUser();
        predictions = new TypeOrmTaskPredictions(db);
      });

      it('an open task shows its newest prediction on get and list; an older model version changes nothing', async () => {
        const ctx = eventContext();
        const task = await saved(newTask(ctx, owner, { title: 'Predicted' }));
        expect(await readModel.get(owner, task.id)).toMatchObject({ successProbability: null, factors: [] });

        await predictions.record(owner, 5, [{ taskId: task.id, successProbability: 0.37, factors: [factor] }], []);
        expect(await readModel.get(owner, task.id)).toMatchObject({ successProbability: 0.37, factors: [factor] });
        await predictions.record(owner, 4, [{ taskId: task.id, successProbability: 0.9, factors: [] }], []);
        await predictions.record(owner, 5, [{ taskId: task.id, successProbability: 0.9, factors: [] }], []);
        expect(await readModel.get(owner, task.id)).toMatchObject({ successProbability: 0.37, factors: [factor] });
        await predictions.record(owner, 6, [{ taskId: task.id, successProbability: 0.81, factors: [] }], []);
        const page = await readModel.list({ ownerId: owner, filter: {}, sort: 'createdAt', limit: 200, now: NOW });
        expect(page.items.find((v) => v.id === task.id)).toMatchObject({ successProbability: 0.81, factors: [] });
      });

      it('a closed task shows none; a withdrawal removes it, unless a newer prediction came first', async () => {
        const ctx = eventContext();
        const closedTask = await saved(newTask(ctx, owner, { title: 'Closed' }));
        await predictions.record(owner, 10, [{ taskId: closedTask.id, successProbability: 0.5, factors: [] }], []);
        const loaded = await load(owner, closedTask.id);
        loaded.complete(ctx, 0);
        await tasks.save(loaded);
        expect(await readModel.get(owner, closedTask.id)).toMatchObject({ status: 'done', successProbability: null, factors: [] });

        const open = await saved(newTask(ctx, owner, { title: 'Withdrawn' }));
        await predictions.record(owner, 20, [{ taskId: open.id, successProbability: 0.5, factors: [] }], []);
        await predictions.record(owner, 19, [], [open.id]);
        expect((await readModel.get(owner, open.id))?.successProbability).toBe(0.5);
        await predictions.record(owner, 21, [], [open.id]);
        expect((await readModel.get(owner, open.id))?.successProbability).toBeNull();
      });

      it("a prediction for another owner's task is ignored", async () => {
        const ctx = eventContext();
        const theirs = await saved(newTask(ctx, stranger, { title: 'Not yours' }));
        await predictions.record(owner, 30, [{ taskId: theirs.id, successProbability: 0.1, factors: [] }], []);
        await predictions.record(owner, 31, [], [theirs.id]);
        expect((await readModel.get(stranger, theirs.id))?.successProbability).toBeNull();
        await predictions.record(stranger, 1, [{ taskId: theirs.id, successProbability: 0.66, factors: [] }], []);
        await predictions.record(owner, 32, [], [theirs.id]);
        expect((await readModel.get(stranger, theirs.id))?.successProbability).toBe(0.66);
      });
    });

    describe('TaskReadModel.list: filters and sorts', () => {
      let owner: string;
      let stranger: string;
      let strangersTask: string;
      const id: Record<string, string> = {};
      const names = (...ns: string[]) => ns.map((n) => id[n]);

      async function list(
        filter: TaskListFilter = {},
        sort: TaskSort = 'createdAt',
        options: { now?: string; ownerId?: string } = {},
      ): Promise<string[]> {
        const page = await readModel.list({
          ownerId: options.ownerId ?? owner,
          filter,
          sort,
          limit: 100,
          now: options.now ?? NOW,
        });
        expect(page.next).toBeNull();
        return page.items.map((t) => t.id);
      }

      /**
       * One owner's tasks, created a second apart in this order (so createdAt sorts them a..i).
       * Moments are planned in Asia/Seoul (UTC+9): i is on the local 12th but the UTC 11th.
       *
       *      scheduled (local)                 sort key (UTC)          due                 status   tags
       *   a  2026-03-10                        03-10T00:00Z            02-28T12:00:00.000  open     Home, Errand
       *   b  2026-03-10T18:30+09 (local 10th)  03-10T09:30Z            03-05T00:00         open     work
       *   c  2026-03-13                        03-13T00:00Z            02-20T00:00         done     HOME
       *   d  -                                 infinity                -                   failed   -
       *   e  -                                 infinity                = now               open     Work
       *   f  2026-03-09                        03-09T00:00Z            02-27T00:00         dropped  errand
       *   g  2026-03-11 (step of a)            03-11T00:00Z            02-25T00:00         open     home
       *   i  2026-03-12T07:00+09 (local 12th)  03-11T22:00Z            now + 1 ms          open     -
       *   h  2026-03-10 (deleted)              03-10T00:00Z            02-01T00:00         open     home
       */
      beforeAll(async () => {
        owner = await registeredUser();
        stranger = await registeredUser();
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const tz = { timezone: 'Asia/Seoul' };
        const create = async (n: string, input: Partial<TaskInput>, parent?: Task): Promise<Task> => {
          clock.advance(SECOND);
          const task = await saved(newTask(ctx, owner, { title: `task ${n}`, ...input }, { ...tz, parent }));
          id[n] = task.id;
          return task;
        };
        const a = await create('a', { scheduledFor: '2026-03-10', dueAt: '2026-02-28T12:00:00.000Z', tags: ['Home', 'Errand'] });
        await create('b', { scheduledFor: '2026-03-10T18:30:00+09:00', dueAt: '2026-03-05T00:00:00Z', tags: ['work'] });
        await create('c', { scheduledFor: '2026-03-13', dueAt: '2026-02-20T00:00:00Z', tags: ['HOME'] });
        await create('d', {});
        await create('e', { dueAt: NOW, tags: ['Work'] });
        await create('f', { scheduledFor: '2026-03-09', dueAt: '2026-02-27T00:00:00Z', tags: ['errand'] });
        await create('g', { scheduledFor: '2026-03-11', dueAt: '2026-02-25T00:00:00Z', tags: ['home'] }, a);
        await create('i', { scheduledFor: '2026-03-12T07:00:00+09:00', dueAt: new Date(T0.getTime() + 1).toISOString() });
        await create('h', { scheduledFor: '2026-03-10', dueAt: '2026-02-01T00:00:00Z', tags: ['home'] });

        const close = async (n: string, act: (t: Task) => void) => {
          const t = await load(owner, id[n]);
          act(t);
          await tasks.save(t);
        };
        await close('c', (t) => t.complete(ctx, 0));
        await close('d', (t) => t.fail(ctx, 'blocked', 'waiting on review'));
        await close('f', (t) => t.drop(ctx));
        await softDelete(ctx, owner, id.h);

        // Someone else's task that matches every filter below: it must never show up.
        strangersTask = (
          await saved(
            newTask(ctx, stranger, { title: 'theirs', scheduledFor: '2026-03-10', dueAt: '2026-02-28T12:00:00.000Z', tags: ['Home'] }),
          )
        ).id;
      });

      it('lists only the owner’s tasks that are not deleted (no filter)', async () => {
        await expect(list()).resolves.toEqual(names('a', 'b', 'c', 'd', 'e', 'f', 'g', 'i'));
        await expect(list({}, 'createdAt', { ownerId: stranger })).resolves.toEqual([strangersTask]);
      });

      it('returns views equal to what get returns', async () => {
        const page = await readModel.list({ ownerId: owner, filter: {}, sort: 'createdAt', limit: 100, now: NOW });
        const views = await Promise.all(page.items.map((t) => readModel.get(owner, t.id)));
        expect(page.items).toEqual(views);
      });

      it('filters on a list of statuses', async () => {
        await expect(list({ status: ['open'] })).resolves.toEqual(names('a', 'b', 'e', 'g', 'i'));
        await expect(list({ status: ['done', 'failed'] })).resolves.toEqual(names('c', 'd'));
        await expect(list({ status: ['dropped'] })).resolves.toEqual(names('f'));
        await expect(list({ status: ['open', 'done', 'failed', 'dropped'] })).resolves.toEqual(
          names('a', 'b', 'c', 'd', 'e', 'f', 'g', 'i'),
        );
      });

      it('filters scheduledFrom / scheduledTo inclusively on the local date (not the UTC date of a moment)', async () => {
        await expect(list({ scheduledFrom: '2026-03-10' })).resolves.toEqual(names('a', 'b', 'c', 'g', 'i'));
        await expect(list({ scheduledTo: '2026-03-11' })).resolves.toEqual(names('a', 'b', 'f', 'g'));
        await expect(list({ scheduledFrom: '2026-03-10', scheduledTo: '2026-03-10' })).resolves.toEqual(names('a', 'b'));
        // i's moment is 2026-03-11T22:00Z, but its local day is the 12th.
        await expect(list({ scheduledFrom: '2026-03-11', scheduledTo: '2026-03-11' })).resolves.toEqual(names('g'));
        await expect(list({ scheduledFrom: '2026-03-12', scheduledTo: '2026-03-12' })).resolves.toEqual(names('i'));
        await expect(list({ scheduledFrom: '2026-03-14' })).resolves.toEqual([]);
      });

      it('filters dueFrom / dueTo inclusively on the instant', async () => {
        const boundary = '2026-02-28T12:00:00.000Z';
        await expect(list({ dueFrom: boundary })).resolves.toEqual(names('a', 'b', 'e', 'i'));
        await expect(list({ dueTo: boundary })).resolves.toEqual(names('a', 'c', 'f', 'g'));
        await expect(list({ dueFrom: '2026-02-25T00:00:00Z', dueTo: boundary })).resolves.toEqual(names('a', 'f', 'g'));
        // One millisecond either side of a's due date excludes it.
        await expect(list({ dueFrom: '2026-02-28T12:00:00.001Z', dueTo: '2026-03-01T00:00:00Z' })).resolves.toEqual([]);
        await expect(list({ dueFrom: '2026-02-27T00:00:00.001Z', dueTo: '2026-02-28T11:59:59.999Z' })).resolves.toEqual([]);
      });

      it('filters overdue relative to the `now` passed: open and strictly past due', async () => {
        // e is due exactly now and i a millisecond later: neither is overdue yet; c and f are past due but closed.
        await expect(list({ overdue: true })).resolves.toEqual(names('a', 'g'));
        await expect(list({ overdue: false })).resolves.toEqual(names('b', 'c', 'd', 'e', 'f', 'i'));
        const later = '2026-03-06T00:00:00.000Z';
        await expect(list({ overdue: true }, 'createdAt', { now: later })).resolves.toEqual(names('a', 'b', 'e', 'g', 'i'));
        await expect(list({ overdue: false }, 'createdAt', { now: later })).resolves.toEqual(names('c', 'd', 'f'));
        await expect(list({ overdue: true }, 'createdAt', { now: '2026-02-01T00:00:00Z' })).resolves.toEqual([]);
      });

      it('filters on a tag case-insensitively and on the whole tag', async () => {
        await expect(list({ tag: 'home' })).resolves.toEqual(names('a', 'c', 'g'));
        await expect(list({ tag: 'HoMe' })).resolves.toEqual(names('a', 'c', 'g'));
        await expect(list({ tag: 'Errand' })).resolves.toEqual(names('a', 'f'));
        await expect(list({ tag: 'WORK' })).resolves.toEqual(names('b', 'e'));
        await expect(list({ tag: 'hom' })).resolves.toEqual([]);
      });

      it('filters on parentId: a parent’s steps, or null for top-level tasks only', async () => {
        await expect(list({ parentId: id.a })).resolves.toEqual(names('g'));
        await expect(list({ parentId: null })).resolves.toEqual(names('a', 'b', 'c', 'd', 'e', 'f', 'i'));
        await expect(list({ parentId: id.b })).resolves.toEqual([]);
        await expect(list({ parentId: nextId() })).resolves.toEqual([]);
      });

      it('combines filters with AND', async () => {
        await expect(list({ status: ['open'], tag: 'home', parentId: null })).resolves.toEqual(names('a'));
        await expect(list({ status: ['open'], scheduledFrom: '2026-03-10', overdue: false })).resolves.toEqual(names('b', 'i'));
        await expect(list({ tag: 'home', overdue: true }, '-createdAt')).resolves.toEqual(names('g', 'a'));
      });

      it('sorts by createdAt and -createdAt', async () => {
        await expect(list({}, 'createdAt')).resolves.toEqual(names('a', 'b', 'c', 'd', 'e', 'f', 'g', 'i'));
        await expect(list({}, '-createdAt')).resolves.toEqual(names('i', 'g', 'f', 'e', 'd', 'c', 'b', 'a'));
      });

      it('sorts by scheduledFor: unscheduled last ascending and first descending (id breaks ties)', async () => {
        await expect(list({}, 'scheduledFor')).resolves.toEqual(names('f', 'a', 'b', 'g', 'i', 'c', 'd', 'e'));
        await expect(list({}, '-scheduledFor')).resolves.toEqual(names('e', 'd', 'c', 'i', 'g', 'b', 'a', 'f'));
        await expect(list({ status: ['open'] }, 'scheduledFor')).resolves.toEqual(names('a', 'b', 'g', 'i', 'e'));
      });

      // BUG (libs/adapters/src/persistence/typeorm-task.repository.ts, save(): scheduled_sort; also
      // Schedule.sortKey()): a whole-day task's sort key is UTC midnight of its date, while a moment's
      // is the moment. West of UTC, every moment in the evening of the day before lands after UTC
      // midnight, so 'scheduledFor' lists Wednesday before Tuesday evening. Schedule.isLaterThan
      // (domain) defines the order in the user's terms and says comparing a day as UTC midnight is
      // wrong on either side of UTC; the keyset column needs (scheduled_date, scheduled_at) instead.
      it('sorts scheduledFor by the user’s calendar: west of UTC, a day sorts after the evening before', async () => {
        const westOwner = await registeredUser();
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const la = { timezone: 'America/Los_Angeles' };
        // Created in the "wrong" order so that createdAt or id order cannot make it pass by accident.
        const wednesday = await saved(newTask(ctx, westOwner, { title: 'Wed', scheduledFor: '2026-03-11' }, la));
        clock.advance(SECOND);
        // Tuesday 10 March, 20:00 in Los Angeles (PDT) is Wednesday 03:00 UTC; its local day is the 10th.
        const tuesdayEvening = await saved(
          newTask(ctx, westOwner, { title: 'Tue 20:00', scheduledFor: '2026-03-10T20:00:00-07:00' }, la),
        );
        expect(tuesdayEvening.state.scheduledDate).toBe('2026-03-10');

        const order = async (sort: TaskSort) =>
          (await readModel.list({ ownerId: westOwner, filter: {}, sort, limit: 10, now: NOW })).items.map((t) => t.title);
        expect(await order('scheduledFor')).toEqual(['Tue 20:00', 'Wed']);
        expect(await order('-scheduledFor')).toEqual(['Wed', 'Tue 20:00']);
      });

      it('paginates a filtered listing in every sort without duplicates or gaps', async () => {
        for (const sort of SORTS) {
          const all = await list({ status: ['open', 'done'] }, sort);
          const seen: string[] = [];
          let after: TaskCursor | undefined;
          for (let i = 0; i < 10; i++) {
            const page = await readModel.list({ ownerId: owner, filter: { status: ['open', 'done'] }, sort, limit: 2, now: NOW, after });
            seen.push(...page.items.map((t) => t.id));
            if (!page.next) break;
            after = page.next;
          }
          expect({ sort, seen }).toEqual({ sort, seen: all });
        }
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('TaskReadModel.list: keyset pagination', () => {
      const PAGE = 10;

      interface Spec extends KeySpec {
        readonly n: number;
      }

      /** 25 tasks created at the same instant; many share a schedule, so only the id orders them. */
      async function seed(owner: string, ctx: EventContext, clock: FixedClock): Promise<{ base: number; specs: Spec[] }> {
        const base = reserve(400);
        const specs: Spec[] = [];
        for (let k = 1; k <= 25; k++) {
          const scheduledFor = k % 2 === 0 ? null : k % 4 === 1 ? '2026-04-01' : '2026-04-01T10:00:00.000Z';
          specs.push({ n: base + 4 * k, id: idOf(base + 4 * k), createdAt: T0.getTime(), scheduledFor });
        }
        // Inserted out of id order, so nothing but the id tiebreak can produce the expected order.
        const insertion = specs.map((_, k) => specs[(k * 7) % 25]);
        for (const s of insertion) await insert(owner, ctx, clock, s);
        return { base, specs };
      }

      async function insert(owner: string, ctx: EventContext, clock: FixedClock, s: Spec): Promise<void> {
        clock.set(s.createdAt);
        await saved(newTask(ctx, owner, { title: `#${s.n}`, scheduledFor: s.scheduledFor }, { id: s.id }));
      }

      async function pagesFrom(
        owner: string,
        sort: TaskSort,
        after?: TaskCursor,
      ): Promise<{ pages: string[][]; cursors: (TaskCursor | null)[] }> {
        const pages: string[][] = [];
        const cursors: (TaskCursor | null)[] = [];
        for (let i = 0; i < 20; i++) {
          const page = await readModel.list({ ownerId: owner, filter: {}, sort, limit: PAGE, now: NOW, after });
          pages.push(page.items.map((t) => t.id));
          cursors.push(page.next);
          if (!page.next) break;
          after = page.next;
        }
        return { pages, cursors };
      }

      it.each(SORTS)('pages of 10 through 25 tasks with equal created_at, sorted %s: no duplicates, no gaps', async (sort) => {
        const owner = await registeredUser();
        const clock = new FixedClock();
        const { specs } = await seed(owner, eventContext(clock), clock);
        const expected = [...specs].sort(compareFor(sort)).map((s) => s.id);

        const { pages, cursors } = await pagesFrom(owner, sort);

        expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
        const seen = pages.flat();
        expect(duplicatesIn(seen)).toEqual([]);
        expect(seen).toEqual(expected);
        expect(cursors[2]).toBeNull();
        cursors.slice(0, 2).forEach((c, i) => expect(c).toMatchObject({ sort, id: pages[i][PAGE - 1] }));
      });

      it.each(SORTS)('continues from a cursor after rows before it are deleted and new rows inserted, sorted %s', async (sort) => {
        const owner = await registeredUser();
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const { base, specs } = await seed(owner, ctx, clock);
        const model = [...specs].sort(compareFor(sort));

        const first = await readModel.list({ ownerId: owner, filter: {}, sort, limit: PAGE, now: NOW });
        expect(first.items.map((t) => t.id)).toEqual(model.slice(0, PAGE).map((s) => s.id));
        const cursor = first.next!;
        expect(cursor).toMatchObject({ sort, id: model[PAGE - 1].id });
        const at = model[PAGE - 1];

        // Delete the cursor's own row, one row before it and one row after it.
        const deleted = [model[PAGE - 1], model[2], model[PAGE + 2]];
        for (const s of deleted) await softDelete(ctx, owner, s.id);
        // Insert rows around the cursor: same key with the id just below / above it, and rows
        // with earlier and later keys (ids from either end of the range).
        const inserted: Spec[] = [
          { n: at.n - 1, id: idOf(at.n - 1), createdAt: at.createdAt, scheduledFor: at.scheduledFor },
          { n: at.n + 1, id: idOf(at.n + 1), createdAt: at.createdAt, scheduledFor: at.scheduledFor },
          { n: base + 1, id: idOf(base + 1), createdAt: T0.getTime() + SECOND, scheduledFor: '2026-05-01' },
          { n: base + 399, id: idOf(base + 399), createdAt: T0.getTime() - SECOND, scheduledFor: '2026-03-15' },
          { n: base + 398, id: idOf(base + 398), createdAt: T0.getTime() + 2 * SECOND, scheduledFor: null },
          { n: base + 2, id: idOf(base + 2), createdAt: T0.getTime() - 2 * SECOND, scheduledFor: '2026-04-01T10:00:00.000Z' },
        ];
        for (const s of inserted) await insert(owner, ctx, clock, s);

        const cmp = compareFor(sort);
        const live = [...specs.filter((s) => !deleted.includes(s)), ...inserted].sort(cmp);
        const expected = live.filter((s) => cmp(s, at) > 0).map((s) => s.id);
        // The scenario is not vacuous: some inserted rows fall after the cursor and some before.
        const insertedIds = inserted.map((s) => s.id);
        expect(expected.some((x) => insertedIds.includes(x))).toBe(true);
        expect(insertedIds.some((x) => !expected.includes(x))).toBe(true);

        const { pages, cursors } = await pagesFrom(owner, sort, cursor);

        const seen = pages.flat();
        expect(duplicatesIn(seen)).toEqual([]);
        expect(seen).toEqual(expected);
        expect(seen).not.toContain(model[PAGE + 2].id);
        // Full pages until the last one, which says there is nothing more.
        pages.slice(0, -1).forEach((p) => expect(p).toHaveLength(PAGE));
        expect(cursors[cursors.length - 1]).toBeNull();
      });

      it('gives next = null exactly on the last page (limit + 1 detection)', async () => {
        const owner = await registeredUser();
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const add = async (count: number) => {
          for (let i = 0; i < count; i++) await saved(newTask(ctx, owner, { title: 'n' }));
        };
        const shape = async (sort: TaskSort) => {
          const { pages, cursors } = await pagesFrom(owner, sort);
          return { sizes: pages.map((p) => p.length), last: cursors[cursors.length - 1], nexts: cursors.map((c) => c !== null) };
        };

        for (const sort of SORTS) {
          expect(await shape(sort)).toEqual({ sizes: [0], last: null, nexts: [false] });
        }
        await add(9);
        for (const sort of SORTS) expect(await shape(sort)).toEqual({ sizes: [9], last: null, nexts: [false] });
        await add(1);
        for (const sort of SORTS) expect(await shape(sort)).toEqual({ sizes: [10], last: null, nexts: [false] });
        await add(1);
        for (const sort of SORTS) expect(await shape(sort)).toEqual({ sizes: [10, 1], last: null, nexts: [true, false] });
        await add(9);
        for (const sort of SORTS) expect(await shape(sort)).toEqual({ sizes: [10, 10], last: null, nexts: [true, false] });
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('TaskReadModel.history and the TaskHistory facade', () => {
      let history: TaskHistory;

      beforeAll(() => {
        history = new TaskHistory(readModel);
      });

      /** Every page from the start, following `next`. */
      async function allPages(options: { ownerId?: string; limit: number }): Promise<TaskHistoryItem[][]> {
        const pages: TaskHistoryItem[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await history.page({ ...options, ...(after ? { after } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(options.limit);
          pages.push(page.items);
          if (page.next === null) break;
          expect(page.next).toBe(page.items.at(-1)?.id);
          after = page.next;
          if (pages.length > 10_000) throw new Error('history paging does not end');
        }
        return pages;
      }

      /** The ground truth, straight from the table: live task ids in uuid order. */
      async function liveIds(ownerId?: string): Promise<string[]> {
        const rows: { id: string }[] = await db.run((m) =>
          ownerId
            ? m.query(`SELECT id FROM tasks WHERE deleted_at IS NULL AND owner_id = $1 ORDER BY id`, [ownerId])
            : m.query(`SELECT id FROM tasks WHERE deleted_at IS NULL ORDER BY id`),
        );
        return rows.map((r) => r.id);
      }

      /** What the facade must say of a stored task: its state, as published. */
      function expectedItem(id: string, state: Task['state']): TaskHistoryItem {
        return {
          id,
          ownerId: state.ownerId,
          title: state.title,
          priority: state.priority,
          status: state.status,
          parentId: state.parentId,
          scheduledDate: state.scheduledDate,
          scheduledAt: state.scheduledAt,
          dueAt: state.dueAt,
          estimateMinutes: state.estimateMinutes,
          actualMinutes: state.actualMinutes,
          tags: [...state.tags],
          deferrals: state.deferrals,
          failureReason: state.failure?.reason ?? null,
          createdAt: state.createdAt,
          closedAt: state.closedAt,
          version: state.version,
        };
      }

      it("find: one owner's stored task by id; another owner's, a deleted one, an unknown or malformed id is null", async () => {
        const ctx = eventContext();
        const [a, b] = [await registeredUser(), await registeredUser()];
        const task = await saved(newTask(ctx, a, { title: 'Find me', priority: 2 }));
        const gone = await saved(newTask(ctx, a, { title: 'Gone' }));
        await softDelete(ctx, a, gone.id);
        const facade = new TaskHistory(readModel);
        expect(await facade.find(a, task.id)).toEqual(expectedItem(task.id, (await load(a, task.id)).state));
        expect(await facade.find(b, task.id)).toBeNull();
        expect(await facade.find(a, gone.id)).toBeNull();
        expect(await facade.find(a, nextId())).toBeNull();
        expect(await facade.find(a, 'not-a-uuid')).toBeNull();
      });

      it('pages every live task of every owner exactly once, in id order; deleted tasks are absent', async () => {
        const ctx = eventContext();
        const [a, b] = [await registeredUser(), await registeredUser()];
        const mine = [];
        for (let i = 0; i < 7; i++) mine.push(await saved(newTask(ctx, i % 2 ? a : b, { title: `h${i}` })));
        await softDelete(ctx, a, mine[1].id);
        await softDelete(ctx, b, mine[4].id);

        const truth = await liveIds();
        for (const limit of [1, 3, 7, 50, 1000]) {
          const pages = await allPages({ limit });
          const ids = pages.flat().map((t) => t.id);
          expect({ limit, duplicates: duplicatesIn(ids) }).toEqual({ limit, duplicates: [] });
          expect(ids).toEqual(truth);
          // Every page but the last is full.
          expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
        }
        const ids = (await allPages({ limit: 5 })).flat().map((t) => t.id);
        expect(ids).toEqual(expect.arrayContaining([mine[0], mine[2], mine[3], mine[5], mine[6]].map((t) => t.id)));
        expect(ids).not.toContain(mine[1].id);
        expect(ids).not.toContain(mine[4].id);
      });

      it('the owner filter gives exactly that owner’s live tasks; next is null exactly on the last page', async () => {
        const ctx = eventContext();
        const [owner, other, idle] = [await registeredUser(), await registeredUser(), await registeredUser()];
        const first = reserve(6);
        // Created out of id order: the pages follow the ids, not the creation order.
        for (const n of [first + 3, first + 0, first + 5, first + 1]) await saved(newTask(ctx, owner, { title: `o${n}` }, { id: idOf(n) }));
        await saved(newTask(ctx, other, { title: 'not mine' }, { id: idOf(first + 2) }));
        await saved(newTask(ctx, owner, { title: 'gone' }, { id: idOf(first + 4) }));
        await softDelete(ctx, owner, idOf(first + 4));

        const expected = [first + 0, first + 1, first + 3, first + 5].map(idOf);
        expect(await liveIds(owner)).toEqual(expected);
        expect((await allPages({ ownerId: owner, limit: 2 })).map((p) => p.map((t) => t.id))).toEqual([expected.slice(0, 2), expected.slice(2)]);
        expect((await allPages({ ownerId: owner, limit: 3 })).map((p) => p.map((t) => t.id))).toEqual([expected.slice(0, 3), expected.slice(3)]);
        expect(await history.page({ ownerId: owner, limit: 4 })).toMatchObject({ next: null });
        expect(await history.page({ ownerId: owner, limit: 3 })).toMatchObject({ next: expected[2] });
        expect(await history.page({ ownerId: owner, after: expected[3], limit: 3 })).toEqual({ items: [], next: null });
        expect((await history.page({ ownerId: owner, after: expected[1], limit: 10 })).items.map((t) => t.id)).toEqual(expected.slice(2));
        expect((await history.page({ ownerId: other, limit: 10 })).items.map((t) => t.id)).toEqual([idOf(first + 2)]);
        expect(await history.page({ ownerId: idle, limit: 10 })).toEqual({ items: [], next: null });
        expect(await history.page({ ownerId: nextId(), limit: 10 })).toEqual({ items: [], next: null });
        // An id given in upper case is the same id; an owner id that is no uuid has no tasks; a cursor that is none is refused.
        expect((await history.page({ ownerId: owner.toUpperCase(), after: expected[0].toUpperCase(), limit: 1 })).items.map((t) => t.id)).toEqual([expected[1]]);
        expect(await history.page({ ownerId: "x' OR 1=1 --", limit: 10 })).toEqual({ items: [], next: null });
        await expect(history.page({ after: 'not-an-id', limit: 10 })).rejects.toThrow(RangeError);
      });

      it('each item is the stored state as published: failure reason, closedAt, actualMinutes, schedule, steps, deferrals', async () => {
        const clock = new FixedClock();
        const ctx = eventContext(clock);
        const owner = await registeredUser();
        const apply = async (id: string, change: (t: Task) => void) => {
          const task = await load(owner, id);
          clock.advance(MINUTE + 7);
          change(task);
          await tasks.save(task);
        };
        const failed = await saved(newTask(ctx, owner, { title: 'failed', scheduledFor: '2026-03-10', estimateMinutes: 60, tags: ['Run', 'outside'] }));
        await apply(failed.id, (t) => t.postpone(ctx, '2026-03-12', 'UTC'));
        await apply(failed.id, (t) => t.fail(ctx, 'low_energy', 'tired'));
        const timed = await saved(newTask(ctx, owner, { title: 'timed', estimateMinutes: 30 }, { timezone: 'Asia/Seoul' }));
        await apply(timed.id, (t) => t.complete(ctx, 0, 45));
        const untimed = await saved(newTask(ctx, owner, { title: 'untimed', scheduledFor: '2026-03-10T23:45:00+09:00', dueAt: '2026-03-11T00:00:00.250Z' }, { timezone: 'Asia/Seoul' }));
        await apply(untimed.id, (t) => t.complete(ctx, 0));
        const reopened = await saved(newTask(ctx, owner, { title: 'reopened' }));
        await apply(reopened.id, (t) => t.complete(ctx, 0, 90));
        await apply(reopened.id, (t) => t.reopen(ctx));
        const parent = await saved(newTask(ctx, owner, { title: 'parent' }));
        const step = await saved(newTask(ctx, owner, { title: 'step' }, { parent }));
        await apply(step.id, (t) => t.drop(ctx));

        const items = (await history.page({ ownerId: owner, limit: 100 })).items;
        const stored = await Promise.all([failed, timed, untimed, reopened, parent, step].map(async (t) => expectedItem(t.id, (await load(owner, t.id)).state)));
        expect(items).toEqual(stored);
        const byId = new Map(items.map((i) => [i.id, i]));
        expect(byId.get(failed.id)).toMatchObject({
          status: 'failed',
          failureReason: 'low_energy',
          closedAt: new Date(T0.getTime() + 2 * (MINUTE + 7)).toISOString(),
          deferrals: 1,
          scheduledDate: '2026-03-12',
          scheduledAt: null,
          estimateMinutes: 60,
          actualMinutes: null,
          tags: ['Run', 'outside'],
          version: 3,
          createdAt: NOW,
        });
        expect(byId.get(timed.id)).toMatchObject({ status: 'done', actualMinutes: 45, estimateMinutes: 30, failureReason: null, closedAt: expect.any(String), version: 2 });
        expect(byId.get(untimed.id)).toMatchObject({
          status: 'done',
          actualMinutes: null,
          scheduledDate: '2026-03-10',
          scheduledAt: '2026-03-10T14:45:00.000Z',
          dueAt: '2026-03-11T00:00:00.250Z',
        });
        expect(byId.get(reopened.id)).toMatchObject({ status: 'open', actualMinutes: null, closedAt: null, version: 3 });
        expect(byId.get(step.id)).toMatchObject({ status: 'dropped', parentId: parent.id, closedAt: expect.any(String) });
        expect(byId.get(parent.id)).toMatchObject({ status: 'open', parentId: null, scheduledDate: null, closedAt: null, tags: [] });
        // Plain data: it survives JSON unchanged, and only the published fields are there.
        expect(JSON.parse(JSON.stringify(items))).toEqual(items);
        expect(Object.keys(items[0]).sort()).toEqual(
          ['id', 'ownerId', 'title', 'priority', 'status', 'parentId', 'scheduledDate', 'scheduledAt', 'dueAt', 'estimateMinutes', 'actualMinutes', 'tags', 'deferrals', 'failureReason', 'createdAt', 'closedAt', 'version'].sort(),
        );
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('TypeOrmIdempotencyStore', () => {
      const TTL = 24 * HOUR;
      const STALE = MINUTE;
      // Typed as the port: the contract is the interface (complete takes `now` there).
      let store: IdempotencyStore;
      const at = (ms = 0) => new Date(T0.getTime() + ms);
      const key = () => `key-${nextId()}`;
      const response: StoredResponse = {
        status: 201,
        headers: { 'content-type': 'application/json; charset=utf-8', location: '/v1/tasks/x', etag: 'W/"1"' },
        // Byte-exact: unicode (incl. astral), CRLF, tabs, trailing blanks, escapes that look like JSON.
        body: '{"title":"Réunion — 会議 🗓️","notes":"a\\nb\\u0000c","x":1.50}\r\n\t  ',
      };

      beforeAll(() => {
        store = new TypeOrmIdempotencyStore(db, { ttlMs: TTL, staleMs: STALE });
      });

      async function rowsAt(userId: string): Promise<{ key: string; status: string }[]> {
        return db.run((m) =>
          m.query(`SELECT key, status FROM idempotency_keys WHERE user_id = $1 ORDER BY key`, [userId]),
        );
      }

      it('begin on a fresh key starts; again with the same fingerprint it is in progress; another fingerprint mismatches', async () => {
        const user = nextId();
        const k = key();
        await expect(store.begin(user, k, 'fp-1', at())).resolves.toMatchObject({ outcome: 'started' });
        await expect(store.begin(user, k, 'fp-1', at(SECOND))).resolves.toEqual({ outcome: 'in_progress' });
        await expect(store.begin(user, k, 'fp-2', at(SECOND))).resolves.toEqual({ outcome: 'mismatch' });
      });

      it('replays a completed response: status, headers and body byte-exact', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp-1', at());
        await store.complete(user, k, response, at(100));

        const result = await store.begin(user, k, 'fp-1', at(HOUR));

        expect(result).toEqual({ outcome: 'replay', response });
        const replayed = (result as Extract<BeginResult, { outcome: 'replay' }>).response;
        expect(replayed.status).toBe(201);
        expect(Buffer.from(replayed.body, 'utf8').equals(Buffer.from(response.body, 'utf8'))).toBe(true);
        expect(replayed.headers).toStrictEqual(response.headers);
        // A completed key with a different body is still a mismatch, not a replay.
        await expect(store.begin(user, k, 'fp-2', at(HOUR))).resolves.toEqual({ outcome: 'mismatch' });
      });

      it('replays an empty body and no headers as such', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp', at());
        await store.complete(user, k, { status: 204, headers: {}, body: '' }, at());
        await expect(store.begin(user, k, 'fp', at(1))).resolves.toEqual({
          outcome: 'replay',
          response: { status: 204, headers: {}, body: '' },
        });
      });

      it('keeps keys per user: the same key for another user starts', async () => {
        const alice = nextId();
        const bob = nextId();
        const k = key();
        await expect(store.begin(alice, k, 'fp-a', at())).resolves.toMatchObject({ outcome: 'started' });
        await expect(store.begin(bob, k, 'fp-b', at())).resolves.toMatchObject({ outcome: 'started' });
        await store.complete(bob, k, response, at());
        // Completing bob's does not complete alice's.
        await expect(store.begin(alice, k, 'fp-a', at(1))).resolves.toEqual({ outcome: 'in_progress' });
        await expect(store.begin(bob, k, 'fp-b', at(1))).resolves.toEqual({ outcome: 'replay', response });
      });

      it('release lets the key start again; it does not forget a completed key', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp-1', at());
        await store.release(user, k);
        await expect(store.begin(user, k, 'fp-2', at(1))).resolves.toMatchObject({ outcome: 'started' });

        await store.complete(user, k, response, at(2));
        await store.release(user, k);
        await expect(store.begin(user, k, 'fp-2', at(3))).resolves.toEqual({ outcome: 'replay', response });
        // Releasing a key that does not exist is harmless.
        await expect(store.release(user, key())).resolves.toBeUndefined();
      });

      it('a claim its request renews is not taken over; renewals stopped, it goes stale staleMs after the last', async () => {
        const user = nextId();
        const k = key();
        const started = await store.begin(user, k, 'fp-1', at());
        const claim = (started as Extract<BeginResult, { outcome: 'started' }>).claim;
        await store.renew(user, k, claim, at(STALE - SECOND));
        await store.renew(user, k, claim, at(2 * STALE - SECOND));
        await expect(store.begin(user, k, 'fp-1', at(2 * STALE))).resolves.toEqual({ outcome: 'in_progress' });
        await expect(store.begin(user, k, 'fp-1', at(3 * STALE - SECOND))).resolves.toEqual({ outcome: 'in_progress' });
        const taken = await store.begin(user, k, 'fp-1', at(3 * STALE));
        expect(taken).toMatchObject({ outcome: 'started' });

        // The old request's renewals no longer count: the new claim goes stale on its own clock.
        await store.renew(user, k, claim, at(3 * STALE + SECOND));
        await expect(store.begin(user, k, 'fp-1', at(4 * STALE + 1))).resolves.toMatchObject({ outcome: 'started' });
        // A completed key is not renewed back into progress.
        const k2 = key();
        const c2 = (await store.begin(user, k2, 'fp', at())) as Extract<BeginResult, { outcome: 'started' }>;
        await store.complete(user, k2, response, at(1), c2.claim);
        await store.renew(user, k2, c2.claim, at(2));
        await expect(store.begin(user, k2, 'fp', at(3))).resolves.toEqual({ outcome: 'replay', response });
      });

      it('takes over an in-progress claim older than staleMs (and only then)', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp-1', at());
        await expect(store.begin(user, k, 'fp-1', at(STALE))).resolves.toEqual({ outcome: 'in_progress' });
        await expect(store.begin(user, k, 'fp-1', at(STALE + 1))).resolves.toMatchObject({ outcome: 'started' });
        // The takeover restarted the clock: the claim is fresh again.
        await expect(store.begin(user, k, 'fp-1', at(STALE + 2))).resolves.toEqual({ outcome: 'in_progress' });

        // A stale claim is taken over whatever the fingerprint (its request died).
        const k2 = key();
        await store.begin(user, k2, 'fp-1', at());
        await expect(store.begin(user, k2, 'fp-2', at(STALE + 1))).resolves.toMatchObject({ outcome: 'started' });
        await expect(store.begin(user, k2, 'fp-2', at(STALE + 2))).resolves.toEqual({ outcome: 'in_progress' });
      });

      it('the request whose claim was taken over can neither complete nor release the new claim', async () => {
        const user = nextId();
        const k = key();
        const first = await store.begin(user, k, 'fp-1', at());
        const second = await store.begin(user, k, 'fp-2', at(STALE + 1));
        if (first.outcome !== 'started' || second.outcome !== 'started') throw new Error('both should have started');
        expect(first.claim).not.toBe(second.claim);
        // The slow first request finishes late: its answer must not become the key's answer...
        await store.complete(user, k, { status: 201, headers: {}, body: 'stale answer' }, at(STALE + 2), first.claim);
        await expect(store.begin(user, k, 'fp-2', at(STALE + 3))).resolves.toEqual({ outcome: 'in_progress' });
        // ...nor can its failure free the key the second request holds.
        await store.release(user, k, first.claim);
        await expect(store.begin(user, k, 'fp-2', at(STALE + 4))).resolves.toEqual({ outcome: 'in_progress' });
        await store.complete(user, k, response, at(STALE + 5), second.claim);
        await expect(store.begin(user, k, 'fp-2', at(STALE + 6))).resolves.toEqual({ outcome: 'replay', response });
      });

      it('never takes over a completed key before the ttl, however old', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp-1', at());
        await store.complete(user, k, response, at());
        await expect(store.begin(user, k, 'fp-1', at(TTL - 1))).resolves.toEqual({ outcome: 'replay', response });
        await expect(store.begin(user, k, 'fp-1', at(TTL))).resolves.toEqual({ outcome: 'replay', response });
      });

      it('treats an entry older than ttlMs as new', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp-1', at());
        await store.complete(user, k, response, at());
        await expect(store.begin(user, k, 'fp-2', at(TTL + 1))).resolves.toMatchObject({ outcome: 'started' });
        await expect(store.begin(user, k, 'fp-2', at(TTL + 2))).resolves.toEqual({ outcome: 'in_progress' });
        await store.complete(user, k, { ...response, status: 200, body: 'second' }, at(TTL + 3));
        await expect(store.begin(user, k, 'fp-2', at(TTL + 4))).resolves.toEqual({
          outcome: 'replay',
          response: { ...response, status: 200, body: 'second' },
        });
      });

      it('purgeExpired deletes only entries older than ttlMs and returns how many', async () => {
        // Its own epoch, years before every other entry of this suite, so the count is exact.
        const epoch = new Date('2020-06-01T00:00:00.000Z').getTime();
        const user = nextId();
        const expired = [`${key()}-old`, `${key()}-just-old`];
        const kept = [`${key()}-boundary`, `${key()}-fresh`];
        await store.begin(user, expired[0], 'fp', new Date(epoch - 3 * DAY));
        await store.begin(user, expired[1], 'fp', new Date(epoch - TTL - 1));
        await store.complete(user, expired[1], response, new Date(epoch - TTL - 1));
        await store.begin(user, kept[0], 'fp', new Date(epoch - TTL));
        await store.begin(user, kept[1], 'fp', new Date(epoch - HOUR));

        await expect(store.purgeExpired(new Date(epoch))).resolves.toBe(2);

        expect((await rowsAt(user)).map((r) => r.key).sort()).toEqual([...kept].sort());
        await expect(store.purgeExpired(new Date(epoch))).resolves.toBe(0);
      });

      it('lets exactly one of 10 concurrent begins with the same key start; the others see it in progress', async () => {
        const user = nextId();
        const k = key();
        const results = await Promise.all(Array.from({ length: 10 }, () => store.begin(user, k, 'fp', at())));
        expect(tally(results)).toEqual({ started: 1, in_progress: 9 });
        await expect(rowsAt(user)).resolves.toEqual([{ key: k, status: 'in_progress' }]);
      });

      it('lets exactly one of 10 concurrent begins with different fingerprints start; the others mismatch', async () => {
        const user = nextId();
        const k = key();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.begin(user, k, `fp-${i}`, at())));
        expect(tally(results)).toEqual({ started: 1, mismatch: 9 });
      });

      it('lets exactly one of 10 concurrent takeovers of a stale claim start', async () => {
        const user = nextId();
        const k = key();
        await store.begin(user, k, 'fp', at());
        const results = await Promise.all(Array.from({ length: 10 }, () => store.begin(user, k, 'fp', at(STALE + 1))));
        expect(tally(results)).toEqual({ started: 1, in_progress: 9 });
      });
    });
  });
}

taskPersistenceContract('PGlite (in memory)', async () => {
  // typeorm-pglite keeps one PGlite instance per process: open once per suite, close in afterAll.
  const db = await openDatabase({ entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS, kind: 'pglite' });
  return { db, close: () => db.close() };
});

describeWithService('postgres', 'Task persistence on PostgreSQL', () => {
  taskPersistenceContract('PostgreSQL (scratch database)', async () => {
    const scratch = await createScratchDatabase();
    let db: Database;
    try {
      db = await openDatabase({ entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS, kind: 'postgres', url: scratch.url, poolSize: 12 });
    } catch (error) {
      await scratch.drop();
      throw error;
    }
    return {
      db,
      async close() {
        try {
          await db.close();
        } finally {
          await scratch.drop();
        }
      },
    };
  });
});
