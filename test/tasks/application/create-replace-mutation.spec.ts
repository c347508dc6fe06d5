import { Logger } from '@nestjs/common';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { CreateTaskHandler } from '@ln/tasks/application/create-task/create-task.handler';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DeleteTaskHandler } from '@ln/tasks/application/delete-task/delete-task.handler';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { EditTaskHandler } from '@ln/tasks/application/edit-task/edit-task.handler';
import type { TaskRepository } from '@ln/tasks/application/ports/task.repository.port';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { ReplaceTaskHandler } from '@ln/tasks/application/replace-task/replace-task.handler';
import type { TaskSession } from '@ln/tasks/application/shared/task-session.port';
import { TaskSessions } from '@ln/tasks/application/shared/task-sessions.service';
import { TaskIdConflict, TaskNotFound } from '@ln/tasks/domain/task.errors';
import { FixedClock, ImmediateUnitOfWork, SequentialIds } from '../../support/fakes';
import { FakeOwnerTimezones, InMemoryTaskRepository, RecordingReadCache } from '../../support/task-fakes';
import { ALICE, BOB, cid, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

/**
 * Create and replace where another request gets in between two reads of one use case: the storage
 * is the in-memory one, and a hook runs the other request right after the first claim read.
 */
function raceWorld() {
  const clock = new FixedClock(new Date('2026-03-01T09:00:10.000Z'));
  const accounts = new FakeOwnerTimezones({ [ALICE]: 'UTC', [BOB]: 'UTC' });
  const repo = new InMemoryTaskRepository([], (id) => accounts.has(id));
  const sessions = new TaskSessions(repo, accounts, new RecordingReadCache(), clock, new SequentialIds(), new ImmediateUnitOfWork());
  const create = new CreateTaskHandler();
  const replace = new ReplaceTaskHandler(create);
  /**
   * A session whose first claim read races `other`: by default the read is taken, then `other`
   * commits, then the (now stale) read answers; with `before`, `other` commits just before the read.
   */
  const racing = (other: () => Promise<unknown>, { before = false } = {}): TaskSession => {
    const base = sessions.now();
    let raced = false;
    const tasks: TaskRepository = Object.create(repo) as TaskRepository;
    tasks.claimOf = async (id: string) => {
      if (raced) return repo.claimOf(id);
      raced = true;
      if (before) await other();
      const claim = await repo.claimOf(id);
      if (!before) await other();
      return claim;
    };
    return { ...base, tasks, events: base.events, timezoneOf: (u) => base.timezoneOf(u), newId: () => base.newId() };
  };
  const now = () => sessions.now();
  return { repo, create, replace, racing, now };
}

describe('CreateTask mutation boundaries', () => {
  it('a retry answers the task even when the re-plan origin it names has been deleted since (the replay comes first)', async () => {
    const w = world();
    const origin = await w.task(ALICE, { title: 'origin' });
    const first = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(2), title: 'again', replanOf: origin.id }));
    await w.delete.execute(new DeleteTaskCommand(ALICE, origin.id));
    const retry = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(2), title: 'again', replanOf: origin.id }));
    expect(retry).toEqual({ created: false, task: first.task });
  });

  it('a retry whose task is deleted between the claim read and the task read -> TaskIdConflict', async () => {
    const r = raceWorld();
    await r.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }), r.now());
    const session = r.racing(() => new DeleteTaskHandler().execute(new DeleteTaskCommand(ALICE, cid(1)), r.now()));
    await expect(r.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'once' }), session)).rejects.toBeInstanceOf(TaskIdConflict);
  });
});

describe('ReplaceTask mutation boundaries', () => {
  it('a PUT to a new id with an invalid body answers the domain refusal, not not-found', async () => {
    const r = raceWorld();
    await expect(r.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: '   ' }), r.now())).rejects.toMatchObject({ code: 'invalid_title' });
    expect(r.repo.rows.size).toBe(0);
  });

  it('a PUT to a new id naming an unknown parent answers UnknownTaskReference', async () => {
    const r = raceWorld();
    await expect(r.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'x', parentId: cid(404) }), r.now())).rejects.toMatchObject({
      fields: [{ field: 'parentId' }],
    });
  });

  it('created by the same owner between the task read and the claim read: replaces that task', async () => {
    const r = raceWorld();
    const session = r.racing(() => r.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'theirs' }), r.now()), { before: true });
    const result = await r.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'mine' }), session);
    expect(result).toMatchObject({ created: false, task: { id: cid(1), title: 'mine', version: 2 } });
    expect(r.repo.stateOf(cid(1))).toMatchObject({ title: 'mine', version: 2 });
  });

  it('created and then edited by the same owner before the claim read: the PUT still replaces (it is not a create retry)', async () => {
    const r = raceWorld();
    const session = r.racing(
      async () => {
        await r.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'mine' }), r.now());
        await new EditTaskHandler().execute(new EditTaskCommand(ALICE, cid(1), { title: 'edited' }), r.now());
      },
      { before: true },
    );
    const result = await r.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'mine' }), session);
    expect(result).toMatchObject({ created: false, task: { id: cid(1), title: 'mine', version: 3 } });
    expect(r.repo.stateOf(cid(1))).toMatchObject({ title: 'mine', version: 3 });
  });

  it('a concurrent PUT created it first with another body: this one replaces it (created=false)', async () => {
    const r = raceWorld();
    // The claim read of replace sees nothing; the other request commits right after it.
    const session = r.racing(() => r.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'theirs' }), r.now()));
    const result = await r.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'mine' }), session);
    expect(result).toMatchObject({ created: false, task: { id: cid(1), title: 'mine', version: 2 } });
  });

  it("another user's concurrent create of the id answers TaskNotFound (an id is never reused)", async () => {
    const r = raceWorld();
    const session = r.racing(() => r.create.execute(new CreateTaskCommand(BOB, { id: cid(1), title: 'bobs' }), r.now()));
    await expect(r.replace.execute(new ReplaceTaskCommand(ALICE, cid(1), { title: 'mine' }), session)).rejects.toBeInstanceOf(TaskNotFound);
    expect(r.repo.stateOf(cid(1))).toMatchObject({ ownerId: BOB, title: 'bobs', version: 1 });
  });
});
