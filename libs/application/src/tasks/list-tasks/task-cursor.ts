import { InvalidValue } from '@ln/domain';
import type { TaskCursor, TaskSort } from '../../ports/task-read-model.port';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** Schedule.sortKey, or '~' for an unscheduled task. */
const SCHEDULE_KEY = /^(~|\d{4}-\d{2}-\d{2}\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)?)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Cursors are opaque to clients: base64url of the keyset position, bound to the sort they came from. */
export function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string, sort: TaskSort): TaskCursor {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    // The key goes into SQL as a timestamp and the id as a uuid: anything else is not ours.
    const keyShape = sort === 'createdAt' || sort === '-createdAt' ? ISO : SCHEDULE_KEY;
    if (s === sort && typeof key === 'string' && keyShape.test(key) && typeof id === 'string' && UUID.test(id)) {
      return { sort, key, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidValue('invalid_cursor', 'cursor', 'not a cursor from this listing and sort; start again without it');
}
