import { Logger } from '@nestjs/common';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import { PostponeMustMoveLater, TaskNotOpen } from '@ln/tasks/domain/task.errors';
import { ALICE, SEOUL, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
