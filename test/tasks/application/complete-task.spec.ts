import { Logger } from '@nestjs/common';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { CompleteTaskHandler } from '@ln/tasks/application/complete-task/complete-task.handler';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import { commandOf, wireOf } from '@ln/tasks/application/queued-writes/command-catalog';
import { PendingOverlay } from '@ln/tasks/application/queued-writes/pending-overlay';
import { TaskPlan } from '@ln/tasks/application/queued-writes/task-plan.repository';
import { stateToView } from '@ln/tasks/application/shared/task-view.mapper';
import { TaskHasOpenSteps, TaskNotOpen } from '@ln/tasks/domain/task.errors';
import { viewOf } from '../../support/task-fakes';
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

  describe('actualMinutes', () => {
    it('is kept: the answer, the stored task, the read and task.completed.v1 carry it', async () => {
      const w = world();
      const t = await w.task(ALICE, { title: 'timed', estimateMinutes: 30, scheduledFor: '2026-03-02', tags: ['deep'] });
      const view = await w.complete.execute(new CompleteTaskCommand(ALICE, t.id, 1, 45));
      expect(view).toMatchObject({ status: 'done', actualMinutes: 45, estimateMinutes: 30, version: 2 });
      expect(w.repo.stateOf(t.id)).toMatchObject({ status: 'done', actualMinutes: 45 });
      expect(view).toEqual(viewOf(w.repo.stateOf(t.id)!));
      expect(await w.readModel.get(ALICE, t.id)).toEqual(view);
      expect(w.repo.outbox.at(-1)).toMatchObject({
        type: 'task.completed.v1',
        aggregateId: t.id,
        version: 2,
        payload: { actualMinutes: 45, estimateMinutes: 30, scheduledDate: '2026-03-02', tags: ['deep'] },
      });
    });

    it('not given: null in the answer and in the event', async () => {
      const w = world();
      const t = await w.task(ALICE);
      await expect(w.complete.execute(new CompleteTaskCommand(ALICE, t.id))).resolves.toMatchObject({ status: 'done', actualMinutes: null });
      expect(w.repo.outbox.at(-1)?.payload).toMatchObject({ actualMinutes: null });
    });

    it.each([0, 1441, 2.5, -1])('%p -> InvalidValue invalid_actual_minutes naming actualMinutes; nothing happens', async (minutes) => {
      const w = world();
      const t = await w.task(ALICE);
      const before = w.effects(t.id);
      const refused = w.complete.execute(new CompleteTaskCommand(ALICE, t.id, undefined, minutes));
      await expect(refused).rejects.toBeInstanceOf(InvalidValue);
      await expect(refused).rejects.toMatchObject({ kind: 'invalid', code: 'invalid_actual_minutes', fields: [{ field: 'actualMinutes' }] });
      expect(w.effects(t.id)).toEqual(before);
    });

    it('reopening clears it; a later completion records its own', async () => {
      const w = world();
      const t = await w.task(ALICE);
      await w.complete.execute(new CompleteTaskCommand(ALICE, t.id, undefined, 90));
      await expect(w.reopen.execute(new ReopenTaskCommand(ALICE, t.id))).resolves.toMatchObject({ status: 'open', actualMinutes: null });
      expect(w.repo.stateOf(t.id)?.actualMinutes).toBeNull();
      await expect(w.complete.execute(new CompleteTaskCommand(ALICE, t.id, undefined, 15))).resolves.toMatchObject({ actualMinutes: 15, version: 4 });
    });

    it('queued: the api plan announces what the worker stores, through the wire form', async () => {
      const w = world();
      const t = await w.task(ALICE, { title: 'queued', estimateMinutes: 20 });
      const command = new CompleteTaskCommand(ALICE, t.id, 1, 25);
      const wire = wireOf(command);
      expect(wire.payload).toEqual({ id: t.id, expectedVersion: 1, actualMinutes: 25 });
      const nothingPending = async () => new PendingOverlay([]);
      const plan = new TaskPlan(ALICE, { task: nothingPending, steps: nothingPending }, { repository: w.repo, cache: w.cache, timezoneOf: async () => 'UTC' });
      const at = w.clock.now();
      const announced = await new CompleteTaskHandler().execute(command, {
        tasks: plan,
        events: { eventId: () => 'planned-event', now: () => at },
        timezoneOf: () => plan.timezone(),
        newId: () => 'unused',
      });
      expect(announced).toMatchObject({ status: 'done', actualMinutes: 25, version: 2 });
      expect(stateToView(plan.saved!.state)).toEqual(announced);
      // Planning stored nothing; the worker applies the decoded command at the same instant.
      expect(w.repo.stateOf(t.id)?.status).toBe('open');
      const decoded = commandOf({ commandId: 'c1', userId: ALICE, type: wire.type, payload: wire.payload, issuedAt: at.toISOString() });
      expect(decoded).toEqual(command);
      const stored = await w.complete.execute(decoded as CompleteTaskCommand);
      expect(stored).toEqual(announced);
    });
  });
});
