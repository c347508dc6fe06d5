import { Logger } from '@nestjs/common';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { ListTasksQuery } from '@ln/tasks/application/list-tasks/list-tasks.query';
import { decodeCursor, encodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import type { TaskCursor, TaskListFilter, TaskSort, TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { ALICE, BOB, cid, world, type World } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

describe('ListTasks', () => {
  const page = (json: string) => JSON.parse(json) as { items: TaskView[]; nextCursor: string | null };
  const list = (w: World, filter: TaskListFilter = {}, sort: TaskSort = 'createdAt', limit = 50, after?: TaskCursor, owner = ALICE) =>
    w.list.execute(new ListTasksQuery(owner, filter, sort, limit, after));

  it('answers a string that parses to {items, nextCursor}, owner-scoped', async () => {
    const w = world();
    const a = await w.task(ALICE, { title: 'a' });
    w.clock.advance(1000);
    const b = await w.task(ALICE, { title: 'b' });
    await w.task(BOB, { title: 'bob' });
    const json = await list(w);
    expect(typeof json).toBe('string');
    expect(page(json)).toEqual({ items: [a, b], nextCursor: null });
    expect(Object.keys(page(json))).toEqual(['items', 'nextCursor']);
  });

  it('a hit does not call the read model; a write makes it load again', async () => {
    const w = world();
    await w.task(ALICE, { title: 'a' });
    const first = await list(w);
    expect(w.readModel.lists).toHaveLength(1);
    expect(await list(w)).toBe(first);
    expect(w.readModel.calls).toBe(1);
    // Other filters, sorts, limits and users are other entries.
    await list(w, { status: ['open'] });
    await list(w, {}, '-createdAt');
    await list(w, {}, 'createdAt', 10);
    await list(w, {}, 'createdAt', 50, undefined, BOB);
    expect(w.readModel.lists).toHaveLength(5);
    await w.task(ALICE, { title: 'b' });
    expect(page(await list(w)).items.map((t) => t.title)).toEqual(['a', 'b']);
    expect(w.readModel.lists).toHaveLength(6);
  });

  it('pages with a keyset cursor in every sort: no gaps, no duplicates, unscheduled last', async () => {
    const w = world();
    const made: TaskView[] = [];
    for (const scheduledFor of ['2026-03-04', null, '2026-03-02', '2026-03-02T12:00:00Z', null, '2026-03-01']) {
      made.push(await w.task(ALICE, { title: `t${made.length}`, scheduledFor }));
      w.clock.advance(1000);
    }
    const byCreated = made.map((t) => t.title);
    const bySchedule = ['t5', 't2', 't3', 't0', 't1', 't4'];
    const expected: Record<TaskSort, string[]> = {
      createdAt: byCreated,
      '-createdAt': [...byCreated].reverse(),
      scheduledFor: bySchedule,
      '-scheduledFor': [...bySchedule].reverse(),
    };
    for (const sort of Object.keys(expected) as TaskSort[]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const p = page(await list(w, {}, sort, 4, cursor ? decodeCursor(cursor, sort) : undefined));
        seen.push(...p.items.map((t) => t.title));
        cursor = p.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect({ sort, seen, pages }).toEqual({ sort, seen: expected[sort], pages: 2 });
    }
  });

  it('passes filters to the read model and answers what they select', async () => {
    const w = world();
    const parent = await w.task(ALICE, { title: 'parent', tags: ['Work'], scheduledFor: '2026-03-02' });
    await w.task(ALICE, { title: 'step', parentId: parent.id, dueAt: '2026-03-01T08:00:00Z' });
    const titles = async (filter: TaskListFilter) => page(await list(w, filter)).items.map((t) => t.title);
    expect(await titles({ tag: 'work' })).toEqual(['parent']);
    expect(await titles({ parentId: null })).toEqual(['parent']);
    expect(await titles({ parentId: parent.id })).toEqual(['step']);
    expect(await titles({ scheduledFrom: '2026-03-02', scheduledTo: '2026-03-02' })).toEqual(['parent']);
    expect(await titles({ overdue: true })).toEqual(['step']);
    expect(w.readModel.lists.at(-1)).toMatchObject({ ownerId: ALICE, filter: { overdue: true }, sort: 'createdAt', limit: 50 });
  });

  it('overdue queries within one minute share an entry (judged at the minute); the next minute does not', async () => {
    const w = world(); // 09:00:10
    const t = await w.task(ALICE, { title: 'due', dueAt: '2026-03-01T09:00:30Z' });
    expect(page(await list(w, { overdue: true })).items).toEqual([]);
    expect(w.readModel.lists[0].now).toBe('2026-03-01T09:00:00.000Z');
    w.clock.advance(40_000); // 09:00:50: past due, but judged at 09:00 like the first query
    expect(page(await list(w, { overdue: true })).items).toEqual([]);
    expect(w.readModel.lists).toHaveLength(1);
    w.clock.advance(20_000); // 09:01:10
    expect(page(await list(w, { overdue: true })).items.map((x) => x.id)).toEqual([t.id]);
    expect(w.readModel.lists).toHaveLength(2);
    expect(w.readModel.lists[1].now).toBe('2026-03-01T09:01:00.000Z');
    // A query that does not depend on the time keeps its entry across minutes.
    await list(w, { status: ['open'] });
    w.clock.advance(120_000);
    await list(w, { status: ['open'] });
    expect(w.readModel.lists).toHaveLength(3);
  });

  it('overdue=false is an overdue query too: judged at the same minute as overdue=true, so the two lists partition the tasks', async () => {
    const w = world(); // 09:00:10
    const t = await w.task(ALICE, { title: 'due', dueAt: '2026-03-01T09:00:30Z' });
    w.clock.advance(30_000); // 09:00:40: due 10 s ago, but overdue is judged at 09:00
    const overdue = page(await list(w, { overdue: true })).items.map((x) => x.id);
    const notOverdue = page(await list(w, { overdue: false })).items.map((x) => x.id);
    expect(overdue).toEqual([]);
    // Today it is judged at the exact instant (09:00:40), so the task is in neither list.
    expect(notOverdue).toEqual([t.id]);
    expect(w.readModel.lists.map((q) => q.now)).toEqual(['2026-03-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z']);
  });

  it('overdue=false queries in the next minute do not share the entry (a task that became overdue leaves the list)', async () => {
    const w = world(); // 09:00:10
    const t = await w.task(ALICE, { title: 'due', dueAt: '2026-03-01T09:00:30Z' });
    expect(page(await list(w, { overdue: false })).items.map((x) => x.id)).toEqual([t.id]);
    w.clock.advance(60_000); // 09:01:10
    // Today the key has no minute for overdue=false: the 09:00 entry is served, the overdue task still listed.
    expect(page(await list(w, { overdue: false })).items).toEqual([]);
    expect(w.readModel.lists).toHaveLength(2);
  });

  describe('cursors', () => {
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const rejects = (raw: string, sort: TaskSort) => {
      let error: unknown;
      try {
        decodeCursor(raw, sort);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidValue);
      expect(error).toMatchObject({ code: 'invalid_cursor', fields: [{ field: 'cursor' }] });
    };

    it('round-trips a cursor of the same sort', () => {
      const c: TaskCursor = { sort: '-scheduledFor', key: '~', id: cid(1) };
      expect(decodeCursor(encodeCursor(c), '-scheduledFor')).toEqual(c);
    });

    it('a cursor from another sort -> InvalidValue invalid_cursor', async () => {
      const w = world();
      for (let i = 0; i < 3; i++) await w.task(ALICE, { title: `t${i}` });
      const { nextCursor } = page(await list(w, {}, 'createdAt', 2));
      expect(nextCursor).toEqual(expect.any(String));
      expect(decodeCursor(nextCursor!, 'createdAt')).toMatchObject({ sort: 'createdAt' });
      for (const sort of ['-createdAt', 'scheduledFor', '-scheduledFor'] as const) rejects(nextCursor!, sort);
    });

    it('garbage -> InvalidValue invalid_cursor', () => {
      for (const raw of ['garbage', '', '%7B%7D', forge({}), forge(null), forge(5), forge('createdAt'), forge(['createdAt', 1, cid(1)]), forge(['createdAt', 'x'.repeat(65), cid(1)])]) {
        rejects(raw, 'createdAt');
      }
    });

    // decodeCursor accepts any string key and id up to 64 characters; the SQL read model then casts them to
    // timestamptz and uuid and fails (a 500 instead of a 400; test/e2e/tasks.e2e.spec.ts expects invalid_cursor).
    it('a well-formed cursor whose key is not a timestamp -> InvalidValue invalid_cursor', () => {
      rejects(forge(['createdAt', 'not-a-time', cid(1)]), 'createdAt');
    });

    it('a well-formed cursor whose id is not a uuid -> InvalidValue invalid_cursor', () => {
      rejects(forge(['createdAt', '2026-01-01T00:00:00.000000Z', 'not-a-uuid']), 'createdAt');
    });

    // PostgreSQL has no year 0000 ("date/time field value out of range": a 500): keys hold years 0001-9999, as the list filters do.
    it('a key in year 0000, or on a day that does not exist -> InvalidValue invalid_cursor; year 0001 is fine', () => {
      rejects(forge(['createdAt', '0000-01-01T00:00:00Z', cid(1)]), 'createdAt');
      rejects(forge(['-createdAt', '0000-12-31T23:59:59.999Z', cid(1)]), '-createdAt');
      rejects(forge(['createdAt', '2026-02-29T00:00:00Z', cid(1)]), 'createdAt');
      rejects(forge(['scheduledFor', '0000-01-01|', cid(1)]), 'scheduledFor');
      rejects(forge(['scheduledFor', '2026-01-01|0000-01-01T00:00:00.000Z', cid(1)]), 'scheduledFor');
      expect(decodeCursor(forge(['createdAt', '0001-01-01T00:00:00Z', cid(1)]), 'createdAt')).toMatchObject({ key: '0001-01-01T00:00:00Z' });
      expect(decodeCursor(forge(['createdAt', '0004-02-29T00:00:00Z', cid(1)]), 'createdAt')).toMatchObject({ key: '0004-02-29T00:00:00Z' });
      expect(decodeCursor(forge(['scheduledFor', '9999-12-31|', cid(1)]), 'scheduledFor')).toMatchObject({ key: '9999-12-31|' });
    });
  });
});
