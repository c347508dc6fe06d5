import type { Failure } from '../../domain/failure-reason.value-object';
import { Schedule } from '../../domain/schedule.value-object';
import type { Priority } from '../../domain/task-details.value-object';
import type { TaskState, TaskStatus } from '../../domain/task.aggregate';

/**
 * The one mapping between a task's state and its `tasks` row, both ways: the columns read
 * (`TASK_COLUMNS`, `rowToState`) and the columns written with their positional parameters
 * (`INSERT_COLUMNS`, `INSERT_COLUMN_TYPES`, `UPDATE_ASSIGNMENTS`, `stateToParams`). The statements
 * that use them stay in the repository and the read model; what a client sees of a row is the
 * application's `stateToView`.
 */

/** A `tasks` row as both drivers return it from a SELECT of `TASK_COLUMNS` (dates pre-formatted in SQL). */
export interface TaskRow {
  id: string;
  owner_id: string;
  title: string;
  notes: string | null;
  scheduled_date: string | null;
  scheduled_at: Date | string | null;
  scheduled_sort: string;
  due_at: Date | string | null;
  estimate_minutes: number | null;
  actual_minutes: number | null;
  priority: number;
  tags: string[];
  parent_id: string | null;
  depth: number;
  status: TaskStatus;
  failure: Failure | null;
  deferrals: number;
  replan_of: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  closed_at: Date | string | null;
  deleted_at: Date | string | null;
}

/** The sort key of an unscheduled task: after every 'YYYY-MM-DD|...' key, bytewise. */
export const UNSCHEDULED = '~';

/**
 * The columns read, formatted so both engines return the same strings: a `date` would otherwise
 * become a JS Date at local midnight.
 */
export const TASK_COLUMNS = `
  id, owner_id, title, notes, to_char(scheduled_date, 'YYYY-MM-DD') AS scheduled_date, scheduled_at,
  scheduled_sort,
  due_at, estimate_minutes, actual_minutes, priority, tags, parent_id, depth, status, failure, deferrals, replan_of,
  version, created_at, updated_at, closed_at, deleted_at`;

/** The columns written, in parameter order: `stateToParams` gives $1-$24, then create_fingerprint. */
export const INSERT_COLUMNS = `id, owner_id, title, notes, scheduled_date, scheduled_at, scheduled_sort, due_at, estimate_minutes,
  priority, tags, tag_keys, parent_id, depth, status, failure, deferrals, replan_of, version,
  created_at, updated_at, closed_at, deleted_at, actual_minutes, create_fingerprint`;

/** The types of INSERT_COLUMNS, in order, for the coalesced INSERT's unnest (tags as JSON). */
export const INSERT_COLUMN_TYPES = [
  'uuid', 'uuid', 'text', 'text', 'date', 'timestamptz', 'text', 'timestamptz', 'int',
  'smallint', 'jsonb', 'jsonb', 'uuid', 'smallint', 'text', 'jsonb', 'int', 'uuid', 'int',
  'timestamptz', 'timestamptz', 'timestamptz', 'timestamptz', 'int', 'text',
];

/**
 * Rows of INSERT_COLUMNS values turned into one array per column, for `unnest($n::type[], ...)`.
 * Arrays (tags) travel as JSON, one per row: an array of arrays would have to be rectangular.
 */
export function unnestColumns(rows: readonly (readonly unknown[])[]): unknown[][] {
  return INSERT_COLUMN_TYPES.map((_, c) => rows.map((row) => (Array.isArray(row[c]) ? JSON.stringify(row[c]) : row[c])));
}

/** A column of an `unnest` of `unnestColumns` as its `tasks` value (`prefix`: the unnest's alias, with its dot). */
export function fromUnnested(column: string, prefix = ''): string {
  return column === 'tags' || column === 'tag_keys' ? `ARRAY(SELECT jsonb_array_elements_text(${prefix}${column}))` : `${prefix}${column}`;
}

/** INSERT_COLUMNS one by one. */
export const INSERT_COLUMN_LIST = INSERT_COLUMNS.split(',').map((c) => c.trim());

/** How many parameters a write of one task takes: its columns ($1-$24) and create_fingerprint ($25). */
export const WRITE_PARAMS = INSERT_COLUMN_TYPES.length;

/** An UPDATE's SET list: every written column but the key (id $1, owner_id $2) and create_fingerprint, at its parameter. */
export const UPDATE_ASSIGNMENTS = `title=$3, notes=$4, scheduled_date=$5, scheduled_at=$6, scheduled_sort=$7, due_at=$8,
                    estimate_minutes=$9, priority=$10, tags=$11, tag_keys=$12, parent_id=$13, depth=$14, status=$15,
                    failure=$16, deferrals=$17, replan_of=$18, version=$19, created_at=$20, updated_at=$21,
                    closed_at=$22, deleted_at=$23, actual_minutes=$24`;

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export function rowToState(r: TaskRow): TaskState {
  return {
    id: r.id,
    ownerId: r.owner_id,
    title: r.title,
    notes: r.notes,
    scheduledDate: r.scheduled_date,
    scheduledAt: iso(r.scheduled_at),
    dueAt: iso(r.due_at),
    estimateMinutes: r.estimate_minutes,
    actualMinutes: r.actual_minutes,
    priority: r.priority as Priority,
    tags: r.tags,
    parentId: r.parent_id,
    depth: r.depth,
    status: r.status,
    failure: r.failure,
    deferrals: r.deferrals,
    replanOf: r.replan_of,
    version: r.version,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    closedAt: iso(r.closed_at),
    deletedAt: iso(r.deleted_at),
  };
}

/** The task's columns in INSERT_COLUMNS order, without create_fingerprint ($1-$24). */
export function stateToParams(s: TaskState): unknown[] {
  return [
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
    s.actualMinutes,
  ];
}
