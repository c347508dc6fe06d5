/**
 * The task context's published events, as other contexts may read them (versioned: a `.v1`
 * payload only ever gains optional fields). Plain data; the aggregate in `domain/` records them.
 */
export const TaskEventTypes = {
  Created: 'task.created.v1',
  Edited: 'task.edited.v1',
  Completed: 'task.completed.v1',
  Failed: 'task.failed.v1',
  Postponed: 'task.postponed.v1',
  Reopened: 'task.reopened.v1',
  Dropped: 'task.dropped.v1',
  Deleted: 'task.deleted.v1',
} as const;

export type TaskStatusV1 = 'open' | 'done' | 'failed' | 'dropped';

/** The fields a create sets and an edit may change. */
export interface TaskDetailsV1 {
  readonly title: string;
  readonly notes: string | null;
  /** The owner's local day ('YYYY-MM-DD'). */
  readonly scheduledDate: string | null;
  /** The instant, when scheduled at a time (ISO 8601). */
  readonly scheduledAt: string | null;
  readonly dueAt: string | null;
  readonly estimateMinutes: number | null;
  readonly priority: number;
  readonly tags: readonly string[];
}

export interface TaskCreatedV1 extends TaskDetailsV1 {
  readonly parentId: string | null;
  readonly replanOf: string | null;
}

export interface TaskEditedV1 {
  readonly changes: Partial<TaskDetailsV1>;
}

/** What every closing event (completed, failed, dropped) repeats of the task. */
export interface TaskClosedV1 {
  readonly scheduledDate: string | null;
  readonly estimateMinutes: number | null;
  readonly tags: readonly string[];
}

export interface TaskCompletedV1 extends TaskClosedV1 {
  /** Minutes it really took, when the user said (absent in events from before it existed). */
  readonly actualMinutes?: number | null;
}

export interface TaskFailedV1 extends TaskClosedV1 {
  readonly reason: string;
  readonly note: string | null;
  readonly deferrals: number;
}

export interface TaskPostponedV1 {
  readonly from: string | null;
  /** The new schedule as given: a day ('YYYY-MM-DD') or an instant. */
  readonly to: string;
  readonly scheduledDate: string;
  readonly deferrals: number;
}

export interface TaskReopenedV1 {
  readonly previousStatus: TaskStatusV1;
}

export interface TaskDeletedV1 {
  readonly status: TaskStatusV1;
}
