import DataLoader from 'dataloader';
import { ConcurrentModification, DependencyUnavailable, UserNotFound } from '@ln/kernel/application/application.errors';
import { type StepCounts, type TaskIdClaim, type TaskRepository } from '../../application/ports/task.repository.port';
import { type DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { Task } from '../../domain/task.aggregate';
import { TaskIdConflict } from '../../domain/task.errors';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { outboxStatement } from '@ln/kernel/adapters/persistence/outbox.writer';
import { isForeignKeyViolation } from '@ln/kernel/adapters/persistence/pg-errors';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import {
  INSERT_COLUMNS,
  INSERT_COLUMN_LIST,
  INSERT_COLUMN_TYPES,
  TASK_COLUMNS,
  type TaskRow,
  UPDATE_ASSIGNMENTS,
  WRITE_PARAMS,
  fromUnnested,
  rowToState,
  stateToParams,
  unnestColumns,
} from './task.mapper';

/** One task's INSERT parameters, $1..$WRITE_PARAMS. */
const VALUES = Array.from({ length: WRITE_PARAMS }, (_, i) => `$${i + 1}`).join(',');

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
    const row = stateToParams(task.state);
    const loadedVersion = events[0].version - 1;
    if (loadedVersion === 0) {
      // Outside any transaction or run, creates that arrive together share one statement (see
      // `creates`); inside one (a worker's batch) the write joins it. (Inside a run on PGlite the
      // caller holds the lock the batch would wait for.)
      const created = this.db.inScope() ? await this.insertOne({ row, events, createFingerprint }) : await this.creates.load({ row, events, createFingerprint });
      if (!created) throw new TaskIdConflict();
      task.pullEvents();
      return;
    }
    // One statement, so one round trip and no explicit transaction: the task write and its
    // outbox rows (and the relay's NOTIFY) commit together or not at all. Inside a worker's batch
    // it simply joins the batch's transaction.
    // The task's columns are $1..$(WRITE_PARAMS - 1); the version loaded takes create_fingerprint's place.
    const outbox = outboxStatement(events, WRITE_PARAMS + 1, 'EXISTS (SELECT 1 FROM task_written)');
    const rows = rowsOf<{ written: number }>(
      await this.db.run((m) =>
        m.query(
          `WITH task_written AS (
             UPDATE tasks SET ${UPDATE_ASSIGNMENTS}
              WHERE id=$1 AND owner_id=$2 AND version=$${WRITE_PARAMS} RETURNING id), ${outbox.ctes}
           SELECT (SELECT count(*) FROM task_written)::int AS written, (SELECT n FROM outbox_notified) AS notified`,
          [...row, loadedVersion, ...outbox.params],
        ),
      ),
    );
    if (rows[0]?.written !== 1) throw new ConcurrentModification('task');
    task.pullEvents();
  }

  /**
   * Creates outside a transaction, coalesced: every create that reaches storage in one turn of the
   * event loop (up to 100) is one INSERT of all their rows and outbox rows, one round trip and one
   * commit instead of one each. Each caller still learns its own outcome: written, or its id taken.
   * A batch that fails for a reason of one create's own (an owner without an account) is retried
   * one create at a time, so that create alone fails. ADR 12.
   */
  private readonly creates = new DataLoader<NewTask, boolean>((batch) => this.db.detached(() => this.insertBatch(batch)), {
    cache: false,
    maxBatchSize: 100,
    batchScheduleFn: (run) => setImmediate(run),
  });

  private async insertBatch(batch: readonly NewTask[]): Promise<(boolean | Error)[]> {
    if (batch.length === 1) return [await this.insertOne(batch[0]).catch((e: Error) => e)];
    // Two creates of one id in a batch: the later goes in a statement of its own, after the first,
    // so it sees the id taken exactly as it would have on its own.
    const seen = new Set<string>();
    const now: number[] = [];
    const later: number[] = [];
    batch.forEach((c, i) => {
      const id = c.row[0] as string;
      (seen.has(id) ? later : now).push(i);
      seen.add(id);
    });
    const results: (boolean | Error)[] = new Array(batch.length);
    let written: Set<string> | null = null;
    try {
      written = await this.insertMany(now.map((i) => batch[i]));
    } catch (error) {
      if (error instanceof DependencyUnavailable) return batch.map(() => error);
    }
    if (written) now.forEach((i) => (results[i] = written.has(batch[i].row[0] as string)));
    else await Promise.all(now.map(async (i) => (results[i] = await this.insertOne(batch[i]).catch((e: Error) => e))));
    if (later.length) {
      const rest = await this.insertBatch(later.map((i) => batch[i]));
      later.forEach((i, k) => (results[i] = rest[k]));
    }
    return results;
  }

  private async insertOne({ row, events, createFingerprint }: NewTask): Promise<boolean> {
    const outbox = outboxStatement(events, WRITE_PARAMS + 1, 'EXISTS (SELECT 1 FROM task_written)');
    try {
      const rows = rowsOf<{ written: number }>(
        await this.db.run((m) =>
          m.query(
            `WITH task_written AS (
               INSERT INTO tasks (${INSERT_COLUMNS}) VALUES (${VALUES})
               ON CONFLICT (id) DO NOTHING RETURNING id), ${outbox.ctes}
             SELECT (SELECT count(*) FROM task_written)::int AS written, (SELECT n FROM outbox_notified) AS notified`,
            [...row, createFingerprint ?? null, ...outbox.params],
          ),
        ),
      );
      return rows[0]?.written === 1;
    } catch (error) {
      throw isForeignKeyViolation(error, OWNER_FK) ? new UserNotFound() : error;
    }
  }

  /** The ids written; the rest were taken. Throws if any create fails (the caller retries them one by one). */
  private async insertMany(batch: readonly NewTask[]): Promise<Set<string>> {
    const columns = unnestColumns(batch.map(({ row, createFingerprint }) => [...row, createFingerprint ?? null]));
    const events = batch.flatMap((c) => c.events);
    const outbox = outboxStatement(events, columns.length + 1, 'e.aggregate_id IN (SELECT id FROM task_written)');
    const rows = rowsOf<{ written: string[] }>(
      await this.db.run((m) =>
        m.query(
          `WITH input AS (
             SELECT * FROM unnest(${INSERT_COLUMN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) WITH ORDINALITY AS t(${INSERT_COLUMNS}, n)),
           task_written AS (
             INSERT INTO tasks (${INSERT_COLUMNS})
             SELECT ${INSERT_COLUMN_LIST.map((c) => fromUnnested(c)).join(', ')}
               FROM input ORDER BY n
             ON CONFLICT (id) DO NOTHING RETURNING id), ${outbox.ctes}
           SELECT ARRAY(SELECT id::text FROM task_written) AS written, (SELECT n FROM outbox_notified) AS notified`,
          [...columns, ...outbox.params],
        ),
      ),
    );
    return new Set(rows[0]?.written ?? []);
  }
}

interface NewTask {
  readonly row: unknown[];
  readonly events: readonly DomainEvent[];
  readonly createFingerprint?: string;
}

const OWNER_FK = 'tasks_owner_id_fkey';
