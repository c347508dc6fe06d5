import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application.errors';
import type { EventContext } from '@ln/kernel/domain/aggregate-root.base';
import type { StoredTask } from '@ln/tasks/application/ports/task-batch-store.port';
import { BatchTasks } from '@ln/tasks/application/queued-writes/batch-tasks';
import { Task, type TaskState } from '@ln/tasks/domain/task.aggregate';
import { TaskIdConflict } from '@ln/tasks/domain/task.errors';

/**
 * The worker batch's in-memory view of storage: what it reads (once), what it answers as the
 * repository would, what a command's saves stage, commit or discard, and what it leaves to write.
 */

const ALICE = 'user-alice';
const BOB = 'user-bob';
const NOBODY = 'user-nobody';
const tid = (n: number) => `0195a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

let n = 0;
const ctx: EventContext = { eventId: () => `evt-${++n}`, now: () => new Date('2026-03-01T09:00:00.000Z') };

function newTask(id: string, ownerId = ALICE, parent: { id: string; depth: number } | null = null): Task {
  return Task.create(ctx, { id, ownerId, timezone: null, input: { title: `task ${id}` }, parent });
}

/** A stored task at version 1 (as a committed create leaves it). */
function storedTask(id: string, options: { ownerId?: string; parentId?: string; deleted?: boolean; done?: boolean; fingerprint?: string | null } = {}): StoredTask {
  const task = newTask(id, options.ownerId ?? ALICE, options.parentId ? { id: options.parentId, depth: 0 } : null);
  task.pullEvents();
  let state: TaskState = task.state;
  state = { ...state, version: 1 };
  if (options.done) state = { ...state, status: 'done' };
  if (options.deleted) state = { ...state, deletedAt: '2026-03-01T08:00:00.000Z' };
  return { state, createFingerprint: options.fingerprint ?? null };
}

/** Storage rows; load answers like the batch store: the ids asked, and the steps not deleted of any of them. */
function storage(rows: StoredTask[]) {
  const byId = new Map(rows.map((r) => [r.state.id, r]));
  const loads: string[][] = [];
  const load = async (ids: readonly string[]) => {
    loads.push([...ids]);
    const wanted = new Set(ids);
    return [...byId.values()].filter((r) => wanted.has(r.state.id) || (r.state.parentId !== null && wanted.has(r.state.parentId) && r.state.deletedAt === null));
  };
  const tasks = new BatchTasks(load, (userId) => userId !== NOBODY);
  return { byId, loads, tasks };
}

/** A stored task loaded, changed (one event), ready to save. */
async function edited(tasks: BatchTasks, ownerId: string, id: string): Promise<Task> {
  const task = (await tasks.get(ownerId, id))!;
  task.drop(ctx);
  return task;
}

describe('BatchTasks reads', () => {
  it('prefetch reads each id once (deduplicated), and never again once read', async () => {
    const s = storage([storedTask(tid(1)), storedTask(tid(2))]);
    await s.tasks.prefetch([tid(1), tid(1), tid(2)]);
    await s.tasks.prefetch([tid(2), tid(1)]);
    await s.tasks.prefetch([]);
    await s.tasks.prefetch([tid(2), tid(3)]);
    expect(s.loads).toEqual([[tid(1), tid(2)], [tid(3)]]);
  });

  it('get answers the owner a live task from what was read, without reading again', async () => {
    const s = storage([storedTask(tid(1)), storedTask(tid(2), { ownerId: BOB }), storedTask(tid(3), { deleted: true })]);
    await s.tasks.prefetch([tid(1), tid(2), tid(3), tid(4)]);
    expect((await s.tasks.get(ALICE, tid(1)))?.state).toEqual(s.byId.get(tid(1))!.state);
    expect(await s.tasks.get(ALICE, tid(2))).toBeNull();
    expect((await s.tasks.get(BOB, tid(2)))?.id).toBe(tid(2));
    expect(await s.tasks.get(ALICE, tid(3))).toBeNull();
    expect(await s.tasks.get(ALICE, tid(4))).toBeNull();
    expect(s.loads).toHaveLength(1);
  });

  it('an id the batch did not foresee is read when asked (one more load), then known', async () => {
    const s = storage([storedTask(tid(1))]);
    expect((await s.tasks.get(ALICE, tid(1)))?.id).toBe(tid(1));
    expect(await s.tasks.get(ALICE, tid(1))).not.toBeNull();
    expect(await s.tasks.claimOf(tid(9))).toBeNull();
    expect(await s.tasks.claimOf(tid(9))).toBeNull();
    expect(s.loads).toEqual([[tid(1)], [tid(9)]]);
  });

  it('keeps a task as first read: a later read that returns it again (as a step) does not replace it', async () => {
    const s = storage([storedTask(tid(1)), storedTask(tid(2), { parentId: tid(1) })]);
    await s.tasks.prefetch([tid(2)]);
    s.byId.set(tid(2), { ...s.byId.get(tid(2))!, state: { ...s.byId.get(tid(2))!.state, title: 'changed later', version: 5 } });
    await s.tasks.prefetch([tid(1)]);
    expect((await s.tasks.get(ALICE, tid(2)))?.state).toMatchObject({ title: `task ${tid(2)}`, version: 1 });
  });

  it('claimOf answers any owner, with the create digest and whether it is deleted', async () => {
    const s = storage([storedTask(tid(1), { ownerId: BOB, fingerprint: 'fp-1' }), storedTask(tid(2), { deleted: true })]);
    await s.tasks.prefetch([tid(1), tid(2)]);
    expect(await s.tasks.claimOf(tid(1))).toEqual({ ownerId: BOB, createFingerprint: 'fp-1', deleted: false });
    expect(await s.tasks.claimOf(tid(2))).toEqual({ ownerId: ALICE, createFingerprint: null, deleted: true });
  });

  it('countSteps counts the owner’s live steps and the open ones, reading the parent’s steps when not read yet', async () => {
    const p = tid(1);
    const s = storage([
      storedTask(p),
      storedTask(tid(2), { parentId: p }),
      storedTask(tid(3), { parentId: p, done: true }),
      storedTask(tid(4), { parentId: p, ownerId: BOB }),
      storedTask(tid(5), { parentId: p, deleted: true }),
      storedTask(tid(6), { parentId: p }),
    ]);
    expect(await s.tasks.countSteps(ALICE, p)).toEqual({ total: 3, open: 2 });
    expect(await s.tasks.countSteps(BOB, p)).toEqual({ total: 1, open: 1 });
    expect(s.loads).toEqual([[p]]);
  });

  it('countSteps of a task without steps is zero, read once', async () => {
    const s = storage([storedTask(tid(1))]);
    expect(await s.tasks.countSteps(ALICE, tid(1))).toEqual({ total: 0, open: 0 });
    expect(await s.tasks.countSteps(ALICE, tid(1))).toEqual({ total: 0, open: 0 });
    expect(s.loads).toEqual([[tid(1)]]);
  });

  it('countSteps follows what the batch changed: a step deleted or closed in the batch, a step created in it', async () => {
    const p = tid(1);
    const s = storage([storedTask(p), storedTask(tid(2), { parentId: p }), storedTask(tid(3), { parentId: p })]);
    await s.tasks.prefetch([p]);
    await s.tasks.save(await edited(s.tasks, ALICE, tid(2)));
    s.tasks.commit();
    const gone = (await s.tasks.get(ALICE, tid(3)))!;
    gone.delete(ctx, 0);
    await s.tasks.save(gone);
    s.tasks.commit();
    expect(await s.tasks.countSteps(ALICE, p)).toEqual({ total: 1, open: 0 });
    await s.tasks.save(newTask(tid(4), ALICE, { id: p, depth: 0 }));
    expect(await s.tasks.countSteps(ALICE, p)).toEqual({ total: 2, open: 1 });
    s.tasks.commit();
    expect(await s.tasks.countSteps(ALICE, p)).toEqual({ total: 2, open: 1 });
    expect(s.loads).toEqual([[p], [tid(4)]]);
  });
});

describe('BatchTasks saves', () => {
  it('a save without events changes nothing', async () => {
    const s = storage([storedTask(tid(1))]);
    const task = (await s.tasks.get(ALICE, tid(1)))!;
    await s.tasks.save(task);
    s.tasks.commit();
    expect(s.tasks.writes()).toEqual({ inserts: [], updates: [], events: [] });
    expect(s.tasks.owners()).toEqual(new Set());
  });

  it('a new task is staged, seen by later reads, and after commit is an insert with its digest and its events', async () => {
    const s = storage([]);
    await s.tasks.prefetch([tid(1)]);
    const task = newTask(tid(1));
    const events = task.peekEvents().map((e) => e.eventId);
    await s.tasks.save(task, 'fp');
    expect((await s.tasks.get(ALICE, tid(1)))?.id).toBe(tid(1));
    s.tasks.commit();
    expect((await s.tasks.get(ALICE, tid(1)))?.state).toMatchObject({ id: tid(1), version: 1 });
    expect(await s.tasks.claimOf(tid(1))).toEqual({ ownerId: ALICE, createFingerprint: 'fp', deleted: false });
    const w = s.tasks.writes();
    expect(w.inserts).toEqual([{ state: expect.objectContaining({ id: tid(1), version: 1 }), createFingerprint: 'fp' }]);
    expect(w.updates).toEqual([]);
    expect(w.events.map((e) => e.eventId)).toEqual(events);
    expect(s.tasks.owners()).toEqual(new Set([ALICE]));
  });

  it('a new task without a digest is inserted with null', async () => {
    const s = storage([]);
    await s.tasks.save(newTask(tid(1)));
    s.tasks.commit();
    expect(s.tasks.writes().inserts).toEqual([{ state: expect.objectContaining({ id: tid(1) }), createFingerprint: null }]);
  });

  it('a new task is refused when its id is taken (TaskIdConflict) or its owner has no account (UserNotFound)', async () => {
    const s = storage([storedTask(tid(1), { ownerId: BOB })]);
    await expect(s.tasks.save(newTask(tid(1)))).rejects.toBeInstanceOf(TaskIdConflict);
    await expect(s.tasks.save(newTask(tid(2), NOBODY))).rejects.toBeInstanceOf(UserNotFound);
    s.tasks.commit();
    expect(s.tasks.writes()).toEqual({ inserts: [], updates: [], events: [] });
  });

  it('a change to a stored task is an update checked against the version read, keeping its digest', async () => {
    const s = storage([storedTask(tid(1), { fingerprint: 'fp-1' })]);
    const task = await edited(s.tasks, ALICE, tid(1));
    const events = task.peekEvents().map((e) => e.eventId);
    await s.tasks.save(task);
    s.tasks.commit();
    // A second command changes it again: still one update, from the version storage had.
    const again = (await s.tasks.get(ALICE, tid(1)))!;
    expect(again.state).toMatchObject({ status: 'dropped', version: 2 });
    again.delete(ctx, 0);
    const more = again.peekEvents().map((e) => e.eventId);
    await s.tasks.save(again);
    s.tasks.commit();
    expect(s.tasks.writes()).toEqual({
      inserts: [],
      updates: [{ state: expect.objectContaining({ id: tid(1), deletedAt: expect.any(String), version: 3 }), loadedVersion: 1 }],
      events: [...events, ...more].map((eventId) => expect.objectContaining({ eventId })),
    });
    expect(await s.tasks.claimOf(tid(1))).toMatchObject({ createFingerprint: 'fp-1' });
  });

  it('an update is refused (ConcurrentModification) when the version moved, the owner differs or the task is unknown', async () => {
    const s = storage([storedTask(tid(1)), storedTask(tid(2), { ownerId: BOB })]);
    await s.tasks.prefetch([tid(1), tid(2), tid(3)]);
    const stale = Task.restore({ ...s.byId.get(tid(1))!.state, version: 4 });
    stale.drop(ctx);
    await expect(s.tasks.save(stale)).rejects.toThrow(new ConcurrentModification('task').message);
    const foreign = Task.restore({ ...s.byId.get(tid(2))!.state, ownerId: ALICE });
    foreign.drop(ctx);
    await expect(s.tasks.save(foreign)).rejects.toBeInstanceOf(ConcurrentModification);
    const unknown = Task.restore({ ...s.byId.get(tid(1))!.state, id: tid(3) });
    unknown.drop(ctx);
    await expect(s.tasks.save(unknown)).rejects.toBeInstanceOf(ConcurrentModification);
    s.tasks.commit();
    expect(s.tasks.writes()).toEqual({ inserts: [], updates: [], events: [] });
  });

  it('discard drops the running command’s saves and events; the next command starts clean', async () => {
    const s = storage([storedTask(tid(1))]);
    await s.tasks.save(await edited(s.tasks, ALICE, tid(1)));
    await s.tasks.save(newTask(tid(2)));
    s.tasks.discard();
    expect((await s.tasks.get(ALICE, tid(1)))?.state).toMatchObject({ status: 'open', version: 1 });
    expect(await s.tasks.get(ALICE, tid(2))).toBeNull();
    s.tasks.commit();
    expect(s.tasks.writes()).toEqual({ inserts: [], updates: [], events: [] });
    expect(s.tasks.owners()).toEqual(new Set());
  });

  it('commit leaves nothing staged: events are written once each, in order', async () => {
    const s = storage([]);
    const a = newTask(tid(1));
    const b = newTask(tid(2), BOB);
    const ids = [...a.peekEvents(), ...b.peekEvents()].map((e) => e.eventId);
    await s.tasks.save(a);
    s.tasks.commit();
    await s.tasks.save(b);
    s.tasks.commit();
    s.tasks.commit();
    const w = s.tasks.writes();
    expect(w.events.map((e) => e.eventId)).toEqual(ids);
    expect(w.inserts.map((t) => t.state.id)).toEqual([tid(1), tid(2)]);
    expect(s.tasks.owners()).toEqual(new Set([ALICE, BOB]));
  });
});
