import type { CoachEvidence } from '../../domain/coaching.types';

export const COACH_LEARNING = Symbol('CoachLearning');

/** A step or task as the success model needs it. */
export interface ScoredShape {
  readonly scheduledDate: string | null;
  readonly localHour: number | null;
  readonly estimateMinutes: number | null;
  readonly tags: readonly string[];
  readonly deferrals: number;
  readonly dayLoad: number | null;
}

/** What the coach reads of the learning context (its facade). */
export interface CoachLearning {
  /** `days`: other days whose loads to include (the failed task's own day). */
  evidenceOf(userId: string, today: string, horizonDays?: number, days?: readonly string[]): Promise<CoachEvidence>;
  predict(userId: string, tasks: readonly ScoredShape[]): Promise<number[]>;
}
