import { MemoryPendingWrites } from '@ln/tasks/adapters/cache/memory-pending-writes.adapter';
import { Logger } from '@nestjs/common';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { CompleteTaskHandler } from '@ln/tasks/application/complete-task/complete-task.handler';
import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application-errors';
import { CreateTaskCommand, type CreateTaskInput } from '@ln/tasks/application/create-task/create-task.command';
import { CreateTaskHandler } from '@ln/tasks/application/create-task/create-task.handler';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DeleteTaskHandler } from '@ln/tasks/application/delete-task/delete-task.handler';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { DropTaskHandler } from '@ln/tasks/application/drop-task/drop-task.handler';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { EditTaskHandler } from '@ln/tasks/application/edit-task/edit-task.handler';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { FailTaskHandler } from '@ln/tasks/application/fail-task/fail-task.handler';
import { GetTaskHandler, etagOf } from '@ln/tasks/application/get-task/get-task.handler';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { ListTasksHandler } from '@ln/tasks/application/list-tasks/list-tasks.handler';
import { ListTasksQuery } from '@ln/tasks/application/list-tasks/list-tasks.query';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import { PostponeTaskHandler } from '@ln/tasks/application/postpone-task/postpone-task.handler';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import { ReopenTaskHandler } from '@ln/tasks/application/reopen-task/reopen-task.handler';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { ReplaceTaskHandler } from '@ln/tasks/application/replace-task/replace-task.handler';
import { type TaskCursor, type TaskListFilter, type TaskSort, type TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import type { TaskCommandHandler } from '@ln/tasks/application/shared/task-command-handler';
import type { TaskSession } from '@ln/tasks/application/shared/task-session';
import { TaskSessions } from '@ln/tasks/application/shared/task-sessions';
import { decodeCursor, encodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import { InvalidValue } from '@ln/kernel/domain/domain-error';
import { PostponeMustMoveLater, StepsTooDeep, TaskCannotBeReopened, TaskHasOpenSteps, TaskHasSteps, TaskIdConflict, TaskNotFound, TaskNotOpen, UnknownTaskReference, VersionMismatch } from '@ln/tasks/domain/task.errors';
import { FixedClock, ImmediateUnitOfWork, SequentialIds } from '../../support/fakes';
import { FakeOwnerTimezones, InMemoryTaskReadModel, InMemoryTaskRepository, RecordingReadCache, viewOf } from '../../support/task-fakes';

/**
 * The task use cases with in-memory ports: each handler built by hand, no Nest container. The fakes
 * share one sequence log, so the order of a commit and an invalidation can be asserted.
 */

const ALICE = 'user-alice';
const BOB = 'user-bob';
const SEOUL = 'user-seoul';
const NOBODY = 'user-without-account';

/** Client-chosen ids (UUIDv7-shaped). */
const cid = (n: number) => `0195a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Stands in for the create use case ReplaceTask delegates to, recording what it was given. */
class CreateOnlyBus {
  readonly dispatched: unknown[] = [];
  constructor(private readonly create: CreateTaskHandler) {}
  async execute(command: CreateTaskCommand, session: TaskSession) {
    this.dispatched.push(command);
    if (command instanceof CreateTaskCommand) return this.create.execute(command, session);
    throw new Error(`no handler for ${(command as object).constructor.name}`);
  }
}

/** A handler run as a synchronous request runs it: in a session on storage, at the clock's time. */
function synchronous<C, R>(sessions: TaskSessions, handler: { execute(command: C, session: TaskSession): Promise<R> }) {
  return { execute: (command: C): Promise<R> => handler.execute(command, sessions.now()) };
}

function world() {
  const log: string[] = [];
  const clock = new FixedClock(new Date('2026-03-01T09:00:10.000Z'));
  const ids = new SequentialIds();
  const accounts = new FakeOwnerTimezones({ [ALICE]: 'UTC', [BOB]: 'UTC', [SEOUL]: 'Asia/Seoul' });
  const repo = new InMemoryTaskRepository(log, (id) => accounts.has(id));
  const readModel = new InMemoryTaskReadModel(repo);
  const cache = new RecordingReadCache(log);
  const sessions = new TaskSessions(repo, accounts, cache, clock, ids, new ImmediateUnitOfWork());
  const pending = new MemoryPendingWrites();
  const createHandler: TaskCommandHandler<CreateTaskCommand> = new CreateTaskHandler();
  const create = synchronous(sessions, createHandler);
  const bus = new CreateOnlyBus(createHandler as CreateTaskHandler);
  const w = {
    log,
    clock,
    repo,
    readModel,
    cache,
    accounts,
    bus,
    create,
    replace: synchronous(sessions, new ReplaceTaskHandler(bus as unknown as CreateTaskHandler)),
    edit: synchronous(sessions, new EditTaskHandler()),
    complete: synchronous(sessions, new CompleteTaskHandler()),
    fail: synchronous(sessions, new FailTaskHandler()),
    postpone: synchronous(sessions, new PostponeTaskHandler()),
    reopen: synchronous(sessions, new ReopenTaskHandler()),
    drop: synchronous(sessions, new DropTaskHandler()),
    delete: synchronous(sessions, new DeleteTaskHandler()),
    pending,
    get: new GetTaskHandler(readModel, cache, pending),
    list: new ListTasksHandler(readModel, cache, clock, pending, accounts),
    /** Creates a task and returns its view. */
    async task(ownerId: string, input: CreateTaskInput = { title: 'a task' }): Promise<TaskView> {
      return (await create.execute(new CreateTaskCommand(ownerId, input))).task;
    },
    /** Everything observable about a stored task and its effects, to assert "nothing happened". */
    effects(id: string) {
      return { state: repo.stateOf(id), outbox: repo.outbox.length, invalidations: [...cache.invalidations], log: [...log] };
    },
  };
  return w;
}
type World = ReturnType<typeof world>;

beforeAll(() => Logger.overrideLogger(false));

describe('CreateTask', () => {
  it('records task.created.v1, returns the view and invalidates the owner once, after the save', async () => {
    const w = world();
    const { task, created } = await w.create.execute(new CreateTaskCommand(ALICE, { title: '  Write report ', tags: ['Work', 'work'], priority: 2 }));
    expect(created).toBe(true);
    expect(task).toMatchObject({ title: 'Write report', tags: ['Work'], priority: 2, status: 'open', version: 1, parentId: null, replanOf: null, deferrals: 0 });
    expect(task.createdAt).toBe('2026-03-01T09:00:10.000Z');
    expect(task).toEqual(viewOf(w.repo.stateOf(task.id)!));
    expect(w.repo.outbox).toEqual([expect.objectContaining({ type: 'task.created.v1', aggregateType: 'task', aggregateId: task.id, userId: ALICE, version: 1 })]);
    expect(w.cache.invalidations).toEqual([ALICE]);
    expect(w.log).toEqual([`save ${task.id} v1`, `invalidate ${ALICE}`]);
  });

  it("reads a date-time scheduledFor in the user's time zone (Asia/Seoul)", async () => {
    const w = world();
    // 20:00 UTC on 1 March is 05:00 on 2 March in Seoul (UTC+9).
    const seoul = await w.task(SEOUL, { title: 'call', scheduledFor: '2026-03-01T20:00:00Z' });
    const utc = await w.task(ALICE, { title: 'call', scheduledFor: '2026-03-01T20:00:00Z' });
    expect(seoul.scheduledFor).toBe('2026-03-01T20:00:00.000Z');
    expect(w.repo.stateOf(seoul.id)).toMatchObject({ scheduledDate: '2026-03-02', scheduledAt: '2026-03-01T20:00:00.000Z' });
    expect(w.repo.stateOf(utc.id)).toMatchObject({ scheduledDate: '2026-03-01', scheduledAt: '2026-03-01T20:00:00.000Z' });
    expect(w.repo.outbox.find((e) => e.aggregateId === seoul.id)?.payload).toMatchObject({ scheduledDate: '2026-03-02' });
    // A whole day stays the day given.
    const day = await w.task(SEOUL, { title: 'day', scheduledFor: '2026-03-01' });
    expect(w.repo.stateOf(day.id)).toMatchObject({ scheduledDate: '2026-03-01', scheduledAt: null });
  });

  it('refuses a user without an account (UserNotFound), saving nothing', async () => {
    const w = world();
    await expect(w.create.execute(new CreateTaskCommand(NOBODY, { title: 'x' }))).rejects.toBeInstanceOf(UserNotFound);
    // With a schedule the owner's timezone is read first, and that read finds no account.
    await expect(w.create.execute(new CreateTaskCommand(NOBODY, { title: 'x', scheduledFor: '2026-03-02' }))).rejects.toBeInstanceOf(UserNotFound);
    expect(w.repo.rows.size).toBe(0);
    expect(w.cache.invalidations).toEqual([]);
  });

  it('a domain refusal (invalid title) saves nothing and invalidates nothing', async () => {
    const w = world();
    await expect(w.create.execute(new CreateTaskCommand(ALICE, { title: '   ' }))).rejects.toMatchObject({ code: 'invalid_title' });
    expect(w.repo.rows.size).toBe(0);
    expect(w.log).toEqual([]);
  });

  describe('with a client id', () => {
    it('the same id and body again answers the same task: created=false, no second event, no second invalidation', async () => {
      const w = world();
      const first = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once', tags: ['a', 'b'], priority: 1 }));
      expect(first).toMatchObject({ created: true, task: { id: cid(1) } });
      // Same body, keys in another order.
      const again = await w.create.execute(new CreateTaskCommand(ALICE, { priority: 1, tags: ['a', 'b'], title: 'once', id: cid(1) }));
      expect(again.created).toBe(false);
      expect(again.task).toEqual(first.task);
      expect(w.repo.outbox).toHaveLength(1);
      expect(w.cache.invalidations).toEqual([ALICE]);
      expect(w.repo.rows.size).toBe(1);
    });

    it('a retry after the task changed answers the task as it is now', async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }));
      await w.complete.execute(new CompleteTaskCommand(ALICE, cid(1)));
      const again = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }));
      expect(again).toMatchObject({ created: false, task: { status: 'done', version: 2 } });
    });

    it('the same id with a different body -> TaskIdConflict, the task unchanged', async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }));
      const before = w.effects(cid(1));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'twice' }))).rejects.toBeInstanceOf(TaskIdConflict);
      expect(w.effects(cid(1))).toEqual(before);
    });

    it("an id another user owns -> TaskIdConflict (even with the same body), their task unchanged", async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(BOB, { id: cid(1), title: 'mine' }));
      const before = w.effects(cid(1));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'mine' }))).rejects.toBeInstanceOf(TaskIdConflict);
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'other' }))).rejects.toBeInstanceOf(TaskIdConflict);
      expect(w.effects(cid(1))).toEqual(before);
      expect(w.repo.stateOf(cid(1))?.ownerId).toBe(BOB);
    });

    it('the id of a deleted task is never reused, even for the same body', async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'gone' }));
      await w.delete.execute(new DeleteTaskCommand(ALICE, cid(1)));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'gone' }))).rejects.toBeInstanceOf(TaskIdConflict);
    });

    it('a lost race (the save finds the id taken by an identical create) answers like a retry', async () => {
      const w = world();
      const command = new CreateTaskCommand(ALICE, { id: cid(7), title: 'raced' });
      let winner: TaskView | undefined;
      // The other request commits between this one's claim check and its insert.
      w.repo.beforeNextSave(async () => {
        winner = (await w.create.execute(new CreateTaskCommand(ALICE, { title: 'raced', id: cid(7) }))).task;
      });
      const loser = await w.create.execute(command);
      expect(loser.created).toBe(false);
      expect(loser.task).toEqual(winner);
      expect(w.repo.outbox).toHaveLength(1);
      // Only the winner's commit invalidated.
      expect(w.log).toEqual([`save ${cid(7)} v1`, `invalidate ${ALICE}`]);
    });

    it('a lost race against a different body -> TaskIdConflict', async () => {
      const w = world();
      w.repo.beforeNextSave(() => w.create.execute(new CreateTaskCommand(ALICE, { id: cid(7), title: 'the other one' })).then(() => undefined));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(7), title: 'raced' }))).rejects.toBeInstanceOf(TaskIdConflict);
      expect(w.repo.stateOf(cid(7))?.title).toBe('the other one');
      expect(w.repo.outbox).toHaveLength(1);
    });
  });

  describe('references', () => {
    it('a step goes under its own parent, at depth 1; nesting beyond 2 is StepsTooDeep', async () => {
      const w = world();
      const parent = await w.task(ALICE, { title: 'parent' });
      const step = await w.task(ALICE, { title: 'step', parentId: parent.id });
      const sub = await w.task(ALICE, { title: 'sub-step', parentId: step.id });
      expect(step.parentId).toBe(parent.id);
      expect(w.repo.stateOf(step.id)?.depth).toBe(1);
      expect(w.repo.stateOf(sub.id)?.depth).toBe(2);
      await expect(w.task(ALICE, { title: 'too deep', parentId: sub.id })).rejects.toBeInstanceOf(StepsTooDeep);
    });

    it("parentId of another user's task or an unknown id -> UnknownTaskReference('parentId'), nothing saved", async () => {
      const w = world();
      const bobs = await w.task(BOB, { title: 'bob' });
      const before = w.effects(bobs.id);
      for (const parentId of [bobs.id, cid(404)]) {
        const attempt = w.create.execute(new CreateTaskCommand(ALICE, { title: 'step', parentId }));
        await expect(attempt).rejects.toBeInstanceOf(UnknownTaskReference);
        await expect(attempt).rejects.toMatchObject({ code: 'unknown_task_reference', fields: [{ field: 'parentId' }] });
      }
      expect(w.repo.rows.size).toBe(1);
      expect(w.effects(bobs.id)).toEqual(before);
    });

    it("parentId of a deleted task -> UnknownTaskReference('parentId')", async () => {
      const w = world();
      const parent = await w.task(ALICE, { title: 'parent' });
      await w.delete.execute(new DeleteTaskCommand(ALICE, parent.id));
      await expect(w.task(ALICE, { title: 'step', parentId: parent.id })).rejects.toMatchObject({ fields: [{ field: 'parentId' }] });
    });

    it("replanOf unknown or another user's -> UnknownTaskReference('replanOf'); one's own is kept", async () => {
      const w = world();
      const bobs = await w.task(BOB, { title: 'bob' });
      for (const replanOf of [cid(404), bobs.id]) {
        const attempt = w.create.execute(new CreateTaskCommand(ALICE, { title: 'again', replanOf }));
        await expect(attempt).rejects.toBeInstanceOf(UnknownTaskReference);
        await expect(attempt).rejects.toMatchObject({ fields: [{ field: 'replanOf' }] });
      }
      const original = await w.task(ALICE, { title: 'first try' });
      await w.fail.execute(new FailTaskCommand(ALICE, original.id, 'too_big', null));
      const again = await w.task(ALICE, { title: 'smaller', replanOf: original.id });
      expect(again.replanOf).toBe(original.id);
      expect(w.repo.outbox.at(-1)?.payload).toMatchObject({ replanOf: original.id });
    });
  });
});

describe('ReplaceTask', () => {
  it('creates the task when absent (created=true), through CreateTask', async () => {
    const w = world();
    const { task, created } = await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put', tags: ['x'] }));
    expect(created).toBe(true);
    expect(task).toMatchObject({ id: cid(1), title: 'put', tags: ['x'], version: 1 });
    expect(w.bus.dispatched).toEqual([expect.any(CreateTaskCommand)]);
    expect(w.repo.outbox.map((e) => e.type)).toEqual(['task.created.v1']);
    expect(w.log).toEqual([`save ${cid(1)} v1`, `invalidate ${ALICE}`]);
  });

  it('replacing with the same representation changes nothing: no event, same version, no invalidation', async () => {
    const w = world();
    const input = { title: 'put', notes: 'n', scheduledFor: '2026-03-02T08:00:00+09:00', dueAt: '2026-03-03T00:00:00Z', estimateMinutes: 30, priority: 2, tags: ['x', 'y'] };
    await w.replace.execute(new ReplaceTaskCommand(SEOUL, cid(1), input));
    const before = w.effects(cid(1));
    const again = await w.replace.execute(new ReplaceTaskCommand(SEOUL, cid(1), input, 1));
    expect(again.created).toBe(false);
    expect(again.task.version).toBe(1);
    expect(again.task).toEqual(viewOf(before.state!));
    expect(w.effects(cid(1))).toEqual(before);
  });

  it('replaces every client-settable field when present: task.edited.v1, omitted fields cleared, one invalidation', async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put', notes: 'n', estimateMinutes: 30, priority: 1, tags: ['x'] }));
    w.clock.advance(1000);
    const { task, created } = await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'renamed' }));
    expect(created).toBe(false);
    expect(task).toMatchObject({ title: 'renamed', notes: null, estimateMinutes: null, priority: 4, tags: [], version: 2, updatedAt: '2026-03-01T09:00:11.000Z' });
    expect(w.repo.outbox.map((e) => e.type)).toEqual(['task.created.v1', 'task.edited.v1']);
    expect(w.log).toEqual([`save ${cid(1)} v1`, `invalidate ${ALICE}`, `save ${cid(1)} v2`, `invalidate ${ALICE}`]);
    expect(w.bus.dispatched).toHaveLength(1);
  });

  it('a stale expectedVersion -> VersionMismatch, nothing changed', async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }));
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'v2' }, 1));
    const before = w.effects(cid(1));
    const stale = w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'v3' }, 1));
    await expect(stale).rejects.toBeInstanceOf(VersionMismatch);
    await expect(stale).rejects.toMatchObject({ expected: 1, actual: 2 });
    expect(w.effects(cid(1))).toEqual(before);
  });

  it('an expectedVersion for a missing task -> TaskNotFound, nothing created', async () => {
    const w = world();
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }, 1))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.repo.rows.size).toBe(0);
    expect(w.bus.dispatched).toEqual([]);
    expect(w.log).toEqual([]);
  });

  it("another user's id -> TaskNotFound; their task unchanged and nothing created for the caller", async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(BOB, cid(1), { title: 'bob' }));
    const before = w.effects(cid(1));
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'alice' }))).rejects.toBeInstanceOf(TaskNotFound);
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'alice' }, 1))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.effects(cid(1))).toEqual(before);
    expect(w.repo.stateOf(cid(1))).toMatchObject({ ownerId: BOB, title: 'bob' });
    expect([...w.repo.rows.values()].filter((r) => r.state.ownerId === ALICE)).toEqual([]);
    expect(w.bus.dispatched).toHaveLength(1);
  });

  it('the id of a task one deleted -> TaskNotFound (never recreated)', async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }));
    await w.delete.execute(new DeleteTaskCommand(ALICE, cid(1)));
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.repo.stateOf(cid(1))?.deletedAt).not.toBeNull();
  });

  it('the parent is fixed at creation: a replacement must repeat it (parent_immutable)', async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent' });
    const other = await w.task(ALICE, { title: 'other' });
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'step', parentId: parent.id }));
    const before = w.effects(cid(1));
    for (const parentId of [undefined, null, other.id]) {
      const attempt = w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'step', parentId }));
      await expect(attempt).rejects.toBeInstanceOf(InvalidValue);
      await expect(attempt).rejects.toMatchObject({ code: 'parent_immutable', fields: [{ field: 'parentId' }] });
    }
    // A top-level task cannot gain a parent either.
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, other.id, { title: 'other', parentId: parent.id }))).rejects.toMatchObject({ code: 'parent_immutable' });
    expect(w.effects(cid(1))).toEqual(before);
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'step 2', parentId: parent.id }))).resolves.toMatchObject({ task: { version: 2 } });
  });

  it('the re-plan origin is fixed at creation (replan_of_immutable)', async () => {
    const w = world();
    const origin = await w.task(ALICE, { title: 'origin' });
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'replan', replanOf: origin.id }));
    const before = w.effects(cid(1));
    const attempt = w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'replan' }));
    await expect(attempt).rejects.toBeInstanceOf(InvalidValue);
    await expect(attempt).rejects.toMatchObject({ code: 'replan_of_immutable', fields: [{ field: 'replanOf' }] });
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, origin.id, { title: 'origin', replanOf: cid(1) }))).rejects.toMatchObject({
      code: 'replan_of_immutable',
    });
    expect(w.effects(cid(1))).toEqual(before);
  });
});

/** The shared rules of every command on an existing task. */
interface Verb {
  name: string;
  event: string;
  /** Brings a fresh open task into the state the verb needs (reopen needs a closed task). */
  prepare?: (w: World, id: string) => Promise<unknown>;
  run: (w: World, ownerId: string, id: string, expectedVersion?: number) => Promise<TaskView>;
  after: Partial<TaskView>;
}

const verbs: Verb[] = [
  {
    name: 'EditTask',
    event: 'task.edited.v1',
    run: (w, o, id, v) => w.edit.execute(new EditTaskCommand(o, id, { title: 'renamed' }, v)),
    after: { title: 'renamed', status: 'open' },
  },
  { name: 'CompleteTask', event: 'task.completed.v1', run: (w, o, id, v) => w.complete.execute(new CompleteTaskCommand(o, id, v)), after: { status: 'done' } },
  {
    name: 'FailTask',
    event: 'task.failed.v1',
    run: (w, o, id, v) => w.fail.execute(new FailTaskCommand(o, id, 'no_time', ' ran late ', v)),
    after: { status: 'failed', failure: { reason: 'no_time', note: 'ran late', at: '2026-03-01T09:00:10.000Z' } },
  },
  {
    name: 'PostponeTask',
    event: 'task.postponed.v1',
    run: (w, o, id, v) => w.postpone.execute(new PostponeTaskCommand(o, id, '2026-03-05', v)),
    after: { scheduledFor: '2026-03-05', deferrals: 1, status: 'open' },
  },
  {
    name: 'ReopenTask',
    event: 'task.reopened.v1',
    prepare: (w, id) => w.complete.execute(new CompleteTaskCommand(ALICE, id)),
    run: (w, o, id, v) => w.reopen.execute(new ReopenTaskCommand(o, id, v)),
    after: { status: 'open', closedAt: null },
  },
  { name: 'DropTask', event: 'task.dropped.v1', run: (w, o, id, v) => w.drop.execute(new DropTaskCommand(o, id, v)), after: { status: 'dropped' } },
  { name: 'DeleteTask', event: 'task.deleted.v1', run: (w, o, id, v) => w.delete.execute(new DeleteTaskCommand(o, id, v)), after: {} },
];

describe.each(verbs)('$name', (verb) => {
  async function ready() {
    const w = world();
    const task = await w.task(ALICE, { title: 'the task', scheduledFor: '2026-03-02' });
    await verb.prepare?.(w, task.id);
    const version = w.repo.stateOf(task.id)!.version;
    return { w, id: task.id, version };
  }

  it('records its event, answers the new view and invalidates the owner once, after the save', async () => {
    const { w, id, version } = await ready();
    const log = w.log.length;
    const events = w.repo.outbox.length;
    const view = await verb.run(w, ALICE, id, version);
    expect(view).toMatchObject({ id, version: version + 1, ...verb.after });
    expect(view).toEqual(viewOf(w.repo.stateOf(id)!));
    expect(w.repo.outbox.slice(events)).toEqual([expect.objectContaining({ type: verb.event, aggregateId: id, userId: ALICE, version: version + 1 })]);
    expect(w.log.slice(log)).toEqual([`save ${id} v${version + 1}`, `invalidate ${ALICE}`]);
  });

  it('works without an expectedVersion', async () => {
    const { w, id, version } = await ready();
    await expect(verb.run(w, ALICE, id)).resolves.toMatchObject({ version: version + 1 });
  });

  it('a stale expectedVersion -> VersionMismatch, nothing changed', async () => {
    const { w, id, version } = await ready();
    const before = w.effects(id);
    const stale = verb.run(w, ALICE, id, version + 1);
    await expect(stale).rejects.toBeInstanceOf(VersionMismatch);
    await expect(stale).rejects.toMatchObject({ expected: version + 1, actual: version });
    expect(w.effects(id)).toEqual(before);
  });

  it("another user's task -> TaskNotFound, that task unchanged", async () => {
    const { w, id, version } = await ready();
    const before = w.effects(id);
    await expect(verb.run(w, BOB, id)).rejects.toBeInstanceOf(TaskNotFound);
    await expect(verb.run(w, BOB, id, version)).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.effects(id)).toEqual(before);
  });

  it('an unknown id or a deleted task -> TaskNotFound', async () => {
    const { w, id } = await ready();
    await expect(verb.run(w, ALICE, cid(404))).rejects.toBeInstanceOf(TaskNotFound);
    await w.delete.execute(new DeleteTaskCommand(ALICE, id));
    const before = w.effects(id);
    await expect(verb.run(w, ALICE, id)).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.effects(id)).toEqual(before);
  });

  it('a concurrent write between load and save -> ConcurrentModification, no invalidation of its own', async () => {
    const { w, id } = await ready();
    w.repo.beforeNextSave(() => w.edit.execute(new EditTaskCommand(ALICE, id, { notes: 'meanwhile' })).then(() => undefined));
    await expect(verb.run(w, ALICE, id)).rejects.toBeInstanceOf(ConcurrentModification);
    expect(w.repo.stateOf(id)?.notes).toBe('meanwhile');
    // Only the other writer's commit and invalidation.
    expect(w.log.slice(-2)).toEqual([expect.stringMatching(/^save /), `invalidate ${ALICE}`]);
    expect(w.log.filter((l) => l.startsWith('invalidate')).length).toBe(w.repo.commits.length);
  });
});

describe('EditTask', () => {
  it('changes only the given fields; the event names only what changed', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', notes: 'keep', tags: ['t'], priority: 2 });
    const view = await w.edit.execute(new EditTaskCommand(ALICE, t.id, { title: 'b', estimateMinutes: 15 }));
    expect(view).toMatchObject({ title: 'b', notes: 'keep', tags: ['t'], priority: 2, estimateMinutes: 15 });
    expect(w.repo.outbox.at(-1)?.payload).toEqual({ changes: { title: 'b', estimateMinutes: 15 } });
  });

  it('an edit that changes nothing records nothing and invalidates nothing', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', notes: 'keep' });
    const before = w.effects(t.id);
    const view = await w.edit.execute(new EditTaskCommand(ALICE, t.id, { title: 'a', notes: 'keep' }, 1));
    expect(view.version).toBe(1);
    expect(w.effects(t.id)).toEqual(before);
  });

  it("reads a date-time in the user's time zone", async () => {
    const w = world();
    const t = await w.task(SEOUL, { title: 'a' });
    await w.edit.execute(new EditTaskCommand(SEOUL, t.id, { scheduledFor: '2026-03-01T20:00:00Z' }));
    expect(w.repo.stateOf(t.id)).toMatchObject({ scheduledDate: '2026-03-02', scheduledAt: '2026-03-01T20:00:00.000Z', deferrals: 0 });
  });

  it('an invalid value surfaces unchanged (InvalidValue), nothing saved', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a' });
    const before = w.effects(t.id);
    await expect(w.edit.execute(new EditTaskCommand(ALICE, t.id, { priority: 9 }))).rejects.toMatchObject({ code: 'invalid_priority' });
    expect(w.effects(t.id)).toEqual(before);
  });
});

describe('CompleteTask', () => {
  it('refuses a parent with a real open step (TaskHasOpenSteps); closed or deleted steps do not count', async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent' });
    const open = await w.task(ALICE, { title: 'open step', parentId: parent.id });
    const done = await w.task(ALICE, { title: 'done step', parentId: parent.id });
    const gone = await w.task(ALICE, { title: 'deleted step', parentId: parent.id });
    await w.complete.execute(new CompleteTaskCommand(ALICE, done.id));
    await w.delete.execute(new DeleteTaskCommand(ALICE, gone.id));
    const before = w.effects(parent.id);
    const refused = w.complete.execute(new CompleteTaskCommand(ALICE, parent.id));
    await expect(refused).rejects.toBeInstanceOf(TaskHasOpenSteps);
    await expect(refused).rejects.toMatchObject({ code: 'task_has_open_steps', message: expect.stringContaining('1 open step') });
    expect(w.effects(parent.id)).toEqual(before);
    await w.drop.execute(new DropTaskCommand(ALICE, open.id));
    await expect(w.complete.execute(new CompleteTaskCommand(ALICE, parent.id))).resolves.toMatchObject({ status: 'done' });
  });

  it("another user's open steps under an id are not counted (steps are owner-scoped)", async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent' });
    // Plant a row that claims the parent but belongs to someone else (cannot happen through the API).
    const foreign = await w.task(BOB, { title: 'bob' });
    w.repo.rows.get(foreign.id)!.state = { ...w.repo.rows.get(foreign.id)!.state, parentId: parent.id };
    await expect(w.complete.execute(new CompleteTaskCommand(ALICE, parent.id))).resolves.toMatchObject({ status: 'done' });
  });

  it('a closed task -> TaskNotOpen, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await w.complete.execute(new CompleteTaskCommand(ALICE, t.id));
    const before = w.effects(t.id);
    await expect(w.complete.execute(new CompleteTaskCommand(ALICE, t.id))).rejects.toBeInstanceOf(TaskNotOpen);
    expect(w.effects(t.id)).toEqual(before);
  });
});

describe('FailTask', () => {
  it('records the reason and the trimmed note, and what the coach reads', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', tags: ['w'], estimateMinutes: 20, scheduledFor: '2026-03-01' });
    await w.postpone.execute(new PostponeTaskCommand(ALICE, t.id, '2026-03-02'));
    await w.fail.execute(new FailTaskCommand(ALICE, t.id, 'blocked', '  waiting on IT  '));
    expect(w.repo.outbox.at(-1)).toMatchObject({
      type: 'task.failed.v1',
      payload: { reason: 'blocked', note: 'waiting on IT', deferrals: 1, scheduledDate: '2026-03-02', estimateMinutes: 20, tags: ['w'] },
    });
  });

  it('an invalid failure reason -> InvalidValue invalid_failure_reason, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE);
    const before = w.effects(t.id);
    const refused = w.fail.execute(new FailTaskCommand(ALICE, t.id, 'aliens', null));
    await expect(refused).rejects.toBeInstanceOf(InvalidValue);
    await expect(refused).rejects.toMatchObject({ code: 'invalid_failure_reason', fields: [{ field: 'reason' }] });
    expect(w.effects(t.id)).toEqual(before);
  });

  it('a note over 2000 characters -> InvalidValue invalid_note', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await expect(w.fail.execute(new FailTaskCommand(ALICE, t.id, 'other', 'x'.repeat(2001)))).rejects.toMatchObject({ code: 'invalid_note' });
    expect(w.repo.stateOf(t.id)?.status).toBe('open');
  });

  it('a dropped task -> TaskNotOpen, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await w.drop.execute(new DropTaskCommand(ALICE, t.id));
    const before = w.effects(t.id);
    await expect(w.fail.execute(new FailTaskCommand(ALICE, t.id, 'other', null))).rejects.toBeInstanceOf(TaskNotOpen);
    expect(w.effects(t.id)).toEqual(before);
  });
});

describe('PostponeTask', () => {
  it('not later than now -> PostponeMustMoveLater, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', scheduledFor: '2026-03-02' });
    const before = w.effects(t.id);
    for (const to of ['2026-03-02', '2026-03-01']) {
      const refused = w.postpone.execute(new PostponeTaskCommand(ALICE, t.id, to));
      await expect(refused).rejects.toBeInstanceOf(PostponeMustMoveLater);
      await expect(refused).rejects.toMatchObject({ code: 'postpone_not_later' });
    }
    expect(w.effects(t.id)).toEqual(before);
  });

  it("judges 'later' in the user's own days (Asia/Seoul)", async () => {
    const w = world();
    // 2026-03-01T20:00Z is the morning of 2 March in Seoul but still 1 March in UTC.
    const seoul = await w.task(SEOUL, { title: 'a', scheduledFor: '2026-03-02' });
    const utc = await w.task(ALICE, { title: 'a', scheduledFor: '2026-03-02' });
    await expect(w.postpone.execute(new PostponeTaskCommand(SEOUL, seoul.id, '2026-03-01T20:00:00Z'))).resolves.toMatchObject({
      scheduledFor: '2026-03-01T20:00:00.000Z',
      deferrals: 1,
    });
    expect(w.repo.stateOf(seoul.id)?.scheduledDate).toBe('2026-03-02');
    await expect(w.postpone.execute(new PostponeTaskCommand(ALICE, utc.id, '2026-03-01T20:00:00Z'))).rejects.toBeInstanceOf(PostponeMustMoveLater);
  });

  it('an unscheduled task can be postponed to any time; a done one cannot (TaskNotOpen)', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await expect(w.postpone.execute(new PostponeTaskCommand(ALICE, t.id, '2026-01-01'))).resolves.toMatchObject({ scheduledFor: '2026-01-01' });
    expect(w.repo.outbox.at(-1)?.payload).toMatchObject({ from: null, to: '2026-01-01', deferrals: 1 });
    await w.complete.execute(new CompleteTaskCommand(ALICE, t.id));
    const before = w.effects(t.id);
    await expect(w.postpone.execute(new PostponeTaskCommand(ALICE, t.id, '2026-05-01'))).rejects.toBeInstanceOf(TaskNotOpen);
    expect(w.effects(t.id)).toEqual(before);
  });

  it('an invalid date -> InvalidValue, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await expect(w.postpone.execute(new PostponeTaskCommand(ALICE, t.id, '2026-02-30'))).rejects.toMatchObject({ code: 'invalid_schedule' });
    expect(w.repo.stateOf(t.id)?.version).toBe(1);
  });
});

describe('ReopenTask', () => {
  it('a failed task reopens without its failure', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await w.fail.execute(new FailTaskCommand(ALICE, t.id, 'forgot', null));
    const view = await w.reopen.execute(new ReopenTaskCommand(ALICE, t.id, 2));
    expect(view).toMatchObject({ status: 'open', failure: null, closedAt: null, version: 3 });
    expect(w.repo.outbox.at(-1)?.payload).toEqual({ previousStatus: 'failed' });
  });

  it('an open or a dropped task -> TaskCannotBeReopened, unchanged', async () => {
    const w = world();
    const open = await w.task(ALICE);
    const dropped = await w.task(ALICE);
    await w.drop.execute(new DropTaskCommand(ALICE, dropped.id));
    for (const id of [open.id, dropped.id]) {
      const before = w.effects(id);
      const refused = w.reopen.execute(new ReopenTaskCommand(ALICE, id));
      await expect(refused).rejects.toBeInstanceOf(TaskCannotBeReopened);
      await expect(refused).rejects.toMatchObject({ code: 'task_cannot_be_reopened' });
      expect(w.effects(id)).toEqual(before);
    }
  });
});

describe('DropTask', () => {
  it('a dropped task -> TaskNotOpen, unchanged; its steps keep their own status', async () => {
    const w = world();
    const parent = await w.task(ALICE);
    const step = await w.task(ALICE, { title: 'step', parentId: parent.id });
    await w.drop.execute(new DropTaskCommand(ALICE, parent.id));
    expect(w.repo.stateOf(step.id)?.status).toBe('open');
    const before = w.effects(parent.id);
    await expect(w.drop.execute(new DropTaskCommand(ALICE, parent.id))).rejects.toBeInstanceOf(TaskNotOpen);
    expect(w.effects(parent.id)).toEqual(before);
  });
});

describe('DeleteTask', () => {
  it('soft-deletes: gone for the owner, the row and its claim kept', async () => {
    const w = world();
    const t = await w.task(ALICE, { id: cid(1), title: 'a' });
    await w.delete.execute(new DeleteTaskCommand(ALICE, t.id));
    await expect(w.repo.get(ALICE, t.id)).resolves.toBeNull();
    await expect(w.repo.claimOf(t.id)).resolves.toMatchObject({ ownerId: ALICE, deleted: true });
    expect(w.repo.stateOf(t.id)?.deletedAt).toBe('2026-03-01T09:00:10.000Z');
    await expect(w.get.execute(new GetTaskQuery(ALICE, t.id))).rejects.toBeInstanceOf(TaskNotFound);
  });

  it('a task with steps (open or closed) -> TaskHasSteps, unchanged; deletable once its steps are deleted', async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent' });
    const step = await w.task(ALICE, { title: 'step', parentId: parent.id });
    await w.complete.execute(new CompleteTaskCommand(ALICE, step.id));
    const before = w.effects(parent.id);
    const refused = w.delete.execute(new DeleteTaskCommand(ALICE, parent.id));
    await expect(refused).rejects.toBeInstanceOf(TaskHasSteps);
    await expect(refused).rejects.toMatchObject({ code: 'task_has_steps' });
    expect(w.effects(parent.id)).toEqual(before);
    await w.delete.execute(new DeleteTaskCommand(ALICE, step.id));
    await expect(w.delete.execute(new DeleteTaskCommand(ALICE, parent.id))).resolves.toMatchObject({ version: 2 });
  });
});

describe('GetTask', () => {
  it('answers the ETag "<version>" and the view as JSON', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', notes: 'two\nlines' });
    const got = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(got.etag).toBe('"1"');
    expect(got.etag).toBe(etagOf(t.version));
    expect(JSON.parse(got.json)).toEqual(t);
    expect(etagOf(12)).toBe('"12"');
    // The cached form is `etag\njson`, split at the first line break (a note's line break is escaped in JSON).
    const raw = await w.cache.read(ALICE, `task:${t.id}`, () => Promise.reject(new Error('should be a hit')));
    expect(raw).toBe(`"1"\n${JSON.stringify(t)}`);
  });

  it('a hit does not call the read model; a miss calls it once', async () => {
    const w = world();
    const t = await w.task(ALICE);
    const first = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(w.readModel.gets).toEqual([{ ownerId: ALICE, id: t.id }]);
    const second = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(second).toEqual(first);
    expect(w.readModel.calls).toBe(1);
  });

  it('a write makes the next get load again and see the new version', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await w.get.execute(new GetTaskQuery(ALICE, t.id));
    await w.complete.execute(new CompleteTaskCommand(ALICE, t.id));
    const after = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(after.etag).toBe('"2"');
    expect(JSON.parse(after.json)).toMatchObject({ status: 'done', version: 2 });
    expect(w.readModel.gets).toHaveLength(2);
  });

  it('an unknown id -> TaskNotFound, and the miss is cached too', async () => {
    const w = world();
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(404)))).rejects.toBeInstanceOf(TaskNotFound);
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(404)))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.readModel.gets).toHaveLength(1);
    expect(w.cache.loads).toEqual([{ userId: ALICE, key: `task:${cid(404)}` }]);
  });

  it("another user's task -> TaskNotFound; the owner still reads it", async () => {
    const w = world();
    const t = await w.task(BOB);
    await expect(w.get.execute(new GetTaskQuery(ALICE, t.id))).rejects.toBeInstanceOf(TaskNotFound);
    await expect(w.get.execute(new GetTaskQuery(BOB, t.id))).resolves.toMatchObject({ etag: '"1"' });
  });

  it('a cached miss ends when the owner creates the task', async () => {
    const w = world();
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(1)))).rejects.toBeInstanceOf(TaskNotFound);
    await w.task(ALICE, { id: cid(1), title: 'now here' });
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(1)))).resolves.toMatchObject({ etag: '"1"' });
  });
});

describe('ListTasks', () => {
  const page = (json: string) => JSON.parse(json) as { items: TaskView[]; nextCursor: string | null };
  const list = (w: World, filter: TaskListFilter = {}, sort: TaskSort = 'createdAt', limit = 50, after?: TaskCursor, owner = ALICE) =>
    w.list.execute(new ListTasksQuery(owner, filter, sort, limit, after));

  it('answers a string that parses to {items, nextCursor}, owner-scoped', async () => {
    const w = world();
    const a = await w.task(ALICE, { title: 'a' });
    w.clock.advance(1000);
    const b = await w.task(ALICE, { title: 'b' });
    await w.task(BOB, { title: 'bob' });
    const json = await list(w);
    expect(typeof json).toBe('string');
    expect(page(json)).toEqual({ items: [a, b], nextCursor: null });
    expect(Object.keys(page(json))).toEqual(['items', 'nextCursor']);
  });

  it('a hit does not call the read model; a write makes it load again', async () => {
    const w = world();
    await w.task(ALICE, { title: 'a' });
    const first = await list(w);
    expect(w.readModel.lists).toHaveLength(1);
    expect(await list(w)).toBe(first);
    expect(w.readModel.calls).toBe(1);
    // Other filters, sorts, limits and users are other entries.
    await list(w, { status: ['open'] });
    await list(w, {}, '-createdAt');
    await list(w, {}, 'createdAt', 10);
    await list(w, {}, 'createdAt', 50, undefined, BOB);
    expect(w.readModel.lists).toHaveLength(5);
    await w.task(ALICE, { title: 'b' });
    expect(page(await list(w)).items.map((t) => t.title)).toEqual(['a', 'b']);
    expect(w.readModel.lists).toHaveLength(6);
  });

  it('pages with a keyset cursor in every sort: no gaps, no duplicates, unscheduled last', async () => {
    const w = world();
    const made: TaskView[] = [];
    for (const scheduledFor of ['2026-03-04', null, '2026-03-02', '2026-03-02T12:00:00Z', null, '2026-03-01']) {
      made.push(await w.task(ALICE, { title: `t${made.length}`, scheduledFor }));
      w.clock.advance(1000);
    }
    const byCreated = made.map((t) => t.title);
    const bySchedule = ['t5', 't2', 't3', 't0', 't1', 't4'];
    const expected: Record<TaskSort, string[]> = {
      createdAt: byCreated,
      '-createdAt': [...byCreated].reverse(),
      scheduledFor: bySchedule,
      '-scheduledFor': [...bySchedule].reverse(),
    };
    for (const sort of Object.keys(expected) as TaskSort[]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const p = page(await list(w, {}, sort, 4, cursor ? decodeCursor(cursor, sort) : undefined));
        seen.push(...p.items.map((t) => t.title));
        cursor = p.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect({ sort, seen, pages }).toEqual({ sort, seen: expected[sort], pages: 2 });
    }
  });

  it('passes filters to the read model and answers what they select', async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent', tags: ['Work'], scheduledFor: '2026-03-02' });
    await w.task(ALICE, { title: 'step', parentId: parent.id, dueAt: '2026-03-01T08:00:00Z' });
    const titles = async (filter: TaskListFilter) => page(await list(w, filter)).items.map((t) => t.title);
    expect(await titles({ tag: 'work' })).toEqual(['parent']);
    expect(await titles({ parentId: null })).toEqual(['parent']);
    expect(await titles({ parentId: parent.id })).toEqual(['step']);
    expect(await titles({ scheduledFrom: '2026-03-02', scheduledTo: '2026-03-02' })).toEqual(['parent']);
    expect(await titles({ overdue: true })).toEqual(['step']);
    expect(w.readModel.lists.at(-1)).toMatchObject({ ownerId: ALICE, filter: { overdue: true }, sort: 'createdAt', limit: 50 });
  });

  it('overdue queries within one minute share an entry (judged at the minute); the next minute does not', async () => {
    const w = world(); // 09:00:10
    const t = await w.task(ALICE, { title: 'due', dueAt: '2026-03-01T09:00:30Z' });
    expect(page(await list(w, { overdue: true })).items).toEqual([]);
    expect(w.readModel.lists[0].now).toBe('2026-03-01T09:00:00.000Z');
    w.clock.advance(40_000); // 09:00:50: past due, but judged at 09:00 like the first query
    expect(page(await list(w, { overdue: true })).items).toEqual([]);
    expect(w.readModel.lists).toHaveLength(1);
    w.clock.advance(20_000); // 09:01:10
    expect(page(await list(w, { overdue: true })).items.map((x) => x.id)).toEqual([t.id]);
    expect(w.readModel.lists).toHaveLength(2);
    expect(w.readModel.lists[1].now).toBe('2026-03-01T09:01:00.000Z');
    // A query that does not depend on the time keeps its entry across minutes.
    await list(w, { status: ['open'] });
    w.clock.advance(120_000);
    await list(w, { status: ['open'] });
    expect(w.readModel.lists).toHaveLength(3);
  });

  it('overdue=false is an overdue query too: judged at the same minute as overdue=true, so the two lists partition the tasks', async () => {
    const w = world(); // 09:00:10
    const t = await w.task(ALICE, { title: 'due', dueAt: '2026-03-01T09:00:30Z' });
    w.clock.advance(30_000); // 09:00:40: due 10 s ago, but overdue is judged at 09:00
    const overdue = page(await list(w, { overdue: true })).items.map((x) => x.id);
    const notOverdue = page(await list(w, { overdue: false })).items.map((x) => x.id);
    expect(overdue).toEqual([]);
    // Today it is judged at the exact instant (09:00:40), so the task is in neither list.
    expect(notOverdue).toEqual([t.id]);
    expect(w.readModel.lists.map((q) => q.now)).toEqual(['2026-03-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z']);
  });

  it('overdue=false queries in the next minute do not share the entry (a task that became overdue leaves the list)', async () => {
    const w = world(); // 09:00:10
    const t = await w.task(ALICE, { title: 'due', dueAt: '2026-03-01T09:00:30Z' });
    expect(page(await list(w, { overdue: false })).items.map((x) => x.id)).toEqual([t.id]);
    w.clock.advance(60_000); // 09:01:10
    // Today the key has no minute for overdue=false: the 09:00 entry is served, the overdue task still listed.
    expect(page(await list(w, { overdue: false })).items).toEqual([]);
    expect(w.readModel.lists).toHaveLength(2);
  });

  describe('cursors', () => {
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const rejects = (raw: string, sort: TaskSort) => {
      let error: unknown;
      try {
        decodeCursor(raw, sort);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidValue);
      expect(error).toMatchObject({ code: 'invalid_cursor', fields: [{ field: 'cursor' }] });
    };

    it('round-trips a cursor of the same sort', () => {
      const c: TaskCursor = { sort: '-scheduledFor', key: '~', id: cid(1) };
      expect(decodeCursor(encodeCursor(c), '-scheduledFor')).toEqual(c);
    });

    it('a cursor from another sort -> InvalidValue invalid_cursor', async () => {
      const w = world();
      for (let i = 0; i < 3; i++) await w.task(ALICE, { title: `t${i}` });
      const { nextCursor } = page(await list(w, {}, 'createdAt', 2));
      expect(nextCursor).toEqual(expect.any(String));
      expect(decodeCursor(nextCursor!, 'createdAt')).toMatchObject({ sort: 'createdAt' });
      for (const sort of ['-createdAt', 'scheduledFor', '-scheduledFor'] as const) rejects(nextCursor!, sort);
    });

    it('garbage -> InvalidValue invalid_cursor', () => {
      for (const raw of ['garbage', '', '%7B%7D', forge({}), forge(null), forge(5), forge('createdAt'), forge(['createdAt', 1, cid(1)]), forge(['createdAt', 'x'.repeat(65), cid(1)])]) {
        rejects(raw, 'createdAt');
      }
    });

    // decodeCursor accepts any string key and id up to 64 characters; the SQL read model then casts them to
    // timestamptz and uuid and fails (a 500 instead of a 400; test/e2e/tasks.e2e.spec.ts expects invalid_cursor).
    it('a well-formed cursor whose key is not a timestamp -> InvalidValue invalid_cursor', () => {
      rejects(forge(['createdAt', 'not-a-time', cid(1)]), 'createdAt');
    });

    it('a well-formed cursor whose id is not a uuid -> InvalidValue invalid_cursor', () => {
      rejects(forge(['createdAt', '2026-01-01T00:00:00.000000Z', 'not-a-uuid']), 'createdAt');
    });
  });
});
