import { InvalidValue } from '@ln/domain';
import type { TaskCursor, TaskSort } from '../../ports/task-read-model.port';

/** Cursors are opaque to clients: base64url of the keyset position, bound to the sort they came from. */
export function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string, sort: TaskSort): TaskCursor {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (s === sort && typeof key === 'string' && typeof id === 'string' && key.length <= 64 && id.length <= 64) {
      return { sort, key, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidValue('invalid_cursor', 'cursor', 'not a cursor from this listing and sort; start again without it');
}
