import { Logger } from '@nestjs/common';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { TaskHasSteps, TaskNotFound } from '@ln/tasks/domain/task.errors';
import { ALICE, cid, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
