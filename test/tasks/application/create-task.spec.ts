import { Logger } from '@nestjs/common';
import { UserNotFound } from '@ln/kernel/application/application.errors';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import type { TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { StepsTooDeep, TaskIdConflict, UnknownTaskReference } from '@ln/tasks/domain/task.errors';
import { viewOf } from '../../support/task-fakes';
import { ALICE, BOB, SEOUL, NOBODY, cid, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

describe('CreateTask', () => {
  it('records task.created.v1, returns the view and invalidates the owner once, after the save', async () => {
    const w = world();
    const { task, created } = await w.create.execute(new CreateTaskCommand(ALICE, { title: '  Write report ', tags: ['Work', 'work'], priority: 2 }));
    expect(created).toBe(true);
    expect(task).toMatchObject({ title: 'Write report', tags: ['Work'], priority: 2, status: 'open', version: 1, parentId: null, replanOf: null, deferrals: 0 });
    expect(task.createdAt).toBe('2026-03-01T09:00:10.000Z');
    expect(task).toEqual(viewOf(w.repo.stateOf(task.id)!));
    expect(w.repo.outbox).toEqual([expect.objectContaining({ type: 'task.created.v1', aggregateType: 'task', aggregateId: task.id, userId: ALICE, version: 1 })]);
    expect(w.cache.invalidations).toEqual([ALICE]);
    expect(w.log).toEqual([`save ${task.id} v1`, `invalidate ${ALICE}`]);
  });

  it("reads a date-time scheduledFor in the user's time zone (Asia/Seoul)", async () => {
    const w = world();
    // 20:00 UTC on 1 March is 05:00 on 2 March in Seoul (UTC+9).
    const seoul = await w.task(SEOUL, { title: 'call', scheduledFor: '2026-03-01T20:00:00Z' });
    const utc = await w.task(ALICE, { title: 'call', scheduledFor: '2026-03-01T20:00:00Z' });
    expect(seoul.scheduledFor).toBe('2026-03-01T20:00:00.000Z');
    expect(w.repo.stateOf(seoul.id)).toMatchObject({ scheduledDate: '2026-03-02', scheduledAt: '2026-03-01T20:00:00.000Z' });
    expect(w.repo.stateOf(utc.id)).toMatchObject({ scheduledDate: '2026-03-01', scheduledAt: '2026-03-01T20:00:00.000Z' });
    expect(w.repo.outbox.find((e) => e.aggregateId === seoul.id)?.payload).toMatchObject({ scheduledDate: '2026-03-02' });
    // A whole day stays the day given.
    const day = await w.task(SEOUL, { title: 'day', scheduledFor: '2026-03-01' });
    expect(w.repo.stateOf(day.id)).toMatchObject({ scheduledDate: '2026-03-01', scheduledAt: null });
  });

  it('refuses a user without an account (UserNotFound), saving nothing', async () => {
    const w = world();
    await expect(w.create.execute(new CreateTaskCommand(NOBODY, { title: 'x' }))).rejects.toBeInstanceOf(UserNotFound);
    // With a schedule the owner's timezone is read first, and that read finds no account.
    await expect(w.create.execute(new CreateTaskCommand(NOBODY, { title: 'x', scheduledFor: '2026-03-02' }))).rejects.toBeInstanceOf(UserNotFound);
    expect(w.repo.rows.size).toBe(0);
    expect(w.cache.invalidations).toEqual([]);
  });

  it('a domain refusal (invalid title) saves nothing and invalidates nothing', async () => {
    const w = world();
    await expect(w.create.execute(new CreateTaskCommand(ALICE, { title: '   ' }))).rejects.toMatchObject({ code: 'invalid_title' });
    expect(w.repo.rows.size).toBe(0);
    expect(w.log).toEqual([]);
  });

  describe('with a client id', () => {
    it('the same id and body again answers the same task: created=false, no second event, no second invalidation', async () => {
      const w = world();
      const first = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once', tags: ['a', 'b'], priority: 1 }));
      expect(first).toMatchObject({ created: true, task: { id: cid(1) } });
      // Same body, keys in another order.
      const again = await w.create.execute(new CreateTaskCommand(ALICE, { priority: 1, tags: ['a', 'b'], title: 'once', id: cid(1) }));
      expect(again.created).toBe(false);
      expect(again.task).toEqual(first.task);
      expect(w.repo.outbox).toHaveLength(1);
      expect(w.cache.invalidations).toEqual([ALICE]);
      expect(w.repo.rows.size).toBe(1);
    });

    it('a retry after the task changed answers the task as it is now', async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }));
      await w.complete.execute(new CompleteTaskCommand(ALICE, cid(1)));
      const again = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }));
      expect(again).toMatchObject({ created: false, task: { status: 'done', version: 2 } });
    });

    it('the same id with a different body -> TaskIdConflict, the task unchanged', async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }));
      const before = w.effects(cid(1));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'twice' }))).rejects.toBeInstanceOf(TaskIdConflict);
      expect(w.effects(cid(1))).toEqual(before);
    });

    it("an id another user owns -> TaskIdConflict (even with the same body), their task unchanged", async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(BOB, { id: cid(1), title: 'mine' }));
      const before = w.effects(cid(1));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'mine' }))).rejects.toBeInstanceOf(TaskIdConflict);
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'other' }))).rejects.toBeInstanceOf(TaskIdConflict);
      expect(w.effects(cid(1))).toEqual(before);
      expect(w.repo.stateOf(cid(1))?.ownerId).toBe(BOB);
    });

    it('the id of a deleted task is never reused, even for the same body', async () => {
      const w = world();
      await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'gone' }));
      await w.delete.execute(new DeleteTaskCommand(ALICE, cid(1)));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'gone' }))).rejects.toBeInstanceOf(TaskIdConflict);
    });

    it('a lost race (the save finds the id taken by an identical create) answers like a retry', async () => {
      const w = world();
      const command = new CreateTaskCommand(ALICE, { id: cid(7), title: 'raced' });
      let winner: TaskView | undefined;
      // The other request commits between this one's claim check and its insert.
      w.repo.beforeNextSave(async () => {
        winner = (await w.create.execute(new CreateTaskCommand(ALICE, { title: 'raced', id: cid(7) }))).task;
      });
      const loser = await w.create.execute(command);
      expect(loser.created).toBe(false);
      expect(loser.task).toEqual(winner);
      expect(w.repo.outbox).toHaveLength(1);
      // Only the winner's commit invalidated.
      expect(w.log).toEqual([`save ${cid(7)} v1`, `invalidate ${ALICE}`]);
    });

    it('a lost race against a different body -> TaskIdConflict', async () => {
      const w = world();
      w.repo.beforeNextSave(() => w.create.execute(new CreateTaskCommand(ALICE, { id: cid(7), title: 'the other one' })).then(() => undefined));
      await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(7), title: 'raced' }))).rejects.toBeInstanceOf(TaskIdConflict);
      expect(w.repo.stateOf(cid(7))?.title).toBe('the other one');
      expect(w.repo.outbox).toHaveLength(1);
    });
  });

  describe('references', () => {
    it('a step goes under its own parent, at depth 1; nesting beyond 2 is StepsTooDeep', async () => {
      const w = world();
      const parent = await w.task(ALICE, { title: 'parent' });
      const step = await w.task(ALICE, { title: 'step', parentId: parent.id });
      const sub = await w.task(ALICE, { title: 'sub-step', parentId: step.id });
      expect(step.parentId).toBe(parent.id);
      expect(w.repo.stateOf(step.id)?.depth).toBe(1);
      expect(w.repo.stateOf(sub.id)?.depth).toBe(2);
      await expect(w.task(ALICE, { title: 'too deep', parentId: sub.id })).rejects.toBeInstanceOf(StepsTooDeep);
    });

    it("parentId of another user's task or an unknown id -> UnknownTaskReference('parentId'), nothing saved", async () => {
      const w = world();
      const bobs = await w.task(BOB, { title: 'bob' });
      const before = w.effects(bobs.id);
      for (const parentId of [bobs.id, cid(404)]) {
        const attempt = w.create.execute(new CreateTaskCommand(ALICE, { title: 'step', parentId }));
        await expect(attempt).rejects.toBeInstanceOf(UnknownTaskReference);
        await expect(attempt).rejects.toMatchObject({ code: 'unknown_task_reference', fields: [{ field: 'parentId' }] });
      }
      expect(w.repo.rows.size).toBe(1);
      expect(w.effects(bobs.id)).toEqual(before);
    });

    it("parentId of a deleted task -> UnknownTaskReference('parentId')", async () => {
      const w = world();
      const parent = await w.task(ALICE, { title: 'parent' });
      await w.delete.execute(new DeleteTaskCommand(ALICE, parent.id));
      await expect(w.task(ALICE, { title: 'step', parentId: parent.id })).rejects.toMatchObject({ fields: [{ field: 'parentId' }] });
    });

    it("replanOf unknown or another user's -> UnknownTaskReference('replanOf'); one's own is kept", async () => {
      const w = world();
      const bobs = await w.task(BOB, { title: 'bob' });
      for (const replanOf of [cid(404), bobs.id]) {
        const attempt = w.create.execute(new CreateTaskCommand(ALICE, { title: 'again', replanOf }));
        await expect(attempt).rejects.toBeInstanceOf(UnknownTaskReference);
        await expect(attempt).rejects.toMatchObject({ fields: [{ field: 'replanOf' }] });
      }
      const original = await w.task(ALICE, { title: 'first try' });
      await w.fail.execute(new FailTaskCommand(ALICE, original.id, 'too_big', null));
      const again = await w.task(ALICE, { title: 'smaller', replanOf: original.id });
      expect(again.replanOf).toBe(original.id);
      expect(w.repo.outbox.at(-1)?.payload).toMatchObject({ replanOf: original.id });
    });
  });
});
