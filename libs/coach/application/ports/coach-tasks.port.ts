export const COACH_TASK_SOURCE = Symbol('CoachTaskSource');
export const COACH_TASK_WRITES = Symbol('CoachTaskWrites');
export const COACH_OWNERS = Symbol('CoachOwners');

/** A task as the coach reads it (the task context's published history item). */
export interface CoachedTask {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly priority: number;
  readonly status: string;
  readonly parentId: string | null;
  readonly scheduledDate: string | null;
  readonly scheduledAt: string | null;
  readonly dueAt: string | null;
  readonly estimateMinutes: number | null;
  readonly tags: readonly string[];
  readonly deferrals: number;
  readonly failureReason: string | null;
}

export interface CoachTaskSource {
  find(ownerId: string, id: string): Promise<CoachedTask | null>;
}

/** A step created on acceptance (the task context's `TaskCreation`). */
export interface StepCreation {
  readonly id: string;
  readonly title: string;
  readonly scheduledFor: string;
  readonly estimateMinutes: number;
  readonly priority?: number | null;
  readonly tags?: readonly string[] | null;
  readonly parentId: string | null;
  readonly replanOf: string;
}

export interface CoachTaskWrites {
  /** All in one transaction (the caller's); a create whose id exists with the same fields is a replay. */
  createAll(ownerId: string, tasks: readonly StepCreation[]): Promise<readonly { readonly id: string; readonly created: boolean }[]>;
}

export interface CoachOwners {
  timezoneOf(userId: string): Promise<string | null>;
}
