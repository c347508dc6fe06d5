import { Logger } from '@nestjs/common';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { VersionMismatch } from '@ln/tasks/domain/task.errors';
import { ALICE, world, type World } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

/**
 * A write that states the version it was made against (If-Match) and is overtaken by another
 * write between its load and its save must answer 412 version_mismatch (the client's precondition
 * no longer holds), not 409 concurrent_modification (which says "retry"). Without If-Match the same
 * race stays a ConcurrentModification.
 */
interface Write {
  name: string;
  /** Brings a fresh open task into the state the write needs (reopen needs a closed task). */
  prepare?: (w: World, id: string) => Promise<unknown>;
  run: (w: World, id: string, expectedVersion?: number) => Promise<unknown>;
}

const writes: Write[] = [
  { name: 'EditTask', run: (w, id, v) => w.edit.execute(new EditTaskCommand(ALICE, id, { title: 'renamed' }, v)) },
  { name: 'CompleteTask', run: (w, id, v) => w.complete.execute(new CompleteTaskCommand(ALICE, id, v)) },
  { name: 'FailTask', run: (w, id, v) => w.fail.execute(new FailTaskCommand(ALICE, id, 'no_time', null, v)) },
  { name: 'PostponeTask', run: (w, id, v) => w.postpone.execute(new PostponeTaskCommand(ALICE, id, '2026-03-05', v)) },
  {
    name: 'ReopenTask',
    prepare: (w, id) => w.complete.execute(new CompleteTaskCommand(ALICE, id)),
    run: (w, id, v) => w.reopen.execute(new ReopenTaskCommand(ALICE, id, v)),
  },
  { name: 'DropTask', run: (w, id, v) => w.drop.execute(new DropTaskCommand(ALICE, id, v)) },
  { name: 'DeleteTask', run: (w, id, v) => w.delete.execute(new DeleteTaskCommand(ALICE, id, v)) },
  { name: 'ReplaceTask', run: (w, id, v) => w.replace.execute(new ReplaceTaskCommand(ALICE, id, { title: 'replaced', scheduledFor: '2026-03-02' }, v)) },
];

describe.each(writes)('$name overtaken between load and save', (write) => {
  async function ready() {
    const w = world();
    const task = await w.task(ALICE, { title: 'the task', scheduledFor: '2026-03-02' });
    await write.prepare?.(w, task.id);
    const version = w.repo.stateOf(task.id)!.version;
    // Another request's write commits after this one loaded the task and before it saves.
    w.repo.beforeNextSave(() => w.edit.execute(new EditTaskCommand(ALICE, task.id, { notes: 'meanwhile' })).then(() => undefined));
    return { w, id: task.id, version };
  }

  it('with the version the client stated -> VersionMismatch (412) naming the version that overtook it', async () => {
    const { w, id, version } = await ready();
    const error = await write.run(w, id, version).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VersionMismatch);
    expect(error).toMatchObject({ kind: 'precondition_failed', code: 'version_mismatch', expected: version, actual: version + 1 });
    // The other write stands; this one changed nothing.
    expect(w.repo.stateOf(id)).toMatchObject({ version: version + 1, notes: 'meanwhile' });
  });

  it('without a stated version -> ConcurrentModification (409), as before', async () => {
    const { w, id, version } = await ready();
    const error = await write.run(w, id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConcurrentModification);
    expect(error).toMatchObject({ kind: 'conflict', code: 'concurrent_modification' });
    expect(w.repo.stateOf(id)).toMatchObject({ version: version + 1, notes: 'meanwhile' });
  });
});
