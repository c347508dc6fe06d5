import { Logger } from '@nestjs/common';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import type { FailureReason } from '@ln/tasks/domain/failure-reason.value-object';
import { TaskNotOpen } from '@ln/tasks/domain/task.errors';
import { ALICE, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

describe('FailTask', () => {
  it('records the reason and the trimmed note, and what the coach reads', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', tags: ['w'], estimateMinutes: 20, scheduledFor: '2026-03-01' });
    await w.postpone.execute(new PostponeTaskCommand(ALICE, t.id, '2026-03-02'));
    await w.fail.execute(new FailTaskCommand(ALICE, t.id, 'blocked', '  waiting on IT  '));
    expect(w.repo.outbox.at(-1)).toMatchObject({
      type: 'task.failed.v1',
      payload: { reason: 'blocked', note: 'waiting on IT', deferrals: 1, scheduledDate: '2026-03-02', estimateMinutes: 20, tags: ['w'] },
    });
  });

  it('an invalid failure reason -> InvalidValue invalid_failure_reason, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE);
    const before = w.effects(t.id);
    const refused = w.fail.execute(new FailTaskCommand(ALICE, t.id, 'aliens' as FailureReason, null));
    await expect(refused).rejects.toBeInstanceOf(InvalidValue);
    await expect(refused).rejects.toMatchObject({ code: 'invalid_failure_reason', fields: [{ field: 'reason' }] });
    expect(w.effects(t.id)).toEqual(before);
  });

  it('a note over 2000 characters -> InvalidValue invalid_note', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await expect(w.fail.execute(new FailTaskCommand(ALICE, t.id, 'other', 'x'.repeat(2001)))).rejects.toMatchObject({ code: 'invalid_note' });
    expect(w.repo.stateOf(t.id)?.status).toBe('open');
  });

  it('a dropped task -> TaskNotOpen, unchanged', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await w.drop.execute(new DropTaskCommand(ALICE, t.id));
    const before = w.effects(t.id);
    await expect(w.fail.execute(new FailTaskCommand(ALICE, t.id, 'other', null))).rejects.toBeInstanceOf(TaskNotOpen);
    expect(w.effects(t.id)).toEqual(before);
  });
});
