import type { Database } from '@ln/kernel/adapters/persistence/database';
import { outboxStatement } from '@ln/kernel/adapters/persistence/outbox.writer';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import { BatchWriteConflict, type StoredTask, type TaskBatchStore, type TaskBatchWrite } from '../../application/ports/task-batch-store.port';
import { INSERT_COLUMNS, INSERT_COLUMN_LIST, INSERT_COLUMN_TYPES, TASK_COLUMNS, type TaskRow, fromUnnested, rowToState, stateToParams, unnestColumns } from './task.mapper';
import { isUuid } from '@ln/kernel/domain/uuid';


/** The written columns but the key and create_fingerprint (what an UPDATE ... FROM sets). */
const UPDATED = INSERT_COLUMN_LIST.filter((c) => c !== 'id' && c !== 'owner_id' && c !== 'create_fingerprint');

/**
 * The set statements of a worker's batch (#13, ADR 22): one SELECT for everything its commands
 * read, one statement for everything they write (inserts, updates with the version check in SQL,
 * outbox rows and the relay's NOTIFY), whatever the batch's size.
 */
export class TypeOrmTaskBatchStore implements TaskBatchStore {
  constructor(private readonly db: Database) {}

  async load(ids: readonly string[]): Promise<StoredTask[]> {
    const wanted = [...new Set(ids.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
    if (wanted.length === 0) return [];
    const rows = rowsOf<TaskRow & { create_fingerprint: string | null }>(
      await this.db.run((m) =>
        m.query(
          `SELECT ${TASK_COLUMNS}, create_fingerprint FROM tasks
            WHERE id = ANY($1::uuid[]) OR (parent_id = ANY($1::uuid[]) AND deleted_at IS NULL)`,
          [wanted],
        ),
      ),
    );
    return rows.map((r) => ({ state: rowToState(r), createFingerprint: r.create_fingerprint }));
  }

  async write(batch: TaskBatchWrite): Promise<void> {
    if (batch.inserts.length === 0 && batch.updates.length === 0 && batch.events.length === 0) return;
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;

    // Inserts: one row per new task, in the order they were made (a step after its parent).
    const unnested = (columns: unknown[][]) => columns.map((values, c) => `${param(values)}::${INSERT_COLUMN_TYPES[c]}[]`);
    const insertCols = unnested(unnestColumns(batch.inserts.map((t) => [...stateToParams(t.state), t.createFingerprint])));
    // Updates: the same columns, plus the version each task was loaded at.
    const updateCols = unnested(unnestColumns(batch.updates.map((t) => [...stateToParams(t.state), null])));
    const loaded = param(batch.updates.map((t) => t.loadedVersion));
    const outbox = outboxStatement(batch.events, params.length + 1);
    params.push(...outbox.params);

    const rows = rowsOf<{ inserted: number; updated: number }>(
      await this.db.run((m) =>
        m.query(
          `WITH new_rows AS (
             SELECT * FROM unnest(${insertCols.join(', ')}) WITH ORDINALITY AS t(${INSERT_COLUMNS}, n)),
           inserted AS (
             INSERT INTO tasks (${INSERT_COLUMNS})
             SELECT ${INSERT_COLUMN_LIST.map((c) => fromUnnested(c)).join(', ')} FROM new_rows ORDER BY n
             ON CONFLICT (id) DO NOTHING RETURNING id),
           changed_rows AS (
             SELECT * FROM unnest(${updateCols.join(', ')}, ${loaded}::int[]) AS t(${INSERT_COLUMNS}, loaded_version)),
           updated AS (
             UPDATE tasks SET ${UPDATED.map((c) => `${c} = ${fromUnnested(c, 'v.')}`).join(', ')}
               FROM changed_rows v
              WHERE tasks.id = v.id AND tasks.owner_id = v.owner_id AND tasks.version = v.loaded_version
             RETURNING tasks.id),
           ${outbox.ctes}
           SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM updated)::int AS updated,
                  (SELECT n FROM outbox_notified) AS notified`,
          params,
        ),
      ),
    );
    const { inserted, updated } = rows[0] ?? { inserted: 0, updated: 0 };
    // The statement has run: a mismatch must undo it, so it throws and the caller's transaction rolls back.
    if (inserted !== batch.inserts.length) throw new BatchWriteConflict(`${batch.inserts.length - inserted} of ${batch.inserts.length} new ids taken`);
    if (updated !== batch.updates.length) throw new BatchWriteConflict(`${batch.updates.length - updated} of ${batch.updates.length} tasks changed since they were read`);
  }
}
