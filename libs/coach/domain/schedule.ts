/**
 * Where a plan's steps go: at the hours and on the weekdays this user finishes things (their
 * smoothed rates), never where a cause says they fail, never on a day their capacity cannot take,
 * never in the past. Pure: the same evidence and rules place the same steps.
 */
import type { AvoidedSlots, Cause, CoachEvidence, Counts } from './coaching.types';
import { NO_COUNTS, POPULATION_MIN_SAMPLES, countsOf, populationBaseRate, priorFor, samplesOf, smoothedRate } from './evidence';
import { addDays, daysBetween, weekdayOf } from './local-calendar';
import { dayPartHours } from './outcome-groups';

/**
 * A slot counts as good when its smoothed rate is within this of the best one's, or at least the
 * user's overall (smoothed) rate: smaller differences between two hours or weekdays are mostly
 * noise (a prior of weight 5 moves a rate 0.1 with two outcomes), and chasing them would push
 * steps days later for nothing; a slot no worse than the user's usual is never a bad one.
 */
export const GOOD_SLOT_TOLERANCE = 0.1;

/** Hours offered when neither the user nor the population has scheduled anything at a time yet. */
export const DEFAULT_HOURS: readonly number[] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
/** Hours a step may go to when every hour the user uses is avoided: the waking day. */
const WAKING_HOURS: readonly number[] = Array.from({ length: 15 }, (_, i) => 7 + i);

export interface RankedSlot {
  /** An hour (0-23) or a weekday (0 = Monday). */
  readonly value: number;
  /** Smoothed success rate there (user toward population). */
  readonly rate: number;
  /** Within `GOOD_SLOT_TOLERANCE` of the best, or no worse than the user's overall rate. */
  readonly good: boolean;
}

export interface SlotPreferences {
  /** Hours a step may take, best first. None a cause names. */
  readonly hours: readonly RankedSlot[];
  /** Weekdays a step may go on, best first. None a cause names. */
  readonly weekdays: readonly RankedSlot[];
  /** Days reaching this load (with the step) are avoided: a cause named them; or null. */
  readonly loadFrom: number | null;
}

/** Everything the causes say to stay away from, together. */
export function avoidedSlots(causes: readonly Cause[]): AvoidedSlots {
  const hours = new Set<number>();
  const weekdays = new Set<number>();
  let loadFrom: number | null = null;
  for (const cause of causes) {
    cause.avoid?.hours.forEach((h) => hours.add(h));
    cause.avoid?.weekdays.forEach((w) => weekdays.add(w));
    if (cause.avoid?.loadFrom != null) loadFrom = loadFrom === null ? cause.avoid.loadFrom : Math.min(loadFrom, cause.avoid.loadFrom);
  }
  return { hours: [...hours].sort((a, b) => a - b), weekdays: [...weekdays].sort((a, b) => a - b), loadFrom };
}

/** Ranks values by smoothed rate, best first (ties: the earlier value), marking the good ones. */
function rank(values: readonly number[], rateOf: (value: number) => number, usual: number): RankedSlot[] {
  const rated = values.map((value) => ({ value, rate: rateOf(value) })).sort((a, b) => b.rate - a.rate || a.value - b.value);
  const best = rated[0]?.rate ?? 0;
  const goodFrom = Math.min(best - GOOD_SLOT_TOLERANCE, usual) - 1e-9;
  return rated.map((r) => ({ ...r, good: r.rate >= goodFrom }));
}

/** The user's overall rate, smoothed toward the population's. */
function usualRate(evidence: CoachEvidence): number {
  return smoothedRate(evidence.user.all, populationBaseRate(evidence.population), evidence.thresholds.priorWeight);
}

function groupRate(user: Readonly<Record<string, Counts>>, population: Readonly<Record<string, Counts>>, key: string, evidence: CoachEvidence): number {
  return smoothedRate(user[key] ?? NO_COUNTS, priorFor(evidence.population, population[key] ?? NO_COUNTS), evidence.thresholds.priorWeight);
}

/**
 * An hour's rate: the user's outcomes at it, smoothed toward their outcomes at the other hours of
 * its part of the day, themselves smoothed toward the population's rate at the hour. A single hour
 * rarely has the outcomes to say anything and its part of the day often has: one success at 21:00
 * says little against six failures at 22:00 and 23:00, and without the part of the day 21:00 would
 * rank with the user's best hours.
 */
function hourRate(evidence: CoachEvidence, hour: number): number {
  const weight = evidence.thresholds.priorWeight;
  const prior = priorFor(evidence.population, evidence.population.hour[String(hour)] ?? NO_COUNTS);
  const restOfPart = countsOf(evidence.user.hour, dayPartHours(hour).filter((h) => h !== hour).map(String));
  return smoothedRate(evidence.user.hour[String(hour)] ?? NO_COUNTS, smoothedRate(restOfPart, prior, weight), weight);
}

/**
 * The hours a step may take: the user's own (hours they have outcomes at), joined, while they have
 * fewer than `minSamples` timed outcomes, by the hours the population uses (or office hours);
 * none a cause names. Ranked by the user's smoothed rate there (`hourRate`).
 */
