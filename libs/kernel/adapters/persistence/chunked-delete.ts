import type { Database } from './database';
import { rowsOf } from './rows';

/**
 * Deletes the rows of `table` whose `column` is before `olderThan`, `chunk` rows per statement
 * (through an index on `column`, so a pass never holds many row locks at once), keyed by `key`
 * (one column or several); how many were deleted. The inboxes' retention passes.
 */
export async function deleteOlderInChunks(db: Database, target: { table: string; key: readonly string[]; column: string }, olderThan: Date, chunk: number): Promise<number> {
  const key = target.key.length === 1 ? target.key[0]! : `(${target.key.join(', ')})`;
  let deleted = 0;
  for (;;) {
    const gone = rowsOf<unknown>(
      await db.run((m) =>
        m.query(
          `DELETE FROM ${target.table} WHERE ${key} IN (
             SELECT ${target.key.join(', ')} FROM ${target.table} WHERE ${target.column} < $1 LIMIT $2)
           RETURNING 1`,
          [olderThan.toISOString(), chunk],
        ),
      ),
    );
    deleted += gone.length;
    if (gone.length < chunk) return deleted;
  }
}
