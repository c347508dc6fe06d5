import type { Database } from '@ln/kernel/adapters/persistence/database';
import { appendToOutbox } from '@ln/kernel/adapters/persistence/outbox.writer';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { LearningHistory, PlanDecision, PlanFeedback, TaskScore, TrackedVersion } from '../../application/ports/learning-history.port';
import { TOTAL_DAY } from '../../domain/totals';
import type { Cell, Dimension, TrackedTask } from '../../domain/tracked-task.value-object';

/** The population's totals live under this user id. */
export const POPULATION = '00000000-0000-0000-0000-000000000000';
/** Per-tag totals say nothing about other users (and `plan` is per day, never a total). */
const NOT_POPULATION: ReadonlySet<Dimension> = new Set(['plan', 'tag']);

const CELL_COLUMNS = 'n, done, failed, dropped, calibrated, estimate_sum, actual_sum';

interface CellRow {
  day?: string | Date;
  dimension: Dimension;
  key: string;
  n: number | string;
  done: number | string;
  failed: number | string;
  dropped: number | string;
  calibrated: number | string;
  estimate_sum: number | string;
  actual_sum: number | string;
}

/** jsonb as the drivers return it: parsed (pg) or as text (PGlite through some paths). */
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

const dayOf = (d: string | Date) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

function cellOf(r: CellRow): Cell {
  return {
    day: r.day === undefined ? TOTAL_DAY : dayOf(r.day),
    dimension: r.dimension,
    key: r.key,
    n: Number(r.n),
    done: Number(r.done),
    failed: Number(r.failed),
    dropped: Number(r.dropped),
    calibrated: Number(r.calibrated),
    estimateSum: Number(r.estimate_sum),
    actualSum: Number(r.actual_sum),
  };
}

/** Rows of cells as unnest parameters, from `$first`: user, [day,] dimension, key and the counts. */
function cellParams(rows: readonly { userId: string; cell: Cell }[], withDay: boolean): unknown[] {
  const col = <T>(f: (r: { userId: string; cell: Cell }) => T) => rows.map(f);
  return [
    col((r) => r.userId),
    ...(withDay ? [col((r) => r.cell.day)] : []),
    col((r) => r.cell.dimension),
    col((r) => r.cell.key),
    col((r) => r.cell.n),
    col((r) => r.cell.done),
    col((r) => r.cell.failed),
    col((r) => r.cell.dropped),
    col((r) => r.cell.calibrated),
    col((r) => r.cell.estimateSum),
    col((r) => r.cell.actualSum),
  ];
}

const ADD_COUNTS = (table: string) => `
           n = ${table}.n + EXCLUDED.n,
           done = ${table}.done + EXCLUDED.done,
           failed = ${table}.failed + EXCLUDED.failed,
           dropped = ${table}.dropped + EXCLUDED.dropped,
           calibrated = ${table}.calibrated + EXCLUDED.calibrated,
           estimate_sum = ${table}.estimate_sum + EXCLUDED.estimate_sum,
           actual_sum = ${table}.actual_sum + EXCLUDED.actual_sum`;

/**
 * Plain SQL on either engine. One event is two statements: the task's tracked state, and every
 * changed cell (the owner's and the population's) added in one upsert.
 */
export class TypeOrmLearningHistory implements LearningHistory {
  constructor(private readonly db: Database) {}

  async tracked(taskId: string): Promise<TrackedVersion | null> {
    const rows = rowsOf<{ version: number; tracked: unknown }>(await this.db.run((m) => m.query(`SELECT version, tracked FROM learning_tasks WHERE task_id = $1`, [taskId])));
    const row = rows[0];
    return row ? { version: row.version, task: json<TrackedVersion['task']>(row.tracked) } : null;
  }

