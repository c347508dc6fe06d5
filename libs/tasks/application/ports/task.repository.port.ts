import type { Task } from '../../domain/task.aggregate';

export const TASK_REPOSITORY = Symbol('TaskRepository');

export interface StepCounts {
  /** Steps not deleted. */
  readonly total: number;
  /** Steps still open. */
  readonly open: number;
}

/** What is known about a task id regardless of owner, for idempotent creates with client ids. */
export interface TaskIdClaim {
  readonly ownerId: string;
  /** Digest of the body that created it. */
  readonly createFingerprint: string | null;
  readonly deleted: boolean;
}

export interface TaskRepository {
  /** The owner's task, not deleted; null for a missing task and for another user's. */
  get(ownerId: string, id: string): Promise<Task | null>;
  claimOf(id: string): Promise<TaskIdClaim | null>;
  countSteps(ownerId: string, parentId: string): Promise<StepCounts>;
  /**
   * Inserts or updates (optimistically, on the version it was loaded at) and appends the recorded
   * events to the outbox, in one transaction. Throws ConcurrentModification on a stale version,
   * TaskIdConflict when a new task's id is taken, and UserNotFound when a new task's owner has no
   * account (storage checks it, so creating a task needs no separate account read).
   */
  save(task: Task, createFingerprint?: string): Promise<void>;
}
