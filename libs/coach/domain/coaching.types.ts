/**
 * The coach's vocabulary: what it knows of a failed (or much-postponed) task, the evidence it
 * reads (the learning context's counts, mapped by the application), the causes it ranks and the
 * plan it drafts. Plain data; no framework.
 */

export interface Counts {
  readonly done: number;
  readonly failed: number;
}

/** A user's (or the population's) all-time outcomes, grouped as the learning context groups them. */
export interface GroupedCounts {
  readonly all: Counts;
  /** By estimate bucket: `le15`, `le30`, `le60`, `le90`, `le120`, `gt120` (edges 15/30/60/90/120 min). */
  readonly size: Readonly<Record<string, Counts>>;
  /** By local hour of the scheduled time: `'0'`..`'23'`. */
  readonly hour: Readonly<Record<string, Counts>>;
  /** By weekday of the scheduled day: `'0'` (Monday)..`'6'` (Sunday). */
  readonly weekday: Readonly<Record<string, Counts>>;
  /** By the day's load (tasks scheduled that day): `'1'`, `'2'`, ... */
  readonly load: Readonly<Record<string, Counts>>;
  /** By postponements before the outcome: `'0'`, `'1'`, `'2'`, `'3+'`. */
  readonly deferrals: Readonly<Record<string, Counts>>;
  /** Failed tasks by stated reason. */
  readonly reason: Readonly<Record<string, number>>;
  /** By priority `'1'`..`'4'` (absent: not known). */
  readonly priority?: Readonly<Record<string, Counts>>;
  /** By tag, lower-cased (absent: not known; the population has none). */
  readonly tag?: Readonly<Record<string, Counts>>;
}

/** The evidence thresholds the learning context states a pattern with: the coach claims nothing weaker. */
export interface EvidenceThresholds {
  /** Outcomes needed in the group and outside it. */
  readonly minSamples: number;
  /** Smoothed rates must differ by at least this much. */
  readonly minDifference: number;
  /** Pooled two-proportion |z| at least this. */
  readonly minZ: number;
  /** Pseudo-outcomes of the prior (population's rate) added to a rate when smoothing. */
  readonly priorWeight: number;
}

export interface CoachEvidence {
  readonly user: GroupedCounts;
  readonly population: GroupedCounts;
  /** Tasks this user finishes on a day they finish anything (median); null without history. */
  readonly capacity: number | null;
  /** Tasks already scheduled per local day (`YYYY-MM-DD`), from today on. */
  readonly dayLoads: Readonly<Record<string, number>>;
  readonly thresholds: EvidenceThresholds;
  /**
   * The user's decisions on earlier plans, by the plan's most likely cause (the learning
   * context's counts of `coach.plan-accepted` / `coach.plan-rejected`); absent without any.
   */
  readonly planFeedback?: Readonly<Record<string, { readonly accepted: number; readonly rejected: number }>>;
}

export type CoachTrigger = 'failed' | 'postponed' | 'requested';

export interface TaskToCoach {
  readonly id: string;
  readonly title: string;
  readonly estimateMinutes: number | null;
  /** 1 (most important) to 4. */
  readonly priority: number;
  readonly tags: readonly string[];
  readonly deferrals: number;
  /** The local day it was scheduled on, in the owner's timezone; null when unscheduled. */
  readonly scheduledDate: string | null;
  /** The local hour of its scheduled time; null for a whole-day or unscheduled task. */
  readonly localHour: number | null;
  /** The local day of its deadline (`dueAt` in the owner's timezone), or null. */
  readonly dueDate: string | null;
  /**
   * Tasks scheduled on its day (its `scheduledDate`), when the application knows it; without it
   * the diagnosis reads `evidence.dayLoads[scheduledDate]` (which covers today on).
   */
  readonly dayLoad?: number | null;
  readonly trigger: CoachTrigger;
  /** The stated failure reason (`too_big`, `no_time`, `low_energy`, `blocked`, `unclear`, `forgot`, `deprioritized`, `interrupted`, `other`), or null. */
  readonly reason: string | null;
}

export type CauseKind =
  | 'too_big'
  | 'wrong_time'
  | 'wrong_weekday'
  | 'overloaded_day'
  | 'postponed'
  | 'vague'
  | 'blocked'
  | 'low_priority'
  | 'tag'
  | 'no_time'
  | 'low_energy'
  | 'forgot'
  | 'interrupted'
  | 'other';

export interface GroupFigure {
  readonly label: string;
  readonly done: number;
  readonly samples: number;
}

export interface Cause {
  readonly kind: CauseKind;
  /** 0..1. The stated reason is evidence itself; any other cause only with evidence that clears the thresholds. */
  readonly confidence: number;
  /** True for the cause the user stated (their failure reason). */
  readonly stated: boolean;
  /** In the user's own numbers, e.g. "tasks over 90 min: 2 of 9 done; 30 min or less: 17 of 24". */
  readonly explanation: string;
  /** The comparison behind it, when it is a comparison of the user's outcomes. */
  readonly evidence: { readonly group: GroupFigure; readonly rest: GroupFigure } | null;
  /** Where a plan must not go because of this cause (the hours, weekdays or day loads it names); absent when it names none. */
  readonly avoid?: AvoidedSlots;
}

/** Slots a cause names as where this user fails: a plan never places a step there. */
export interface AvoidedSlots {
  /** Local hours (0-23). */
  readonly hours: readonly number[];
  /** Weekdays, 0 = Monday .. 6 = Sunday. */
  readonly weekdays: readonly number[];
  /** Days with this many tasks scheduled or more (counting the step), or null. */
  readonly loadFrom: number | null;
}

export interface StepDraft {
  readonly title: string;
  readonly estimateMinutes: number;
  /** Local day and starting hour, in the owner's timezone. */
  readonly scheduledDate: string;
  readonly localHour: number;
}

export interface PlanDraft {
  /** At most 8; the first at most 15 minutes and answering the top cause. */
  readonly steps: readonly StepDraft[];
  /** False when the steps cannot all be placed on good slots before the deadline: `advice` says what to change. */
  readonly fits: boolean;
  readonly advice: string | null;
  /** The size (minutes) this user reliably finishes; no step is larger. */
  readonly reliableMinutes: number;
}