  async record(userId: string, taskId: string, next: TrackedVersion, change: readonly Cell[], totals: readonly Cell[]): Promise<void> {
    await this.db.run(async (m) => {
      await m.query(
        `INSERT INTO learning_tasks (task_id, user_id, version, tracked) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (task_id) DO UPDATE SET version = EXCLUDED.version, tracked = EXCLUDED.tracked`,
        [taskId, userId, next.version, next.task ? JSON.stringify(next.task) : null],
      );
      if (change.length > 0) {
        await m.query(
          `INSERT INTO learning_cells (user_id, day, dimension, key, ${CELL_COLUMNS})
           SELECT * FROM unnest($1::uuid[], $2::date[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::bigint[], $11::bigint[])
           ON CONFLICT (user_id, day, dimension, key) DO UPDATE SET ${ADD_COUNTS('learning_cells')}`,
          cellParams(change.map((cell) => ({ userId, cell })), true),
        );
      }
      const rows = [
        ...totals.map((cell) => ({ userId, cell })),
        ...totals.filter((c) => !NOT_POPULATION.has(c.dimension)).map((cell) => ({ userId: POPULATION, cell })),
      ];
      if (rows.length > 0) {
        await m.query(
          `INSERT INTO learning_totals (user_id, dimension, key, ${CELL_COLUMNS})
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[], $10::bigint[])
           ON CONFLICT (user_id, dimension, key) DO UPDATE SET ${ADD_COUNTS('learning_totals')}`,
          cellParams(rows, false),
        );
      }
    });
  }

  async totals(userId: string): Promise<Cell[]> {
    const rows = rowsOf<CellRow>(
      await this.db.run((m) =>
        m.query(
          `SELECT dimension, key, ${CELL_COLUMNS} FROM learning_totals
           WHERE user_id = $1 AND (n <> 0 OR done <> 0 OR failed <> 0 OR dropped <> 0 OR calibrated <> 0)
           ORDER BY dimension, key`,
          [userId],
        ),
      ),
    );
    return rows.map(cellOf);
  }

  async plan(userId: string, days: readonly string[]): Promise<Map<string, Cell>> {
    if (days.length === 0) return new Map();
    const rows = rowsOf<CellRow>(
      await this.db.run((m) =>
        m.query(
          `SELECT day::text AS day, dimension, key, ${CELL_COLUMNS} FROM learning_cells
           WHERE user_id = $1 AND dimension = 'plan' AND key = '' AND day = ANY($2::date[])`,
          [userId, days],
        ),
      ),
    );
    return new Map(rows.map((r) => [dayOf(r.day!), cellOf(r)]));
  }

  async cells(userId: string, range: { readonly from?: string; readonly to?: string }): Promise<Cell[]> {
    const rows = rowsOf<CellRow>(
      await this.db.run((m) =>
        m.query(
          `SELECT day::text AS day, dimension, key, n, done, failed, dropped, calibrated, estimate_sum, actual_sum FROM learning_cells
           WHERE user_id = $1 AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)
             AND (n <> 0 OR done <> 0 OR failed <> 0 OR dropped <> 0 OR calibrated <> 0)
           ORDER BY day, dimension, key`,
          [userId, range.from ?? null, range.to ?? null],
        ),
      ),
    );
    return rows.map(cellOf);
  }

  async population(): Promise<Cell[]> {
    return this.totals(POPULATION);
  }

  async trackedOf(userId: string): Promise<{ taskId: string; tracked: TrackedVersion }[]> {
    const rows = rowsOf<{ task_id: string; version: number; tracked: unknown }>(
      await this.db.run((m) => m.query(`SELECT task_id, version, tracked FROM learning_tasks WHERE user_id = $1 ORDER BY task_id`, [userId])),
    );
    return rows.map((r) => ({ taskId: r.task_id, tracked: { version: r.version, task: json<TrackedVersion['task']>(r.tracked) } }));
  }

