import { Logger } from '@nestjs/common';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { TaskNotOpen } from '@ln/tasks/domain/task.errors';
import { ALICE, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
