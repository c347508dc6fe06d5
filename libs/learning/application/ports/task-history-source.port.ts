export const TASK_HISTORY_SOURCE = Symbol('TaskHistorySource');

/** A task's current state as the task context publishes it (its history facade): what a rebuild starts from. */
export interface TaskHistoryRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly status: 'open' | 'done' | 'failed' | 'dropped';
  readonly scheduledDate: string | null;
  readonly scheduledAt: string | null;
  readonly estimateMinutes: number | null;
  readonly actualMinutes: number | null;
  readonly tags: readonly string[];
  /** 1 (most important) to 4. */
  readonly priority: number;
  readonly deferrals: number;
  readonly failureReason: string | null;
  readonly closedAt: string | null;
  readonly version: number;
}

/** Every live task, a page at a time (keyset on id), for all users or one. */
export interface TaskHistorySource {
  page(options: { ownerId?: string; after?: string; limit: number }): Promise<{ items: readonly TaskHistoryRecord[]; next: string | null }>;
}