  async forgetAll(): Promise<void> {
    await this.db.run(async (m) => {
      await m.query(`DELETE FROM learning_cells`);
      await m.query(`DELETE FROM learning_totals`);
      await m.query(`DELETE FROM learning_tasks`);
      await m.query(`DELETE FROM learning_scores`);
    });
  }

  async openTasks(userId: string): Promise<TrackedTask[]> {
    const rows = rowsOf<{ tracked: unknown }>(
      await this.db.run((m) => m.query(`SELECT tracked FROM learning_tasks WHERE user_id = $1 AND tracked->>'status' = 'open' ORDER BY task_id`, [userId])),
    );
    return rows.map((r) => json<TrackedTask>(r.tracked));
  }

  async saveScores(userId: string, scores: readonly TaskScore[], removed: readonly string[], events: readonly DomainEvent[]): Promise<void> {
    await this.db.run(async (m) => {
      if (removed.length > 0) await m.query(`DELETE FROM learning_scores WHERE user_id = $1 AND task_id = ANY($2::uuid[])`, [userId, removed]);
      if (scores.length > 0) {
        await m.query(
          `INSERT INTO learning_scores (task_id, user_id, probability, factors)
           SELECT t, $1::uuid, p, f FROM unnest($2::uuid[], $3::real[], $4::jsonb[]) AS s(t, p, f)
           ON CONFLICT (task_id) DO UPDATE SET probability = EXCLUDED.probability, factors = EXCLUDED.factors`,
          [userId, scores.map((s) => s.taskId), scores.map((s) => s.probability), scores.map((s) => JSON.stringify(s.factors))],
        );
      }
      await appendToOutbox(m, events);
    });
  }

  async scoresOf(userId: string, taskIds?: readonly string[]): Promise<Map<string, TaskScore>> {
    if (taskIds?.length === 0) return new Map();
    const rows = rowsOf<{ task_id: string; probability: number | string; factors: unknown }>(
      await this.db.run((m) =>
        m.query(`SELECT task_id, probability, factors FROM learning_scores WHERE user_id = $1 AND ($2::uuid[] IS NULL OR task_id = ANY($2::uuid[]))`, [
          userId,
          taskIds ?? null,
        ]),
      ),
    );
    return new Map(
      rows.map((r) => [
        r.task_id,
        { taskId: r.task_id, probability: Number(r.probability), factors: json<TaskScore['factors']>(r.factors) },
      ]),
    );
  }

  async recordPlanDecision(userId: string, cause: string, decision: PlanDecision): Promise<void> {
    const [accepted, rejected] = decision === 'accepted' ? [1, 0] : [0, 1];
    await this.db.run((m) =>
      m.query(
        `INSERT INTO learning_plan_feedback (user_id, cause, accepted, rejected) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, cause) DO UPDATE SET accepted = learning_plan_feedback.accepted + EXCLUDED.accepted,
                                                    rejected = learning_plan_feedback.rejected + EXCLUDED.rejected`,
        [userId, cause, accepted, rejected],
      ),
    );
  }

  async planFeedback(userId: string): Promise<Record<string, PlanFeedback>> {
    const rows = rowsOf<{ cause: string; accepted: number | string; rejected: number | string }>(
      await this.db.run((m) => m.query(`SELECT cause, accepted, rejected FROM learning_plan_feedback WHERE user_id = $1`, [userId])),
    );
    return Object.fromEntries(rows.map((r) => [r.cause, { accepted: Number(r.accepted), rejected: Number(r.rejected) }]));
  }

  async nextModelVersions(userId: string, count: number): Promise<number> {
    const rows = rowsOf<{ version: number | string }>(
      await this.db.run((m) =>
        m.query(
          `INSERT INTO learning_models (user_id, version) VALUES ($1, $2)
           ON CONFLICT (user_id) DO UPDATE SET version = learning_models.version + EXCLUDED.version
           RETURNING version`,
          [userId, count],
        ),
      ),
    );
    return Number(rows[0].version) - count + 1;
  }
}
