import type { TaskCursor, TaskSort } from '../ports/task-read-model.port';
import { decodeCursor, encodeCursor } from './task-cursor';

const ID = '0195a000-0000-7000-8000-000000000001';

/** A cursor as a client would send it, built from any parts (even ones encodeCursor would never write). */
function raw(sort: unknown, key: unknown, id: unknown): string {
  return Buffer.from(JSON.stringify([sort, key, id])).toString('base64url');
}

function refusal(cursor: string, sort: TaskSort): unknown {
  try {
    decodeCursor(cursor, sort);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('task cursors', () => {
  it('round-trip: what encodeCursor writes decodes to the same position, for every sort', () => {
    const cursors: TaskCursor[] = [
      { sort: 'createdAt', key: '2026-03-01T09:00:10.000Z', id: ID },
      { sort: '-createdAt', key: '2026-03-01T09:00:10.123456Z', id: ID },
      { sort: 'createdAt', key: '2026-03-01T09:00:10Z', id: ID.toUpperCase() },
      { sort: 'scheduledFor', key: '~', id: ID },
      { sort: '-scheduledFor', key: '2026-03-02|', id: ID },
      { sort: 'scheduledFor', key: '2026-03-02|2026-03-02T23:59:59.000Z', id: ID },
      { sort: 'scheduledFor', key: '0001-01-01|', id: ID },
      { sort: 'createdAt', key: '2028-02-29T00:00:00Z', id: ID },
    ];
    for (const cursor of cursors) expect(decodeCursor(encodeCursor(cursor), cursor.sort)).toEqual(cursor);
  });

  it('is opaque base64url of the position', () => {
    const cursor: TaskCursor = { sort: 'createdAt', key: '2026-03-01T09:00:10.000Z', id: ID };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toEqual(['createdAt', cursor.key, ID]);
  });

  it('a refusal is invalid_cursor on the cursor field (400)', () => {
    expect(refusal('not a cursor', 'createdAt')).toMatchObject({ kind: 'invalid', code: 'invalid_cursor', fields: [{ field: 'cursor' }] });
  });

  it.each<[string, unknown, unknown, unknown, TaskSort]>([
    ['another sort', 'createdAt', '2026-03-01T09:00:10.000Z', ID, '-createdAt'],
    ['a key that is not a string', 'createdAt', 20260301, ID, 'createdAt'],
    ['an id that is not a string', 'createdAt', '2026-03-01T09:00:10.000Z', 1, 'createdAt'],
    ['an id that is not a uuid', 'createdAt', '2026-03-01T09:00:10.000Z', 'abc', 'createdAt'],
    ['text before the uuid', 'createdAt', '2026-03-01T09:00:10.000Z', `x${ID}`, 'createdAt'],
    ['text after the uuid', 'createdAt', '2026-03-01T09:00:10.000Z', `${ID}x`, 'createdAt'],
    ['text before the instant', 'createdAt', 'x2026-03-01T09:00:10.000Z', ID, 'createdAt'],
    ['text after the instant', 'createdAt', '2026-03-01T09:00:10.000Zx', ID, 'createdAt'],
    ['an instant without Z', 'createdAt', '2026-03-01T09:00:10.000', ID, 'createdAt'],
    ['more than microseconds', 'createdAt', '2026-03-01T09:00:10.1234567Z', ID, 'createdAt'],
    ['a schedule key for a created-at sort', 'createdAt', '2026-03-02|', ID, 'createdAt'],
    ['an instant for a schedule sort', 'scheduledFor', '2026-03-01T09:00:10.000Z', ID, 'scheduledFor'],
    ['text before a schedule key', 'scheduledFor', 'x2026-03-02|', ID, 'scheduledFor'],
    ['text after a schedule key', 'scheduledFor', '2026-03-02|x', ID, 'scheduledFor'],
    ['text before the unscheduled mark', 'scheduledFor', 'x~', ID, 'scheduledFor'],
    ['text after the unscheduled mark', 'scheduledFor', '~x', ID, 'scheduledFor'],
    ['a schedule time without milliseconds', 'scheduledFor', '2026-03-02|2026-03-02T10:00:00Z', ID, 'scheduledFor'],
    ['year 0000', 'createdAt', '0000-03-01T09:00:10Z', ID, 'createdAt'],
    ['30 February', 'createdAt', '2026-02-30T09:00:10Z', ID, 'createdAt'],
    ['29 February of a common year', 'scheduledFor', '2026-02-29|', ID, 'scheduledFor'],
    ['month 13', 'createdAt', '2026-13-01T09:00:10Z', ID, 'createdAt'],
    ['day 00', 'createdAt', '2026-03-00T09:00:10Z', ID, 'createdAt'],
    ['hour 24', 'createdAt', '2026-03-01T24:00:00Z', ID, 'createdAt'],
    ['minute 60', 'createdAt', '2026-03-01T09:60:00Z', ID, 'createdAt'],
    ['second 60', 'createdAt', '2026-03-01T09:00:60Z', ID, 'createdAt'],
    ['an impossible time inside a schedule key', 'scheduledFor', '2026-03-02|2026-03-02T25:00:00.000Z', ID, 'scheduledFor'],
    ['an impossible date inside a schedule key', 'scheduledFor', '2026-03-02|2026-02-31T10:00:00.000Z', ID, 'scheduledFor'],
  ])('refuses %s', (_, sort, key, id, asked) => {
    expect(refusal(raw(sort, key, id), asked)).toMatchObject({ code: 'invalid_cursor' });
  });

  it('accepts the last second, minute and hour of a day, and the first and last day of a month', () => {
    for (const key of ['2026-03-01T23:59:59Z', '2026-01-31T00:00:00Z', '2026-12-31T12:00:00Z', '0099-06-15T10:00:00Z']) {
      expect(decodeCursor(raw('createdAt', key, ID), 'createdAt')).toEqual({ sort: 'createdAt', key, id: ID });
    }
  });

  it('refuses what is not JSON of three parts', () => {
    expect(refusal(Buffer.from('{').toString('base64url'), 'createdAt')).toMatchObject({ code: 'invalid_cursor' });
    expect(refusal(Buffer.from('null').toString('base64url'), 'createdAt')).toMatchObject({ code: 'invalid_cursor' });
    expect(refusal(Buffer.from('["createdAt"]').toString('base64url'), 'createdAt')).toMatchObject({ code: 'invalid_cursor' });
  });
});
