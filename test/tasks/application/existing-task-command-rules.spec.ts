import { Logger } from '@nestjs/common';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import type { TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { TaskNotFound, VersionMismatch } from '@ln/tasks/domain/task.errors';
import { viewOf } from '../../support/task-fakes';
import { ALICE, BOB, cid, world, type World } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
