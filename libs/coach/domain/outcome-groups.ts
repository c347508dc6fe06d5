/**
 * How a task's facts fall into the learning context's groups, and the ways to split each ordered
 * dimension in two with the task on one side. A habit like "fails what is over an hour" or "fails
 * late" is one group however the buckets cut it, so the coach compares tails and ranges (never a
 * single hour: a single hour rarely has the outcomes to say anything).
 */
import type { Counts, EvidenceThresholds } from './coaching.types';
import { type Comparison, compare, countsOf } from './evidence';

/** Estimate buckets, as the learning context keys them, and where they meet (minutes). */
export const SIZE_BUCKETS = ['le15', 'le30', 'le60', 'le90', 'le120', 'gt120'] as const;
export const SIZE_EDGES = [15, 30, 60, 90, 120] as const;

export function sizeBucketIndex(estimateMinutes: number): number {
  const i = SIZE_EDGES.findIndex((edge) => estimateMinutes <= edge);
  return i === -1 ? SIZE_BUCKETS.length - 1 : i;
}

/** Postponement buckets, in order. */
export const DEFERRAL_BUCKETS = ['0', '1', '2', '3+'] as const;

/** An hour counted from 05:00 (0-4 become 24-28): the night after midnight is later than the evening. */
export function lateHour(hour: number): number {
  return hour < 5 ? hour + 24 : hour;
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

export const clock = (hour: number): string => `${String(hour % 24).padStart(2, '0')}:00`;

/** Parts of the day (docs/learning.md): night 21-05, morning 05-12, afternoon 12-17, evening 17-21. */
const DAY_PARTS: readonly { readonly name: string; readonly from: number; readonly to: number }[] = [
  { name: 'in the morning (05:00-11:59)', from: 5, to: 11 },
  { name: 'in the afternoon (12:00-16:59)', from: 12, to: 16 },
  { name: 'in the evening (17:00-20:59)', from: 17, to: 20 },
  { name: 'at night (21:00-04:59)', from: 21, to: 28 },
];

/** The part of the day an hour is in. */
function dayPartOf(hour: number): (typeof DAY_PARTS)[number] {
  const late = lateHour(hour);
  return DAY_PARTS.find((p) => late >= p.from && late <= p.to)!;
}

/** The hours of `hour`'s part of the day (itself included). */
export function dayPartHours(hour: number): number[] {
  const part = dayPartOf(hour);
  return hoursBetween(part.from, part.to);
}

/** One side of a split holding the task, against the other side of the same dimension. */
export interface Split {
  /** Keys of the dimension in the task's group, and in the rest. */
  readonly groupKeys: readonly string[];
  readonly restKeys: readonly string[];
  /** In the user's words: "over 90 min", "at 20:00 or later". */
  readonly groupLabel: string;
  readonly restLabel: string;
  /** For a split of the day's load: the load its group starts at ("days with N+ tasks"). */
  readonly loadFrom?: number;
}

/** Splits by estimate with the task on the larger side: its bucket and larger, or a wider tail ("over 60 min" for a 100-min task). */
export function sizeSplits(estimateMinutes: number): Split[] {
  const index = sizeBucketIndex(estimateMinutes);
  return Array.from({ length: index }, (_, i) => index - i).map((from) => ({
    groupKeys: SIZE_BUCKETS.slice(from),
    restKeys: SIZE_BUCKETS.slice(0, from),
    groupLabel: `tasks over ${SIZE_EDGES[from - 1]} min`,
    restLabel: `${SIZE_EDGES[from - 1]} min or less`,
  }));
}

/** Hours whose late-counted hour lies in `from..to` (inclusive, 5..28). */
function hoursBetween(from: number, to: number): number[] {
  return HOURS.filter((h) => lateHour(h) >= from && lateHour(h) <= to);
}

function rangeLabel(from: number, to: number): string {
  if (to === 28 && from <= 23) return `at ${clock(from)} or later`;
  return `${clock(from)}-${String(to % 24).padStart(2, '0')}:59`;
}

function hourSplit(from: number, to: number, groupLabel = `tasks ${rangeLabel(from, to)}`): Split {
  const group = hoursBetween(from, to);
  const rest = HOURS.filter((h) => !group.includes(h));
  const restLabel = from === 5 ? rangeLabel(to + 1, 28) : to === 28 ? rangeLabel(5, from - 1) : 'other hours';
  return { groupKeys: group.map(String), restKeys: rest.map(String), groupLabel, restLabel };
}

/**
 * Splits by the scheduled hour with the task's hour inside the group: the tails "at H:00 or
 * later" (H from 06:00) holding it, the heads "05:00-H:59" holding it, and its part of the day.
 * The same group of hours is offered once.
 */
export function hourSplits(hour: number): Split[] {
  const late = lateHour(hour);
  const tails = Array.from({ length: late - 5 }, (_, i) => 6 + i).map((from) => hourSplit(from, 28));
  const heads = Array.from({ length: 28 - late }, (_, i) => late + i).map((to) => hourSplit(5, to));
  const part = dayPartOf(hour);
  const splits = [...tails, ...heads, hourSplit(part.from, part.to, `tasks ${part.name}`)];
  const seen = new Set<string>();
  return splits.filter((s) => {
    const key = s.groupKeys.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const WEEKDAY_PLURALS = ['Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays', 'Sundays'] as const;
const WEEKDAY_KEYS = ['0', '1', '2', '3', '4', '5', '6'] as const;

/** The task's weekday against the other days, and weekend against weekdays (Mon-Fri). */
export function weekdaySplits(weekday: number): Split[] {
  const weekend = weekday >= 5;
  const range = WEEKDAY_KEYS.filter((k) => Number(k) >= 5 === weekend);
  return [
    { groupKeys: [String(weekday)], restKeys: WEEKDAY_KEYS.filter((k) => k !== String(weekday)), groupLabel: `tasks on ${WEEKDAY_PLURALS[weekday]}`, restLabel: 'other days' },
    {
      groupKeys: range,
      restKeys: WEEKDAY_KEYS.filter((k) => !range.includes(k)),
      groupLabel: weekend ? 'tasks on weekends' : 'tasks on weekdays (Monday-Friday)',
      restLabel: weekend ? 'Monday-Friday' : 'weekends',
    },
  ];
}

/** The day-load keys present (`'1'`, `'2'`, ..., possibly `'10+'`), with their number of tasks. */
function loadKeys(load: Readonly<Record<string, Counts>>): { key: string; n: number }[] {
  return Object.keys(load)
    .map((key) => ({ key, n: Number.parseInt(key, 10) }))
    .filter((k) => Number.isFinite(k.n) && k.n > 0)
    .sort((a, b) => a.n - b.n || (a.key < b.key ? -1 : 1));
}

/** Splits by the day's load with the task's day inside the group: "days with N+ tasks scheduled" for N from 2 up to its day's load. */
export function loadSplits(dayLoad: number, load: Readonly<Record<string, Counts>>): Split[] {
  const keys = loadKeys(load);
  return Array.from({ length: Math.max(0, dayLoad - 1) }, (_, i) => 2 + i).map((from) => ({
    groupKeys: keys.filter((k) => k.n >= from).map((k) => k.key),
    restKeys: keys.filter((k) => k.n < from).map((k) => k.key),
    groupLabel: `days with ${from}+ tasks scheduled`,
    restLabel: from === 2 ? 'days with 1 task' : `days with 1-${from - 1} tasks`,
    loadFrom: from,
  }));
}

/** Splits by postponements with the task inside the group: "postponed N+ times" for N up to its postponements. */
export function deferralSplits(deferrals: number): Split[] {
  const index = Math.min(Math.max(0, Math.floor(deferrals)), DEFERRAL_BUCKETS.length - 1);
  const labels = ['', 'postponed at least once', 'postponed 2+ times', 'postponed 3+ times'];
  const restLabels = ['', 'never postponed', 'postponed at most once', 'postponed at most twice'];
  return Array.from({ length: index }, (_, i) => index - i).map((from) => ({
    groupKeys: DEFERRAL_BUCKETS.slice(from),
    restKeys: DEFERRAL_BUCKETS.slice(0, from),
    groupLabel: `tasks ${labels[from]}`,
    restLabel: restLabels[from]!,
  }));
}

const PRIORITY_KEYS = ['1', '2', '3', '4'] as const;

/** Splits by priority with the task on the less important side: "priority 4 tasks" against 1-3, ... (none for priority 1). */
export function prioritySplits(priority: number): Split[] {
  const p = Math.min(Math.max(1, Math.floor(priority)), 4);
  const range = (from: number, to: number) => (from === to ? `priority ${from}` : `priority ${from}-${to}`);
  return Array.from({ length: p - 1 }, (_, i) => p - i).map((from) => ({
    groupKeys: PRIORITY_KEYS.slice(from - 1),
    restKeys: PRIORITY_KEYS.slice(0, from - 1),
    groupLabel: `${range(from, 4)} tasks`,
    restLabel: range(1, from - 1),
  }));
}

/** A split that clears the thresholds with the task's side doing worse. */
export interface Finding {
  readonly split: Split;
  readonly comparison: Comparison;
}

/**
 * Of the splits holding the task, the strongest (largest |z|) whose group does worse and clears
 * the thresholds; between equally strong ones the narrowest (the same outcomes, said tightest),
 * then the first offered. Null when none clears: nothing is claimed.
 */
export function strongestFinding(splits: readonly Split[], counts: Readonly<Record<string, Counts>>, prior: number, thresholds: EvidenceThresholds): Finding | null {
  const found = splits
    .map((split, order) => ({ split, order, comparison: compare(countsOf(counts, split.groupKeys), countsOf(counts, split.restKeys), prior, thresholds) }))
    .filter((f) => f.comparison.groupDoesWorse)
    .sort((a, b) => Math.abs(b.comparison.z) - Math.abs(a.comparison.z) || a.split.groupKeys.length - b.split.groupKeys.length || a.order - b.order);
  const best = found[0];
  return best ? { split: best.split, comparison: best.comparison } : null;
}