export function rankHours(evidence: CoachEvidence, avoid: AvoidedSlots): RankedSlot[] {
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const own = hours.filter((h) => samplesOf(evidence.user.hour[String(h)] ?? NO_COUNTS) > 0);
  const ownSamples = own.reduce((n, h) => n + samplesOf(evidence.user.hour[String(h)]!), 0);
  const theirs = hours.filter((h) => samplesOf(evidence.population.hour[String(h)] ?? NO_COUNTS) >= POPULATION_MIN_SAMPLES);
  const borrowed = ownSamples >= evidence.thresholds.minSamples ? [] : theirs.length ? theirs : DEFAULT_HOURS;
  const allowed = (list: readonly number[]) => list.filter((h) => !avoid.hours.includes(h));
  const candidates = [allowed([...new Set([...own, ...borrowed])]), allowed(DEFAULT_HOURS), allowed(WAKING_HOURS)].find((c) => c.length > 0) ?? [];
  return rank(candidates, (h) => hourRate(evidence, h), usualRate(evidence));
}

/** Every weekday no cause names, ranked by the user's smoothed rate on it. */
export function rankWeekdays(evidence: CoachEvidence, avoid: AvoidedSlots): RankedSlot[] {
  const weekdays = [0, 1, 2, 3, 4, 5, 6].filter((w) => !avoid.weekdays.includes(w));
  return rank(weekdays, (w) => groupRate(evidence.user.weekday, evidence.population.weekday, String(w), evidence), usualRate(evidence));
}

export function slotPreferences(evidence: CoachEvidence, causes: readonly Cause[]): SlotPreferences {
  const avoid = avoidedSlots(causes);
  return { hours: rankHours(evidence, avoid), weekdays: rankWeekdays(evidence, avoid), loadFrom: avoid.loadFrom };
}

/** How strict a placement is: steps a day, and whether only good hours and weekdays count. */
export interface PlacementRung {
  readonly perDay: 1 | 2;
  readonly goodHoursOnly: boolean;
  readonly goodWeekdaysOnly: boolean;
}

/**
 * From the best placement to the loosest still allowed: one step a day on good hours and
 * weekdays; then two a day; then any weekday no cause names; then any hour no cause names.
 */
export const PLACEMENT_LADDER: readonly PlacementRung[] = [
  { perDay: 1, goodHoursOnly: true, goodWeekdaysOnly: true },
  { perDay: 2, goodHoursOnly: true, goodWeekdaysOnly: true },
  { perDay: 1, goodHoursOnly: true, goodWeekdaysOnly: false },
  { perDay: 2, goodHoursOnly: true, goodWeekdaysOnly: false },
  { perDay: 2, goodHoursOnly: false, goodWeekdaysOnly: false },
];

export interface PlacementWindow {
  /** The first day (local) and the first hour on it a step may start. */
  readonly firstDay: string;
  readonly firstHour: number;
  /** The last day a step may go on (inclusive). */
  readonly lastDay: string;
  /** Tasks already scheduled per day. */
  readonly dayLoads: Readonly<Record<string, number>>;
  /** The user's capacity (tasks a day), or null when unknown: no day's load may exceed it. */
  readonly capacity: number | null;
}

export interface Placement {
  readonly date: string;
  readonly hour: number;
}

/**
 * Places steps in order (each after the one before, the same day only at a later hour), each on
 * the earliest day that takes it, at that day's best free hour. Returns the steps placed, in
 * order: fewer than asked when the window runs out.
 */
export function placeSteps(minutes: readonly number[], prefs: SlotPreferences, window: PlacementWindow, rung: PlacementRung): Placement[] {
  const hours = prefs.hours.filter((h) => h.good || !rung.goodHoursOnly).map((h) => h.value);
  const weekdays = new Set(prefs.weekdays.filter((w) => w.good || !rung.goodWeekdaysOnly).map((w) => w.value));
  const placed: Placement[] = [];
  let day = window.firstDay;
  let fromHour = window.firstHour;
  for (const length of minutes) {
    let slot: Placement | null = null;
    for (; daysBetween(day, window.lastDay) >= 0; day = addDays(day, 1), fromHour = 0) {
      const hour = dayTakesStep(day, placed, weekdays, prefs, window, rung) ? hours.find((h) => h >= fromHour) : undefined;
      if (hour !== undefined) {
        slot = { date: day, hour };
        break;
      }
    }
    if (!slot) break;
    placed.push(slot);
    fromHour = slot.hour + Math.max(1, Math.ceil(length / 60));
  }
  return placed;
}

/** Whether one more step fits on `day`: an allowed weekday, room under the steps-a-day limit, the capacity and a named overload. */
function dayTakesStep(day: string, placed: readonly Placement[], weekdays: ReadonlySet<number>, prefs: SlotPreferences, window: PlacementWindow, rung: PlacementRung): boolean {
  if (!weekdays.has(weekdayOf(day))) return false;
  const stepsThatDay = placed.filter((p) => p.date === day).length;
  if (stepsThatDay >= rung.perDay) return false;
  const load = (window.dayLoads[day] ?? 0) + stepsThatDay + 1;
  if (window.capacity !== null && load > window.capacity) return false;
  return prefs.loadFrom === null || load < prefs.loadFrom;
}
