import type { TaskHistoryQuery, TaskListQuery, TaskPage, TaskReadModel, TaskStatePage, TaskView } from '../../application/ports/task-read-model.port';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import { stateToView } from '../../application/shared/task-view.mapper';
import { TASK_COLUMNS, type TaskRow, rowToState } from './task.mapper';
import { isUuid } from '@ln/kernel/domain/uuid';

/** A read row: the task's columns and its stored prediction, `[probability, factors]` (or null). */
type ReadRow = TaskRow & { prediction: unknown };

/**
 * The prediction as one column: a correlated lookup by primary key (no join, so the filters' bare
 * column names stay unambiguous). Only an open task shows one.
 */
const PREDICTION = `(SELECT jsonb_build_array(p.probability, p.factors) FROM task_predictions p WHERE p.task_id = tasks.id AND tasks.status = 'open') AS prediction`;

/** A row as the client sees it: the row's state, through the application's one view mapping, and its prediction. */
function rowToView(r: ReadRow): TaskView {
  const view = stateToView(rowToState(r));
  const prediction = (typeof r.prediction === 'string' ? JSON.parse(r.prediction) : r.prediction) as [number, TaskView['factors']] | null;
  if (!prediction) return view;
  // real -> float4 -> JSON may carry float noise (0.7099999785): shown to two decimals, as published.
  return { ...view, successProbability: Math.round(prediction[0] * 100) / 100, factors: prediction[1] };
}


const ORDER = {
  createdAt: { column: 'created_at', dir: 'ASC', op: '>' },
  '-createdAt': { column: 'created_at', dir: 'DESC', op: '<' },
  scheduledFor: { column: 'scheduled_sort', dir: 'ASC', op: '>' },
  '-scheduledFor': { column: 'scheduled_sort', dir: 'DESC', op: '<' },
} as const;

/**
 * The query side of tasks: SQL straight to views, no aggregates. Every statement a request makes is
 * scoped by owner; `history` (projection rebuilds, through the TaskHistory facade) may span owners.
 */
export class TypeOrmTaskReadModel implements TaskReadModel {
  constructor(private readonly db: Database) {}

  async get(ownerId: string, id: string): Promise<TaskView | null> {
    const rows = rowsOf<ReadRow>(
      await this.db.run((m) => m.query(`SELECT ${TASK_COLUMNS}, ${PREDICTION} FROM tasks WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`, [id, ownerId])),
    );
    return rows[0] ? rowToView(rows[0]) : null;
  }

  async list(q: TaskListQuery): Promise<TaskPage> {
    const where: string[] = ['owner_id = $1', 'deleted_at IS NULL'];
    const params: unknown[] = [q.ownerId];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const f = q.filter;
    if (f.status?.length) where.push(`status = ANY(${p(f.status)}::text[])`);
    if (f.scheduledFrom) where.push(`scheduled_date >= ${p(f.scheduledFrom)}::date`);
    if (f.scheduledTo) where.push(`scheduled_date <= ${p(f.scheduledTo)}::date`);
    if (f.dueFrom) where.push(`due_at >= ${p(f.dueFrom)}::timestamptz`);
    if (f.dueTo) where.push(`due_at <= ${p(f.dueTo)}::timestamptz`);
    if (f.overdue === true) where.push(`status = 'open' AND due_at < ${p(q.now)}::timestamptz`);
    if (f.overdue === false) where.push(`NOT (status = 'open' AND due_at IS NOT NULL AND due_at < ${p(q.now)}::timestamptz)`);
    if (f.tag) where.push(`tag_keys @> ARRAY[${p(f.tag.toLowerCase())}]::text[]`);
    if (f.parentId === null) where.push('parent_id IS NULL');
    else if (f.parentId) where.push(`parent_id = ${p(f.parentId)}::uuid`);

    const order = ORDER[q.sort];
    if (q.after) {
      const key = order.column === 'created_at' ? `${p(q.after.key)}::timestamptz` : `${p(q.after.key)}::text COLLATE "C"`;
      where.push(`(${order.column}, id) ${order.op} (${key}, ${p(q.after.id)}::uuid)`);
    }
    const sql = `SELECT ${TASK_COLUMNS}, ${PREDICTION}, ${order.column === 'created_at' ? `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : 'NULL'} AS created_key
                   FROM tasks WHERE ${where.join(' AND ')}
                  ORDER BY ${order.column} ${order.dir}, id ${order.dir}
                  LIMIT ${p(q.limit + 1)}`;
    const rows = rowsOf<ReadRow & { created_key: string | null }>(await this.db.run((m) => m.query(sql, params)));
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map(rowToView),
      keys: Object.fromEntries(page.map((r) => [r.id, order.column === 'created_at' ? r.created_key! : r.scheduled_sort])),
      next:
        more && last
          ? { sort: q.sort, key: order.column === 'created_at' ? last.created_key! : last.scheduled_sort, id: last.id }
          : null,
    };
  }

  async history(q: TaskHistoryQuery): Promise<TaskStatePage> {
    // Ids are uuids: an owner that is not one has no tasks; a cursor that is not one is a caller's mistake.
    if (q.ownerId !== undefined && !isUuid(q.ownerId)) return { items: [], next: null };
    if (q.id !== undefined && !isUuid(q.id)) return { items: [], next: null };
    if (q.after !== undefined && !isUuid(q.after)) throw new RangeError('after must be a task id, as a page gave it in `next`');
    const where: string[] = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.ownerId !== undefined) where.push(`owner_id = ${p(q.ownerId)}::uuid`);
    if (q.after !== undefined) where.push(`id > ${p(q.after)}::uuid`);
    if (q.id !== undefined) where.push(`id = ${p(q.id)}::uuid`);
    // The primary key's order (uuids compare bytewise; ids are UUIDv7, so roughly creation order).
    const sql = `SELECT ${TASK_COLUMNS} FROM tasks WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${p(q.limit + 1)}`;
    const rows = rowsOf<TaskRow>(await this.db.run((m) => m.query(sql, params)));
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    return { items: page.map(rowToState), next: more ? page[page.length - 1].id : null };
  }
}
