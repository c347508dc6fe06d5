import { Logger } from '@nestjs/common';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { etagOf } from '@ln/tasks/application/get-task/get-task.handler';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { TaskNotFound } from '@ln/tasks/domain/task.errors';
import { ALICE, BOB, cid, world } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

describe('GetTask', () => {
  it('answers the ETag "<version>" and the view as JSON', async () => {
    const w = world();
    const t = await w.task(ALICE, { title: 'a', notes: 'two\nlines' });
    const got = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(got.etag).toBe('"1"');
    expect(got.etag).toBe(etagOf(t.version));
    expect(JSON.parse(got.json)).toEqual(t);
    expect(etagOf(12)).toBe('"12"');
    // The cached form is `etag\njson`, split at the first line break (a note's line break is escaped in JSON).
    const raw = await w.cache.read(ALICE, `task:${t.id}`, () => Promise.reject(new Error('should be a hit')));
    expect(raw).toBe(`"1"\n${JSON.stringify(t)}`);
  });

  it('a hit does not call the read model; a miss calls it once', async () => {
    const w = world();
    const t = await w.task(ALICE);
    const first = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(w.readModel.gets).toEqual([{ ownerId: ALICE, id: t.id }]);
    const second = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(second).toEqual(first);
    expect(w.readModel.calls).toBe(1);
  });

  it('a write makes the next get load again and see the new version', async () => {
    const w = world();
    const t = await w.task(ALICE);
    await w.get.execute(new GetTaskQuery(ALICE, t.id));
    await w.complete.execute(new CompleteTaskCommand(ALICE, t.id));
    const after = await w.get.execute(new GetTaskQuery(ALICE, t.id));
    expect(after.etag).toBe('"2"');
    expect(JSON.parse(after.json)).toMatchObject({ status: 'done', version: 2 });
    expect(w.readModel.gets).toHaveLength(2);
  });

  it('an unknown id -> TaskNotFound, and the miss is cached too', async () => {
    const w = world();
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(404)))).rejects.toBeInstanceOf(TaskNotFound);
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(404)))).rejects.toBeInstanceOf(TaskNotFound);
    expect(w.readModel.gets).toHaveLength(1);
    expect(w.cache.loads).toEqual([{ userId: ALICE, key: `task:${cid(404)}` }]);
  });

  it("another user's task -> TaskNotFound; the owner still reads it", async () => {
    const w = world();
    const t = await w.task(BOB);
    await expect(w.get.execute(new GetTaskQuery(ALICE, t.id))).rejects.toBeInstanceOf(TaskNotFound);
    await expect(w.get.execute(new GetTaskQuery(BOB, t.id))).resolves.toMatchObject({ etag: '"1"' });
  });

  it('a cached miss ends when the owner creates the task', async () => {
    const w = world();
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(1)))).rejects.toBeInstanceOf(TaskNotFound);
    await w.task(ALICE, { id: cid(1), title: 'now here' });
    await expect(w.get.execute(new GetTaskQuery(ALICE, cid(1)))).resolves.toMatchObject({ etag: '"1"' });
  });
});
