import { Logger } from '@nestjs/common';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { TaskNotFound, VersionMismatch } from '@ln/tasks/domain/task.errors';
import { viewOf } from '../../support/task-fakes';
import { ALICE, BOB, SEOUL, cid, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

describe('ReplaceTask', () => {
  it('creates the task when absent (created=true), through CreateTask', async () => {
    const w = world();
    const { task, created } = await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put', tags: ['x'] }));
    expect(created).toBe(true);
    expect(task).toMatchObject({ id: cid(1), title: 'put', tags: ['x'], version: 1 });
    expect(w.bus.dispatched).toEqual([expect.any(CreateTaskCommand)]);
    expect(w.repo.outbox.map((e) => e.type)).toEqual(['task.created.v1']);
    expect(w.log).toEqual([`save ${cid(1)} v1`, `invalidate ${ALICE}`]);
  });

  it('replacing with the same representation changes nothing: no event, same version, no invalidation', async () => {
    const w = world();
    const input = { title: 'put', notes: 'n', scheduledFor: '2026-03-02T08:00:00+09:00', dueAt: '2026-03-03T00:00:00Z', estimateMinutes: 30, priority: 2, tags: ['x', 'y'] };
    await w.replace.execute(new ReplaceTaskCommand(SEOUL, cid(1), input));
    const before = w.effects(cid(1));
    const again = await w.replace.execute(new ReplaceTaskCommand(SEOUL, cid(1), input, 1));
    expect(again.created).toBe(false);
    expect(again.task.version).toBe(1);
    expect(again.task).toEqual(viewOf(before.state!));
    expect(w.effects(cid(1))).toEqual(before);
  });

  it('replaces every client-settable field when present: task.edited.v1, omitted fields cleared, one invalidation', async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put', notes: 'n', estimateMinutes: 30, priority: 1, tags: ['x'] }));
    w.clock.advance(1000);
    const { task, created } = await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'renamed' }));
    expect(created).toBe(false);
    expect(task).toMatchObject({ title: 'renamed', notes: null, estimateMinutes: null, priority: 4, tags: [], version: 2, updatedAt: '2026-03-01T09:00:11.000Z' });
    expect(w.repo.outbox.map((e) => e.type)).toEqual(['task.created.v1', 'task.edited.v1']);
    expect(w.log).toEqual([`save ${cid(1)} v1`, `invalidate ${ALICE}`, `save ${cid(1)} v2`, `invalidate ${ALICE}`]);
    expect(w.bus.dispatched).toHaveLength(1);
  });

  it('a stale expectedVersion -> VersionMismatch, nothing changed', async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }));
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'v2' }, 1));
    const before = w.effects(cid(1));
    const stale = w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'v3' }, 1));
    await expect(stale).rejects.toBeInstanceOf(VersionMismatch);
    await expect(stale).rejects.toMatchObject({ expected: 1, actual: 2 });
    expect(w.effects(cid(1))).toEqual(before);
  });

  it('an expectedVersion for a missing task -> TaskNotFound, nothing created', async () => {
    const w = world();
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }, 1))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.repo.rows.size).toBe(0);
    expect(w.bus.dispatched).toEqual([]);
    expect(w.log).toEqual([]);
  });

  it("another user's id -> TaskNotFound; their task unchanged and nothing created for the caller", async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(BOB, cid(1), { title: 'bob' }));
    const before = w.effects(cid(1));
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'alice' }))).rejects.toBeInstanceOf(TaskNotFound);
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'alice' }, 1))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.effects(cid(1))).toEqual(before);
    expect(w.repo.stateOf(cid(1))).toMatchObject({ ownerId: BOB, title: 'bob' });
    expect([...w.repo.rows.values()].filter((r) => r.state.ownerId === ALICE)).toEqual([]);
    expect(w.bus.dispatched).toHaveLength(1);
  });

  it('the id of a task one deleted -> TaskNotFound (never recreated)', async () => {
    const w = world();
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }));
    await w.delete.execute(new DeleteTaskCommand(ALICE, cid(1)));
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'put' }))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.repo.stateOf(cid(1))?.deletedAt).not.toBeNull();
  });

  it('the parent is fixed at creation: a replacement must repeat it (parent_immutable)', async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent' });
    const other = await w.task(ALICE, { title: 'other' });
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'step', parentId: parent.id }));
    const before = w.effects(cid(1));
    for (const parentId of [undefined, null, other.id]) {
      const attempt = w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'step', parentId }));
      await expect(attempt).rejects.toBeInstanceOf(InvalidValue);
      await expect(attempt).rejects.toMatchObject({ code: 'parent_immutable', fields: [{ field: 'parentId' }] });
    }
    // A top-level task cannot gain a parent either.
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, other.id, { title: 'other', parentId: parent.id }))).rejects.toMatchObject({ code: 'parent_immutable' });
    expect(w.effects(cid(1))).toEqual(before);
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'step 2', parentId: parent.id }))).resolves.toMatchObject({ task: { version: 2 } });
  });

  it('the re-plan origin is fixed at creation (replan_of_immutable)', async () => {
    const w = world();
    const origin = await w.task(ALICE, { title: 'origin' });
    await w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'replan', replanOf: origin.id }));
    const before = w.effects(cid(1));
    const attempt = w.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'replan' }));
    await expect(attempt).rejects.toBeInstanceOf(InvalidValue);
    await expect(attempt).rejects.toMatchObject({ code: 'replan_of_immutable', fields: [{ field: 'replanOf' }] });
    await expect(w.replace.execute(new ReplaceTaskCommand(ALICE, origin.id, { title: 'origin', replanOf: cid(1) }))).rejects.toMatchObject({
      code: 'replan_of_immutable',
    });
    expect(w.effects(cid(1))).toEqual(before);
  });
});
