import { createHash } from 'node:crypto';
import type { TaskHistoryQuery, TaskReadModel } from '@ln/tasks/application/ports/task-read-model.port';
import { storedVersionOf } from '@ln/tasks/application/get-task/get-task.handler';
import { decodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import { fingerprint } from '@ln/tasks/application/shared/fingerprint';
import { TaskHistory } from '@ln/tasks/application/task-history.facade';

const ID = '0195a000-0000-7000-8000-000000000001';
const raw = (sort: unknown, key: unknown, id: unknown) => Buffer.from(JSON.stringify([sort, key, id])).toString('base64url');
const sha = (text: string) => createHash('sha256').update(text).digest('base64url');

describe('fingerprint: the stored digest of a create body', () => {
  it('is the sha256 of the canonical JSON (keys sorted, undefined dropped): digests stored by an earlier release still compare equal', () => {
    expect(fingerprint({ title: 'x', b: undefined, tags: ['b', 'a'], a: { z: 1, y: null } })).toBe(sha('{"a":{"y":null,"z":1},"tags":["b","a"],"title":"x"}'));
    expect(fingerprint(null)).toBe(sha('null'));
  });

  it('tells bodies apart by array items and by field values', () => {
    expect(fingerprint({ tags: ['a'] })).not.toBe(fingerprint({ tags: ['b'] }));
    expect(fingerprint({ title: 'a' })).not.toBe(fingerprint({ title: 'b' }));
    expect(fingerprint({ title: 'a' })).not.toBe(fingerprint({ name: 'a' }));
  });
});

describe('decodeCursor boundaries', () => {
  it('accepts a key in a year that ends in 0 (every year 0001-9999 is read whole)', () => {
    expect(decodeCursor(raw('createdAt', '2030-01-01T00:00:00Z', ID), 'createdAt')).toEqual({ sort: 'createdAt', key: '2030-01-01T00:00:00Z', id: ID });
    expect(decodeCursor(raw('scheduledFor', '2100-03-01|', ID), 'scheduledFor')).toEqual({ sort: 'scheduledFor', key: '2100-03-01|', id: ID });
  });

  it('refuses an id that is not a string, even one that reads as a uuid', () => {
    expect(() => decodeCursor(raw('createdAt', '2026-03-01T00:00:00Z', [ID]), 'createdAt')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });
});

describe('TaskHistory.page boundaries', () => {
  function recording() {
    const queries: TaskHistoryQuery[] = [];
    const read = { history: async (q: TaskHistoryQuery) => (queries.push(q), { items: [], next: null }) } as unknown as TaskReadModel;
    return { queries, history: new TaskHistory(read) };
  }

  it('a limit of 1 is the smallest accepted', async () => {
    const { queries, history } = recording();
    await expect(history.page({ limit: 1 })).resolves.toEqual({ items: [], next: null });
    expect(queries).toEqual([{ limit: 1 }]);
  });

  it('a limit of 0 is refused, naming it', async () => {
    await expect(recording().history.page({ limit: 0 })).rejects.toThrow(new RangeError('limit must be a whole number from 1, not 0'));
  });

  it('asks storage for all owners and from the start when neither is given (no ownerId or after key at all)', async () => {
    const { queries, history } = recording();
    await history.page({ limit: 5 });
    expect(Object.keys(queries[0])).toEqual(['limit']);
    await history.page({ ownerId: 'user-alice', after: ID, limit: 5 });
    expect(queries[1]).toEqual({ ownerId: 'user-alice', after: ID, limit: 5 });
  });
});

describe('storedVersionOf: the version of a cached task read', () => {
  it('is null for a cached miss and the etag number otherwise', () => {
    expect(storedVersionOf('')).toBeNull();
    expect(storedVersionOf('"12"\n{"id":"x"}')).toBe(12);
  });
});
