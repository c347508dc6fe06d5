import { ConcurrentModification, type StepCounts, type TaskIdClaim, type TaskRepository } from '@ln/application';
import { Schedule, Task, TaskIdConflict } from '@ln/domain';
import type { Database } from './database';
import { outboxStatement } from './outbox.writer';
import { TASK_COLUMNS, type TaskRow, UNSCHEDULED, rowToState, rowsOf } from './task-rows';

export class TypeOrmTaskRepository implements TaskRepository {
  constructor(private readonly db: Database) {}

  async get(ownerId: string, id: string): Promise<Task | null> {
    const rows = rowsOf<TaskRow>(
      await this.db.run((m) => m.query(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`, [id, ownerId])),
    );
    return rows[0] ? Task.restore(rowToState(rows[0])) : null;
  }

  async claimOf(id: string): Promise<TaskIdClaim | null> {
    const rows = rowsOf<{ owner_id: string; create_fingerprint: string | null; deleted: boolean }>(
      await this.db.run((m) =>
        m.query(`SELECT owner_id, create_fingerprint, deleted_at IS NOT NULL AS deleted FROM tasks WHERE id = $1`, [id]),
      ),
    );
    const r = rows[0];
    return r ? { ownerId: r.owner_id, createFingerprint: r.create_fingerprint, deleted: r.deleted } : null;
  }

  async countSteps(ownerId: string, parentId: string): Promise<StepCounts> {
    const rows = rowsOf<{ total: string | number; open: string | number }>(
      await this.db.run((m) =>
        m.query(
          `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'open') AS open
             FROM tasks WHERE parent_id = $1 AND owner_id = $2 AND deleted_at IS NULL`,
          [parentId, ownerId],
        ),
      ),
    );
    return { total: Number(rows[0]?.total ?? 0), open: Number(rows[0]?.open ?? 0) };
  }

  async save(task: Task, createFingerprint?: string): Promise<void> {
    const events = task.peekEvents();
    if (events.length === 0) return;
    const s = task.state;
    const loadedVersion = events[0].version - 1;
    const values = [
      s.id,
      s.ownerId,
      s.title,
      s.notes,
      s.scheduledDate,
      s.scheduledAt,
      s.scheduledDate ? Schedule.sortKeyOf(s.scheduledDate, s.scheduledAt) : UNSCHEDULED,
      s.dueAt,
      s.estimateMinutes,
      s.priority,
      s.tags,
      s.tags.map((t) => t.toLowerCase()),
      s.parentId,
      s.depth,
      s.status,
      s.failure ? JSON.stringify(s.failure) : null,
      s.deferrals,
      s.replanOf,
      s.version,
      s.createdAt,
      s.updatedAt,
      s.closedAt,
      s.deletedAt,
    ];
    // One statement, so one round trip and no explicit transaction: the task write and its
    // outbox rows (and the relay's NOTIFY) commit together or not at all. Inside a worker's batch
    // it simply joins the batch's transaction.
    const write =
      loadedVersion === 0
        ? `INSERT INTO tasks (id, owner_id, title, notes, scheduled_date, scheduled_at, scheduled_sort, due_at, estimate_minutes,
                              priority, tags, tag_keys, parent_id, depth, status, failure, deferrals, replan_of, version,
                              created_at, updated_at, closed_at, deleted_at, create_fingerprint)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24)
           ON CONFLICT (id) DO NOTHING RETURNING id`
        : `UPDATE tasks SET title=$3, notes=$4, scheduled_date=$5, scheduled_at=$6, scheduled_sort=$7, due_at=$8,
                  estimate_minutes=$9, priority=$10, tags=$11, tag_keys=$12, parent_id=$13, depth=$14, status=$15,
                  failure=$16, deferrals=$17, replan_of=$18, version=$19, created_at=$20, updated_at=$21,
                  closed_at=$22, deleted_at=$23
            WHERE id=$1 AND owner_id=$2 AND version=$24 RETURNING id`;
    const outbox = outboxStatement(events, 25, 'EXISTS (SELECT 1 FROM task_written)');
    const rows = rowsOf<{ written: number }>(
      await this.db.run((m) =>
        m.query(
          `WITH task_written AS (${write}), ${outbox.ctes}
           SELECT (SELECT count(*) FROM task_written)::int AS written, (SELECT n FROM outbox_notified) AS notified`,
          [...values, loadedVersion === 0 ? (createFingerprint ?? null) : loadedVersion, ...outbox.params],
        ),
      ),
    );
    if (rows[0]?.written !== 1) throw loadedVersion === 0 ? new TaskIdConflict() : new ConcurrentModification('task');
    task.pullEvents();
  }
}
