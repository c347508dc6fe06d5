/**
 * A re-plan of a failed task: steps no larger than what this user reliably finishes, the first
 * one short and answering the most likely cause, placed where they succeed and before the
 * deadline, or advice on what to change when that cannot be done. Pure and deterministic: the
 * same task, causes, evidence and options draft the same plan.
 */
import type { Cause, CoachEvidence, PlanDraft, StepDraft, TaskToCoach } from './coaching.types';
import { NO_COUNTS, POPULATION_MIN_SAMPLES, priorFor, samplesOf, smoothedRate } from './evidence';
import { addDays, daysBetween, isLocalDay } from './local-calendar';
import { openingIsWork, openingStepFor } from './opening-step';
import { SIZE_BUCKETS, SIZE_EDGES } from './outcome-groups';
import { PLACEMENT_LADDER, type Placement, type PlacementWindow, type SlotPreferences, placeSteps, slotPreferences } from './schedule';
import { builtInTitles, safeStepTitle, taskKindOf } from './templates';

export const PLAN_DEFAULTS = {
  /** Without a deadline, steps go in the next this many days (today included). */
  horizonDays: 14,
  /** The cap: more steps than this is not a plan anyone follows. */
  maxSteps: 8,
  /** The first step is short: starting is the hard part. */
  firstStepMinutes: 15,
  /** The work of a task without an estimate. */
  workMinutesWithoutEstimate: 60,
  /** The reliable size when neither the user nor the population has outcomes by size. */
  reliableMinutesWithoutData: 30,
  /** A size bucket is reliable when its smoothed success rate is at least this (the 70%). */
  reliableRate: 0.7,
  /** A slice shorter than this is merged rather than made a step of its own. */
  minStepMinutes: 5,
  /** When nothing fits before the deadline, look this many days past it for the first day it would. */
  searchDaysPastDeadline: 366,
} as const;

/** The wording source: `count` step titles for a task of `kind` (see `taskKindOf`) whose top cause is `cause`. */
export type StepTitles = (kind: string, count: number, task: TaskToCoach, cause: Cause | undefined) => string[];

export interface PlanOptions {
  /** The owner's local day now (`YYYY-MM-DD`). */
  readonly today: string;
  /** The owner's local hour now (0-23): no step starts before the next hour. */
  readonly nowHour: number;
  readonly horizonDays?: number;
  readonly maxSteps?: number;
  /** Default: the built-in templates (`builtInTitles`). Whatever it returns is cleaned and padded; sizes, count and schedule stay ours. */
  readonly titles?: StepTitles;
}

/**
 * The size (minutes) this user reliably finishes: the upper edge of the largest size bucket (up
 * to 120 min) whose success rate, smoothed toward the population's rate for the bucket with
 * `thresholds.priorWeight` pseudo-outcomes, is at least 70%. A bucket counts when the user has
 * outcomes in it or the population has enough (30) to give it a rate of its own; a new user thus
 * gets the population's answer. 30 min when no bucket counts; 15 when none is reliable.
 */
export function reliableMinutes(evidence: CoachEvidence): number {
  const buckets = SIZE_BUCKETS.slice(0, SIZE_EDGES.length).map((bucket, i) => {
    const user = evidence.user.size[bucket] ?? NO_COUNTS;
    const population = evidence.population.size[bucket] ?? NO_COUNTS;
    return {
      edge: SIZE_EDGES[i]!,
      known: samplesOf(user) > 0 || samplesOf(population) >= POPULATION_MIN_SAMPLES,
      rate: smoothedRate(user, priorFor(evidence.population, population), evidence.thresholds.priorWeight),
    };
  });
  const known = buckets.filter((b) => b.known);
  if (known.length === 0) return PLAN_DEFAULTS.reliableMinutesWithoutData;
  const reliable = known.filter((b) => b.rate >= PLAN_DEFAULTS.reliableRate - 1e-9);
  return reliable.length ? reliable[reliable.length - 1]!.edge : SIZE_EDGES[0];
}

/** The work of a task: its estimate, or an hour without one. */
export function workMinutesOf(task: TaskToCoach): number {
  const estimate = task.estimateMinutes;
  return estimate !== null && estimate > 0 ? Math.max(1, Math.round(estimate)) : PLAN_DEFAULTS.workMinutesWithoutEstimate;
}

export interface StepSizes {
  /** Each step's minutes, in order; the first at most `firstStepMinutes`, none over the reliable size. */
  readonly minutes: readonly number[];
  /** Minutes of the task's work the steps cover (the opening step may be work or a step before it). */
  readonly covered: number;
}

