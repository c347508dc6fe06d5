import { Logger } from '@nestjs/common';
import { CreateTaskCommand, type CreateTaskInput } from '@ln/tasks/application/create-task/create-task.command';
import { createBody } from '@ln/tasks/application/create-task/create-task.handler';
import { fingerprint } from '@ln/tasks/application/shared/fingerprint';
import { ALICE, cid, world, type World } from '../../support/task-world';

beforeAll(() => Logger.overrideLogger(false));

/**
 * A create retried with the same client id is a replay only when its body is the same request:
 * every field that defines the task takes part, and an absent field equals its explicit default.
 */
describe('CreateTask with a client id: what makes a retry the same request', () => {
  async function withReferences(w: World) {
    const parent = await w.task(ALICE, { title: 'parent' });
    const other = await w.task(ALICE, { title: 'other parent' });
    return { parent: parent.id, other: other.id };
  }

  // For each field: the first create's value and a retry's different value.
  const differences: { field: keyof CreateTaskInput; first: (r: { parent: string; other: string }) => unknown; retry: (r: { parent: string; other: string }) => unknown }[] = [
    { field: 'notes', first: () => 'first notes', retry: () => 'other notes' },
    { field: 'scheduledFor', first: () => '2026-03-02', retry: () => '2026-03-03' },
    { field: 'dueAt', first: () => '2026-03-04T10:00:00Z', retry: () => '2026-03-04T11:00:00Z' },
    { field: 'estimateMinutes', first: () => 30, retry: () => 45 },
    { field: 'priority', first: () => 1, retry: () => 2 },
    { field: 'tags', first: () => ['home'], retry: () => ['work'] },
    { field: 'parentId', first: (r) => r.parent, retry: (r) => r.other },
    { field: 'replanOf', first: (r) => r.parent, retry: (r) => r.other },
  ];

  it.each(differences)('a retry with a different $field -> task_id_conflict, the first task unchanged', async ({ field, first, retry }) => {
    const w = world();
    const refs = await withReferences(w);
    const created = await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'same title', [field]: first(refs) }));
    expect(created.created).toBe(true);
    const before = w.effects(cid(1));
    await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'same title', [field]: retry(refs) }))).rejects.toMatchObject({
      kind: 'conflict',
      code: 'task_id_conflict',
    });
    expect(w.effects(cid(1))).toEqual(before);
    // The same value again is a replay.
    await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'same title', [field]: first(refs) }))).resolves.toMatchObject({ created: false });
  });

  it.each(differences)('a retry that leaves out a $field the first create set -> task_id_conflict', async ({ field, first }) => {
    const w = world();
    const refs = await withReferences(w);
    await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'same title', [field]: first(refs) }));
    await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'same title' }))).rejects.toMatchObject({ code: 'task_id_conflict' });
  });

  it('an absent field and its explicit default are the same request (null, [], priority 4)', async () => {
    const w = world();
    await w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'defaults' }));
    const explicit: CreateTaskInput = {
      id: cid(1),
      title: 'defaults',
      notes: null,
      scheduledFor: null,
      dueAt: null,
      estimateMinutes: null,
      priority: 4,
      tags: [],
      parentId: null,
      replanOf: null,
    };
    await expect(w.create.execute(new CreateTaskCommand(ALICE, explicit))).resolves.toMatchObject({ created: false, task: { id: cid(1), priority: 4 } });
    // ...and a non-default priority is not.
    await expect(w.create.execute(new CreateTaskCommand(ALICE, { id: cid(1), title: 'defaults', priority: 3 }))).rejects.toMatchObject({ code: 'task_id_conflict' });
  });

  it('createBody spells every default out, so the digest does not depend on what was left out', () => {
    expect(createBody({ title: 't' })).toEqual({
      id: undefined,
      title: 't',
      notes: null,
      scheduledFor: null,
      dueAt: null,
      estimateMinutes: null,
      priority: 4,
      tags: [],
      parentId: null,
      replanOf: null,
    });
    const full: CreateTaskInput = { id: cid(2), title: 't', notes: 'n', scheduledFor: '2026-03-02', dueAt: '2026-03-02T10:00:00Z', estimateMinutes: 5, priority: 2, tags: ['x'], parentId: cid(3), replanOf: cid(4) };
    expect(createBody(full)).toEqual(full);
  });
});

describe('fingerprint', () => {
  it('is the same whatever the key order, and differs when a value, a key or the nesting differs', () => {
    const a = fingerprint({ title: 't', tags: ['a', 'b'], n: 1 });
    expect(fingerprint({ n: 1, tags: ['a', 'b'], title: 't' })).toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fingerprint({ title: 't', tags: ['b', 'a'], n: 1 })).not.toBe(a);
    expect(fingerprint({ title: 't', tags: ['a', 'b'], m: 1 })).not.toBe(a);
    expect(fingerprint({ title: 't', tags: ['a,b'], n: 1 })).not.toBe(a);
    expect(fingerprint({ title: 't', tags: [['a'], 'b'], n: 1 })).not.toBe(a);
    expect(fingerprint({ title: 't', tags: { 0: 'a', 1: 'b' }, n: 1 })).not.toBe(a);
  });

  it('ignores undefined fields but not null ones; null and undefined values digest alike', () => {
    expect(fingerprint({ a: 1, b: undefined })).toBe(fingerprint({ a: 1 }));
    expect(fingerprint({ a: 1, b: null })).not.toBe(fingerprint({ a: 1 }));
    expect(fingerprint(undefined)).toBe(fingerprint(null));
    expect(fingerprint('1')).not.toBe(fingerprint(1));
  });
});
