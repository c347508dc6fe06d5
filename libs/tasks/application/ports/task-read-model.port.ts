import type { Failure } from '../../domain/failure-reason.value-object';
import type { TaskState, TaskStatus } from '../../domain/task.aggregate';
import type { TaskFactor } from './task-predictions.port';

export const TASK_READ_MODEL = Symbol('TaskReadModel');

/**
 * What a client sees of a task (the HTTP response schema `TaskResponse` is checked against it at
 * compile time). `stateToView` is the one mapping from a task's state to it.
 */
export interface TaskView {
  readonly id: string;
  readonly title: string;
  readonly notes: string | null;
  readonly scheduledFor: string | null;
  readonly dueAt: string | null;
  readonly estimateMinutes: number | null;
  /** The minutes a done task took, when its owner said on completion. */
  readonly actualMinutes: number | null;
  readonly priority: number;
  readonly tags: readonly string[];
  readonly parentId: string | null;
  readonly status: TaskStatus;
  readonly failure: Failure | null;
  readonly deferrals: number;
  readonly replanOf: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
  /**
   * An open task's chance of being done rather than failed (0..1), from its owner's history; null
   * for a closed task and until the learning context has scored it. Derived, versionless: it changes
   * without the task's version (ETag).
   */
  readonly successProbability: number | null;
  /** Up to 3 reasons for it, strongest first; empty when there is none. */
  readonly factors: readonly TaskFactor[];
}

export type TaskSort = 'createdAt' | '-createdAt' | 'scheduledFor' | '-scheduledFor';

export interface TaskListFilter {
  readonly status?: readonly TaskStatus[];
  /** Inclusive local dates (YYYY-MM-DD) on the scheduled day. */
  readonly scheduledFrom?: string;
  readonly scheduledTo?: string;
  /** Inclusive instants on dueAt. */
  readonly dueFrom?: string;
  readonly dueTo?: string;
  /** Open and past due at `now`. */
  readonly overdue?: boolean;
  readonly tag?: string;
  /** A parent's id, or null for top-level tasks only. Undefined: any. */
  readonly parentId?: string | null;
}

/** Keyset position: the sort key of the last item returned and its id. */
export interface TaskCursor {
  readonly sort: TaskSort;
  readonly key: string;
  readonly id: string;
}

export interface TaskListQuery {
  readonly ownerId: string;
  readonly filter: TaskListFilter;
  readonly sort: TaskSort;
  readonly limit: number;
  readonly after?: TaskCursor;
  /** The instant `overdue` is judged at (passed in so equal queries give equal answers). */
  readonly now: string;
}

export interface TaskPage {
  readonly items: readonly TaskView[];
  readonly next: TaskCursor | null;
  /** Each item's position in the sort (id -> key, as cursors carry it): storage's own, not recomputed. */
  readonly keys?: Readonly<Record<string, string>>;
}

/** Every task not deleted, of every owner or one, in id order: what a projection is rebuilt from. */
export interface TaskHistoryQuery {
  /** Only this owner's tasks (none for an id that names no owner); every owner's when absent. */
  readonly ownerId?: string;
  /** Keyset position: the id of the last task of the previous page (exclusive); an id that cannot be a task id is a RangeError. */
  readonly after?: string;
  /** Only this task (none for an id that cannot be a task id). */
  readonly id?: string;
  readonly limit: number;
}

export interface TaskStatePage {
  readonly items: readonly TaskState[];
  /** The id to pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** Reads tasks without loading aggregates (the query side). */
export interface TaskReadModel {
  get(ownerId: string, id: string): Promise<TaskView | null>;
  list(query: TaskListQuery): Promise<TaskPage>;
  /** Stored states (plain data, never aggregates), keyset-paged on id; not scoped to one owner unless asked. */
  history(query: TaskHistoryQuery): Promise<TaskStatePage>;
}