/**
 * Cuts the work into steps: an opening step of at most 15 min (before the work, or its first
 * slice), then equal slices of at most `reliable` minutes. When the work needs more than
 * `maxSteps` steps, it still makes `maxSteps` of the reliable size and covers less.
 */
export function stepSizes(work: number, reliable: number, openingIsWorkStep: boolean, maxSteps: number): StepSizes {
  const first = Math.min(PLAN_DEFAULTS.firstStepMinutes, reliable);
  if (!openingIsWorkStep) {
    const slices = slicesOf(work, reliable, maxSteps - 1);
    return { minutes: [first, ...slices], covered: sum(slices) };
  }
  let opening = Math.min(first, work);
  const rest = work - opening;
  // A remainder too small for a step of its own: two halves instead (both within 15 min here).
  if (rest > 0 && rest < PLAN_DEFAULTS.minStepMinutes) opening = Math.ceil(work / 2);
  const slices = slicesOf(work - opening, reliable, maxSteps - 1);
  return { minutes: [opening, ...slices], covered: opening + sum(slices) };
}

/** `minutes` in equal whole-minute slices of at most `size`, at most `maxSlices` of them. */
function slicesOf(minutes: number, size: number, maxSlices: number): number[] {
  if (minutes <= 0 || maxSlices <= 0) return [];
  const count = Math.ceil(minutes / size);
  if (count > maxSlices) return Array.from({ length: maxSlices }, () => size);
  const base = Math.floor(minutes / count);
  const extra = minutes % count;
  return Array.from({ length: count }, (_, i) => base + (i < extra ? 1 : 0));
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Drafts the plan for a failed (or much-postponed) task from its ranked causes. */
export function draftPlan(task: TaskToCoach, causes: readonly Cause[], evidence: CoachEvidence, options: PlanOptions): PlanDraft {
  const { today, nowHour } = checkedNow(options);
  const maxSteps = Math.min(PLAN_DEFAULTS.maxSteps, Math.max(1, Math.floor(options.maxSteps ?? PLAN_DEFAULTS.maxSteps)));
  const horizonDays = Math.max(1, Math.floor(options.horizonDays ?? PLAN_DEFAULTS.horizonDays));
  const reliable = reliableMinutes(evidence);
  const work = workMinutesOf(task);
  const opensWithWork = openingIsWork(openingStepFor(causes[0]));
  const sizes = stepSizes(work, reliable, opensWithWork, maxSteps);

  const prefs = slotPreferences(evidence, causes);
  const dueDate = task.dueDate !== null && isLocalDay(task.dueDate) ? task.dueDate : null;
  const window = (lastDay: string): PlacementWindow => ({ firstDay: today, firstHour: nowHour + 1, lastDay, dayLoads: evidence.dayLoads, capacity: evidence.capacity });
  const schedule = dueDate ? scheduleByDeadline(sizes.minutes, prefs, window, today, dueDate) : scheduleWithin(sizes.minutes, prefs, window, today, horizonDays);

  const minutes = sizes.minutes.slice(0, schedule.placed.length);
  const titles = stepTitles(task, causes[0], minutes.length, options.titles);
  const steps: StepDraft[] = schedule.placed.map((slot, i) => ({ title: titles[i]!, estimateMinutes: minutes[i]!, scheduledDate: slot.date, localHour: slot.hour }));
  const covered = sum(minutes.slice(opensWithWork ? 0 : 1));
  const advice = [scopeAdvice(work, covered, maxSteps, reliable, schedule.placed.length, sizes.minutes.length), schedule.advice].filter((a): a is string => a !== null);
  return { steps, fits: schedule.fits, advice: advice.length ? advice.join(' ') : null, reliableMinutes: reliable };
}

function checkedNow(options: PlanOptions): { today: string; nowHour: number } {
  if (!isLocalDay(options.today)) throw new RangeError(`today must be a local day (YYYY-MM-DD): ${options.today}`);
  if (!Number.isInteger(options.nowHour) || options.nowHour < 0 || options.nowHour > 23) throw new RangeError(`nowHour must be an hour (0-23): ${options.nowHour}`);
  return { today: options.today, nowHour: options.nowHour };
}

interface Schedule {
  readonly placed: readonly Placement[];
  readonly fits: boolean;
  readonly advice: string | null;
}

/** The first rung of the ladder that places every step in the window, or null. */
function placeAll(minutes: readonly number[], prefs: SlotPreferences, window: PlacementWindow): Placement[] | null {
  for (const rung of PLACEMENT_LADDER) {
    const placed = placeSteps(minutes, prefs, window, rung);
    if (placed.length === minutes.length) return placed;
  }
  return null;
}

/** Of every rung, the placement that ends earliest (ties: the better rung); partial ones only when none is whole. */
function earliestFinish(minutes: readonly number[], prefs: SlotPreferences, window: PlacementWindow): Placement[] {
  const tries = PLACEMENT_LADDER.map((rung) => placeSteps(minutes, prefs, window, rung));
  const whole = tries.filter((p) => p.length === minutes.length);
  if (whole.length === 0) return tries.reduce((best, p) => (p.length > best.length ? p : best), [] as Placement[]);
  return whole.reduce((best, p) => (daysBetween(p[p.length - 1]!.date, best[best.length - 1]!.date) > 0 ? p : best));
}

/** No deadline: the next `horizonDays`; when the user's days are too full for that, later. */
function scheduleWithin(minutes: readonly number[], prefs: SlotPreferences, window: (lastDay: string) => PlacementWindow, today: string, horizonDays: number): Schedule {
  const within = placeAll(minutes, prefs, window(addDays(today, horizonDays - 1)));
  if (within) return { placed: within, fits: true, advice: null };
  const later = placeAll(minutes, prefs, window(addDays(today, horizonDays - 1 + PLAN_DEFAULTS.searchDaysPastDeadline))) ?? earliestFinish(minutes, prefs, window(addDays(today, horizonDays - 1 + PLAN_DEFAULTS.searchDaysPastDeadline)));
  const last = later[later.length - 1];
  const advice = last ? `Your next ${horizonDays} days are too full for these steps: they run to ${last.date}.` : null;
  return { placed: later, fits: true, advice };
}

/**
 * With a deadline: on or before the due day. When the steps cannot all be placed there on good
 * slots (`fits: false`), they are placed as early as they can be after it, and the advice
 * proposes the deadline that would fit, or the scope that fits the current one.
 */
function scheduleByDeadline(minutes: readonly number[], prefs: SlotPreferences, window: (lastDay: string) => PlacementWindow, today: string, dueDate: string): Schedule {
  const byDue = daysBetween(today, dueDate) >= 0 ? placeAll(minutes, prefs, window(dueDate)) : null;
  if (byDue) return { placed: byDue, fits: true, advice: null };
  const fitsByDue = daysBetween(today, dueDate) >= 0 ? Math.max(...PLACEMENT_LADDER.map((rung) => placeSteps(minutes, prefs, window(dueDate), rung).length)) : 0;
  const searchTo = addDays(daysBetween(today, dueDate) >= 0 ? dueDate : today, PLAN_DEFAULTS.searchDaysPastDeadline);
  const placed = earliestFinish(minutes, prefs, window(searchTo));
  const last = placed[placed.length - 1];
  const move = last && placed.length === minutes.length ? `move the deadline to ${last.date}` : 'move the deadline';
  const scope = fitsByDue > 0 ? `drop scope to the first ${fitsByDue} step${fitsByDue === 1 ? '' : 's'} (${sum(minutes.slice(0, fitsByDue))} min), which fit by then` : 'drop it';
  return { placed, fits: false, advice: `These steps do not fit on good slots by the deadline (${dueDate}): ${move}, or ${scope}.` };
}

/** Says so when the steps cover less than the work: too much work for the steps, or days too full to place them all. */
function scopeAdvice(work: number, covered: number, maxSteps: number, reliable: number, placed: number, drafted: number): string | null {
  if (covered >= work) return null;
  if (placed === 0) return 'No step could be placed: your days ahead are full. Drop scope or clear some days.';
  if (placed < drafted) return `Only ${placed} of the ${drafted} steps could be placed: your days ahead are full, and the plan covers ${covered} of the ${work} min. Drop scope or clear some days.`;
  return `The work (${work} min) is more than ${maxSteps} steps of the ${reliable} min you reliably finish: the plan covers ${covered} min. Drop scope, or split the rest into a task of its own.`;
}

/** The steps' titles from the wording source, cleaned, one per step (the built-in wording where it gave none). */
function stepTitles(task: TaskToCoach, cause: Cause | undefined, count: number, source: StepTitles | undefined): string[] {
  const kind = taskKindOf(task.title);
  const builtIn = builtInTitles(kind, count, task, cause);
  const given: unknown = source ? source(kind, count, task, cause) : builtIn;
  const list: readonly unknown[] = Array.isArray(given) ? given : [];
  return builtIn.map((fallback, i) => safeStepTitle(list[i], fallback));
}
