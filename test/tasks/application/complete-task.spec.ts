import { Logger } from '@nestjs/common';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { TaskHasOpenSteps, TaskNotOpen } from '@ln/tasks/domain/task.errors';
import { ALICE, BOB, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
