import { Logger } from '@nestjs/common';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import { TaskCannotBeReopened } from '@ln/tasks/domain/task.errors';
import { ALICE, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
