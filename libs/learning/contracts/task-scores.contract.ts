/**
 * What the learning context publishes about open tasks' predictions (through the outbox, in the
 * projection's transaction): the predictions that changed for one user, as a user sees them. Other
 * contexts keep their own copy (the task context shows them on its reads); they never read
 * learning's tables.
 */
export const TASK_SCORES_CHANGED = 'learning.task-scores.v1';

/** The aggregate the events are about: one user's success model; `version` orders its events. */
export const SUCCESS_MODEL_AGGREGATE = 'success-model';

/** At most this many predictions per event (a user with more open tasks gets several events). */
export const MAX_SCORES_PER_EVENT = 250;

export interface PublishedFactor {
  /** In the user's own numbers: "scheduled after 21:00: 3 of 11 such tasks done". */
  readonly text: string;
  /** Whether it raises or lowers the chance. */
  readonly effect: 'helps' | 'hurts';
}

export interface PublishedScore {
  readonly taskId: string;
  /** Chance the task is done rather than failed, 0..1, to two decimals. */
  readonly successProbability: number;
  /** Up to 3, strongest first. */
  readonly factors: readonly PublishedFactor[];
}

export interface TaskScoresChangedPayload {
  /** Open tasks whose prediction changed (new, or different as shown). */
  readonly scores: readonly PublishedScore[];
  /** Tasks that no longer have one (closed or deleted). */
  readonly removed: readonly string[];
}
