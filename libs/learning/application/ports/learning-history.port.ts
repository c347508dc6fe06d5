import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { Cell, TrackedTask } from '../../domain/tracked-task.value-object';

export const LEARNING_HISTORY = Symbol('LearningHistory');

/** What the projection keeps of a task: its tracked state (null once deleted) at an event version. */
export interface TrackedVersion {
  readonly task: TrackedTask | null;
  /** The version of the last task event applied; older events are replays and change nothing. */
  readonly version: number;
}

/**
 * The learning context's storage: tasks as tracked, and grouped counts per user and day (plus the
 * population's, the prior for users with little history). Writes join the caller's unit of work.
 */
export interface LearningHistory {
  tracked(taskId: string): Promise<TrackedVersion | null>;
  /**
   * Stores the task's new tracked state, adds `change` (the new contribution minus the old) to
   * the owner's per-day cells, and `totals` (its effect on the all-time totals, `totalsChange`) to
   * the owner's totals and, except per-tag totals, to the population's.
   */
  record(userId: string, taskId: string, next: TrackedVersion, change: readonly Cell[], totals: readonly Cell[]): Promise<void>;
  /** The user's all-time totals (a bounded number of cells, however long the history). */
  totals(userId: string): Promise<Cell[]>;
  /** The user's `plan` cells of these days (the days' loads), by day; a day without one is absent. */
  plan(userId: string, days: readonly string[]): Promise<Map<string, Cell>>;
  /** The user's cells, by day; outcome cells by the day closed, `plan` cells by the day scheduled; days inclusive. */
  cells(userId: string, range: { readonly from?: string; readonly to?: string }): Promise<Cell[]>;
  /** The population's all-time totals (summed over users; no per-tag totals). */
  population(): Promise<Cell[]>;
  /** Every task tracked for a user (for a rebuild), in task id order. */
  trackedOf(userId: string): Promise<{ taskId: string; tracked: TrackedVersion }[]>;
  /** Forgets everything (a full rebuild starts from nothing). */
  forgetAll(): Promise<void>;
  /** The user's open tasks as tracked. */
  openTasks(userId: string): Promise<TrackedTask[]>;
  /**
   * Stores these predictions (replacing earlier ones), forgets those of `removed` tasks, and
   * appends `events` (what changed, for other contexts) to the outbox: all in the caller's unit of work.
   */
  saveScores(userId: string, scores: readonly TaskScore[], removed: readonly string[], events: readonly DomainEvent[]): Promise<void>;
  /** The user's stored predictions, by task id: all of them, or those of `taskIds`. */
  scoresOf(userId: string, taskIds?: readonly string[]): Promise<Map<string, TaskScore>>;
  /**
   * Reserves `count` consecutive versions of the user's published predictions and returns the
   * first: they order a user's `learning.task-scores.v1` events for consumers. Never reset, not by a rebuild either.
   */
  nextModelVersions(userId: string, count: number): Promise<number>;
  /** Counts one decision on a coach's plan under its most likely cause (an opaque word to this context). */
  recordPlanDecision(userId: string, cause: string, decision: PlanDecision): Promise<void>;
  /** The user's decisions on plans, by cause. Not touched by a rebuild (plans are not tasks). */
  planFeedback(userId: string): Promise<Record<string, PlanFeedback>>;
}

export type PlanDecision = 'accepted' | 'rejected';

/** How many of the plans built on one cause the user accepted and rejected. */
export interface PlanFeedback {
  readonly accepted: number;
  readonly rejected: number;
}

/** A stored prediction for an open task. */
export interface TaskScore {
  readonly taskId: string;
  readonly probability: number;
  readonly factors: readonly { readonly text: string; readonly effect: number }[];
}
