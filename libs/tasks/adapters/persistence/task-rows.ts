import { type TaskView } from '../../application/ports/task-read-model.port';
import { stateToView } from '../../application/shared/task-view.mapper';
import type { Failure } from '../../domain/failure-reason';
import type { Priority } from '../../domain/task-details';
import type { TaskState, TaskStatus } from '../../domain/task.aggregate';

/** A `tasks` row as both drivers return it from the SELECT below (dates pre-formatted in SQL). */
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
 * Columns formatted so both engines return the same strings: a `date` would otherwise become a
 * JS Date at local midnight.
 */
export const TASK_COLUMNS = `
  id, owner_id, title, notes, to_char(scheduled_date, 'YYYY-MM-DD') AS scheduled_date, scheduled_at,
  scheduled_sort,
  due_at, estimate_minutes, priority, tags, parent_id, depth, status, failure, deferrals, replan_of,
  version, created_at, updated_at, closed_at, deleted_at`;

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

export function rowToView(r: TaskRow): TaskView {
  return stateToView(rowToState(r));
}
