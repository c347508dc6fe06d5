import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import type { TaskCursor, TaskSort } from '../ports/task-read-model.port';
import { isUuid } from '@ln/kernel/domain/uuid';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** Schedule.sortKey, or '~' for an unscheduled task. */
const SCHEDULE_KEY = /^(~|\d{4}-\d{2}-\d{2}\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)?)$/;

/**
 * Every date and time inside the key exists (the database would refuse 2026-02-30 or 25:00), in
 * the years PostgreSQL reads as written, 0001-9999 (it has no year 0000): the same range the list
 * filters accept.
 */
function realInstants(key: string): boolean {
  for (const [, y, mo, d, time] of key.matchAll(/(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}:\d{2})?/g)) {
    if (Number(y) < 1) return false;
    // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
    const probe = new Date(0);
    probe.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    if (probe.getUTCMonth() !== Number(mo) - 1 || probe.getUTCDate() !== Number(d)) return false;
    if (time) {
      const [h, m, s] = time.slice(1).split(':').map(Number);
      if (h > 23 || m > 59 || s > 59) return false;
    }
  }
  return true;
}

/** Cursors are opaque to clients: base64url of the keyset position, bound to the sort they came from. */
export function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string, sort: TaskSort): TaskCursor {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    // The key goes into SQL as a timestamp and the id as a uuid: anything else is not ours.
    const keyShape = sort === 'createdAt' || sort === '-createdAt' ? ISO : SCHEDULE_KEY;
    if (s === sort && typeof key === 'string' && keyShape.test(key) && realInstants(key) && typeof id === 'string' && isUuid(id)) {
      return { sort, key, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidValue('invalid_cursor', 'cursor', 'not a cursor from this listing and sort; start again without it');
}
