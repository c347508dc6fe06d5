import { Logger } from '@nestjs/common';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { ALICE, SEOUL, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

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
