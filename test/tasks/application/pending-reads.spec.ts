import { Logger } from '@nestjs/common';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { ListTasksQuery } from '@ln/tasks/application/list-tasks/list-tasks.query';
import { decodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import type { PendingWrite } from '@ln/tasks/application/queued-writes/ports/pending-writes.port';
import type { TaskSort, TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { Task, type TaskInput, type TaskState } from '@ln/tasks/domain/task.aggregate';
import { TaskNotFound } from '@ln/tasks/domain/task.errors';
import { ALICE, BOB, cid, world, type World } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

/**
 * The author's reads over their own queued writes that no worker has applied yet (the pending
 * overlay), through the query handlers with in-memory ports. The overlay's own rules are specified
 * in pending-overlay.spec.ts; this is that the handlers use it.
 */
const ctx = { eventId: () => 'event', now: () => new Date('2026-03-01T09:05:00.000Z') };
let commands = 0;

async function pend(w: World, ownerId: string, state: TaskState): Promise<void> {
  commands += 1;
  // The in-memory overlay keeps a write for 15 minutes of real time from its acceptance.
  await w.pending.add(ownerId, { commandId: `command-${commands}`, type: 'edit', taskId: state.id, state, createFingerprint: null, acceptedAt: new Date().toISOString() } satisfies PendingWrite);
}

/** The state a queued edit of a stored task will give it. */
function edited(w: World, id: string, input: Partial<TaskInput>): TaskState {
  const task = Task.restore(w.repo.stateOf(id)!);
  task.edit(ctx, input, 'UTC');
  return task.state;
}

/** The state of a queued create (not stored yet). */
function created(ownerId: string, id: string, input: TaskInput): TaskState {
  return Task.create(ctx, { id, ownerId, timezone: 'UTC', input }).state;
}

describe('GetTask over the author’s pending writes', () => {
  it('answers the pending state and its version as the ETag, not the stored one', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'stored' });
    await pend(w, ALICE, edited(w, t.id, { title: 'pending' }));
    const got = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(got.etag).toBe('"2"');
    expect(JSON.parse(got.json)).toMatchObject({ id: t.id, title: 'pending', version: 2 });
    // Storage still has version 1.
    expect(w.repo.stateOf(t.id)).toMatchObject({ title: 'stored', version: 1 });
  });

  it('a pending create is found before it is stored; a pending delete hides the stored task', async () => {
    const w = world();
    await pend(w, ALICE, created(ALICE, cid(5), { title: 'queued' }));
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(5)))).resolves.toMatchObject({ etag: '"1"' });

    const t = await w.task(ALICE, { title: 'to delete' });
    const gone = Task.restore(w.repo.stateOf(t.id)!);
    gone.delete(ctx, 0);
    await pend(w, ALICE, gone.state);
    await expect(w.get.execute(new GetTaskQuery(ALICE, t.id))).rejects.toBeInstanceOf(TaskNotFound);
  });

  it('a pending write storage has caught up with changes nothing; other users never see it', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'stored' });
    // Version 1 is what storage already has: the write was applied.
    await pend(w, ALICE, { ...w.repo.stateOf(t.id)!, title: 'stale' });
    await expect(w.get.execute(new GetTaskQuery(ALICE, t.id))).resolves.toMatchObject({ etag: '"1"' });
    expect(JSON.parse((await w.get.execute(new GetTaskQuery(ALICE, t.id))).json)).toMatchObject({ title: 'stored' });
    // Bob has no pending writes: his missing task stays missing.
    await pend(w, ALICE, created(ALICE, cid(6), { title: 'alice only' }));
    await expect(w.get.execute(new GetTaskQuery(BOB, cid(6)))).rejects.toBeInstanceOf(TaskNotFound);
  });
});

describe('ListTasks over the author’s pending writes, sorted by schedule', () => {
  async function scheduled() {
    const w = world();
    const a = await w.task(ALICE, { title: 'a', scheduledFor: '2026-03-02' });
    const b = await w.task(ALICE, { title: 'b', scheduledFor: '2026-03-04' });
    const none = await w.task(ALICE, { title: 'unscheduled' });
    // Queued: a moves to the 6th; c, new, is on the 5th at 10:00.
    await pend(w, ALICE, edited(w, a.id, { scheduledFor: '2026-03-06' }));
    await pend(w, ALICE, created(ALICE, cid(9), { title: 'c', scheduledFor: '2026-03-05T10:00:00Z' }));
    return { w, a: a.id, b: b.id, none: none.id };
  }

  async function titles(w: World, sort: TaskSort, limit = 10): Promise<{ titles: string[]; nextCursor: string | null }> {
    const page = JSON.parse(await w.list.execute(new ListTasksQuery(ALICE, {}, sort, limit))) as { items: TaskView[]; nextCursor: string | null };
    return { titles: page.items.map((v) => v.title), nextCursor: page.nextCursor };
  }

  it('-scheduledFor: latest schedule first, with the pending schedules in place of the stored ones', async () => {
    const { w } = await scheduled();
    expect((await titles(w, '-scheduledFor')).titles).toEqual(['unscheduled', 'a', 'c', 'b']);
  });

  it('scheduledFor: earliest first, unscheduled last', async () => {
    const { w } = await scheduled();
    expect((await titles(w, 'scheduledFor')).titles).toEqual(['b', 'c', 'a', 'unscheduled']);
  });

  it('a page cut short by the pending items continues where it stopped', async () => {
    const { w } = await scheduled();
    const first = await titles(w, '-scheduledFor', 2);
    expect(first.titles).toEqual(['unscheduled', 'a']);
    expect(first.nextCursor).not.toBeNull();
    const after = decodeCursor(first.nextCursor!, '-scheduledFor');
    const rest = JSON.parse(await w.list.execute(new ListTasksQuery(ALICE, {}, '-scheduledFor', 2, after))) as { items: TaskView[] };
    expect(rest.items.map((v) => v.title)).toEqual(['c', 'b']);
  });

  it('without pending writes the stored order stands (and another user sees only theirs)', async () => {
    const w = world();
    await w.task(ALICE, { title: 'a', scheduledFor: '2026-03-02' });
    await w.task(ALICE, { title: 'b', scheduledFor: '2026-03-04' });
    expect((await titles(w, '-scheduledFor')).titles).toEqual(['b', 'a']);
    await pend(w, BOB, created(BOB, cid(3), { title: 'bob', scheduledFor: '2026-03-03' }));
    expect((await titles(w, '-scheduledFor')).titles).toEqual(['b', 'a']);
  });
});
