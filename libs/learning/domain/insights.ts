import { type Counts, EVIDENCE, isEvidence, smoothedRate } from './evidence';
import { DAY_PART_LABELS, type DayPart, SIZE_BUCKETS, SIZE_EDGES, SIZE_LABELS, type SizeBucket, WEEKDAYS, dayPartOf, lateHour, loadBucket } from './features';
import type { Cell, Dimension } from './tracked-task.value-object';

/** A group of a user's outcomes: raw counts, the raw rate, and the rate smoothed toward the population's. */
export interface GroupRate {
  readonly key: string;
  readonly label: string;
  readonly done: number;
  readonly failed: number;
  readonly samples: number;
  /** done / samples, or null without samples. */
  readonly observedRate: number | null;
  /** Pulled toward the population's rate for the same group (`EVIDENCE.priorWeight` pseudo-outcomes). */
  readonly rate: number;
}

/** A difference in the user's own numbers that clears `EVIDENCE`: the only kind of claim made. */
export interface Pattern {
  readonly dimension: string;
  readonly key: string;
  readonly statement: string;
  readonly rate: number;
  readonly othersRate: number;
  readonly samples: number;
  readonly otherSamples: number;
  readonly z: number;
}

export interface Insights {
  readonly completion: {
    readonly overall: GroupRate;
    readonly byHour: readonly GroupRate[];
    readonly byWeekday: readonly GroupRate[];
    readonly bySize: readonly GroupRate[];
    readonly byTag: readonly GroupRate[];
    readonly byDeferrals: readonly GroupRate[];
    readonly byLoad: readonly GroupRate[];
  };
  readonly failureReasons: readonly { readonly reason: string; readonly count: number; readonly share: number }[];
  readonly overcommitment: {
    /** Tasks this user finishes on a day they finish anything (median), or null before any. */
    readonly capacity: number | null;
    readonly plannedDays: number;
    readonly averageScheduled: number | null;
    readonly averageFinished: number | null;
    /** Days scheduled beyond the capacity, latest first (at most 31). */
    readonly daysOverCapacity: readonly { readonly day: string; readonly scheduled: number; readonly finished: number }[];
    readonly daysOverCapacityCount: number;
  };
  readonly calibration: {
    /** actual / estimated minutes over done tasks that have both. */
    readonly overall: { readonly samples: number; readonly ratio: number | null };
    readonly byTag: readonly { readonly tag: string; readonly samples: number; readonly ratio: number }[];
  };
  readonly streaks: { readonly current: number; readonly best: number };
  readonly patterns: readonly Pattern[];
}

/**
 * Patterns over a threshold of an ordered dimension, besides its buckets: a habit like "fails what
 * is over an hour" or "fails late" is one group, however the buckets cut it (docs/learning.md).
 */
export const PATTERN_TAILS: { readonly sizeOver: readonly number[]; readonly hourFrom: readonly number[] } = {
  /** "estimated over N min", N among `SIZE_EDGES` (over 15 and over 120 are the buckets le15 and gt120 already). */
  sizeOver: [30, 60, 90],
  /** "scheduled at H:00 or later" (the night to 05:00 counts as later than the evening), from 06:00 to 23:00. */
  hourFrom: Array.from({ length: 18 }, (_, i) => 6 + i),
};

/** Summed cells: outcomes, the count of tasks (`n`), calibration sums. */
export type Totals = Counts & { n: number; dropped: number; calibrated: number; estimateSum: number; actualSum: number };
export const EMPTY: Totals = { n: 0, done: 0, failed: 0, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0 };

/** Sums cells into `into`, grouped by `keyOf` (by default `dimension|key`). */
export function sum(cells: Iterable<Cell>, into: Map<string, Totals> = new Map(), keyOf: (c: Cell) => string = (c) => `${c.dimension}|${c.key}`): Map<string, Totals> {
  for (const c of cells) {
    const k = keyOf(c);
    const t = into.get(k) ?? EMPTY;
    into.set(k, {
      n: t.n + c.n,
      done: t.done + c.done,
      failed: t.failed + c.failed,
      dropped: t.dropped + c.dropped,
      calibrated: t.calibrated + c.calibrated,
      estimateSum: t.estimateSum + c.estimateSum,
      actualSum: t.actualSum + c.actualSum,
    });
  }
  return into;
}

/**
 * The prior for a group: the population's rate for it when the population has enough outcomes
 * there, else the population's overall rate, else `EVIDENCE.defaultRate`.
 */
export function priorFor(population: ReadonlyMap<string, Counts>, dimension: Dimension, key: string): number {
  const overall = population.get('all|');
  const base = overall && overall.done + overall.failed >= EVIDENCE.populationMinSamples ? overall.done / (overall.done + overall.failed) : EVIDENCE.defaultRate;
  const group = population.get(`${dimension}|${key}`);
  if (group && group.done + group.failed >= EVIDENCE.populationMinSamples) return group.done / (group.done + group.failed);
  return base;
}

/** Tasks scheduled per day (`plan` cells, by the day scheduled) with the outcomes of those that closed. */
export function planByDay(cells: readonly Cell[]): Map<string, Totals> {
  return sum(cells.filter((c) => c.dimension === 'plan'), new Map(), (c) => c.day);
}

/** Outcomes by the load of the day they were scheduled on (`loadBucket` of that day's count of tasks). */
export function outcomesByLoad(plan: ReadonlyMap<string, Totals>): Map<string, Totals> {
  const loads = new Map<string, Totals>();
  for (const [, t] of plan) sum([{ ...t, day: '', dimension: 'plan', key: loadBucket(t.n) }], loads, (c) => c.key);
  return loads;
}

function rateOf(key: string, label: string, c: Counts, prior: number): GroupRate {
  const samples = c.done + c.failed;
  return { key, label, done: c.done, failed: c.failed, samples, observedRate: samples ? c.done / samples : null, rate: smoothedRate(c, prior) };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Current and best runs of consecutive days with something finished; the current run may end yesterday. */
export function streaksOf(finishedDays: readonly string[], today: string): { current: number; best: number } {
  const days = new Set(finishedDays);
  let best = 0;
  for (const day of days) {
    if (days.has(previousDay(day))) continue;
    let length = 0;
    let cursor = day;
    while (days.has(cursor)) {
      length += 1;
      cursor = new Date(Date.parse(`${cursor}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    }
    best = Math.max(best, length);
  }
  let current = 0;
  let cursor = days.has(today) ? today : previousDay(today);
  while (days.has(cursor)) {
    current += 1;
    cursor = previousDay(cursor);
  }
  return { current, best };
}

const described = (done: number, samples: number) => `${done} of ${samples} done`;

/**
 * A user's insights from their grouped outcomes in a range and the population's (the prior).
 * Pure: the same cells give the same insights. Every figure carries its sample size, and a
 * pattern is stated only when `isEvidence` says so.
 */
export function computeInsights(input: { cells: readonly Cell[]; population: readonly Cell[]; today: string }): Insights {
  const population = sum(input.population);
  const outcomes = sum(input.cells.filter((c) => c.dimension !== 'plan'));
  const group = (dimension: Dimension, key: string): Totals => outcomes.get(`${dimension}|${key}`) ?? EMPTY;
  const all = group('all', '');
  const prior = (dimension: Dimension, key: string) => priorFor(population, dimension, key);
  const overall = rateOf('all', 'all tasks', all, prior('all', ''));
  const keysOf = (dimension: Dimension) => [...outcomes.keys()].filter((k) => k.startsWith(`${dimension}|`)).map((k) => k.slice(dimension.length + 1));

  const byHour = Array.from({ length: 24 }, (_, h) => String(h))
    .filter((h) => group('hour', h).done + group('hour', h).failed > 0)
    .map((h) => rateOf(h, `${h.padStart(2, '0')}:00-${h.padStart(2, '0')}:59`, group('hour', h), prior('hour', h)));
  const byWeekday = WEEKDAYS.map((name, i) => ({ name, key: String(i) }))
    .filter(({ key }) => group('weekday', key).done + group('weekday', key).failed > 0)
    .map(({ name, key }) => rateOf(key, name, group('weekday', key), prior('weekday', key)));
  const bySize = SIZE_BUCKETS.filter((b) => group('size', b).done + group('size', b).failed > 0).map((b) => rateOf(b, SIZE_LABELS[b], group('size', b), prior('size', b)));
  const byTag = keysOf('tag')
    .sort()
    .filter((t) => group('tag', t).done + group('tag', t).failed > 0)
    .map((t) => rateOf(t, `#${t}`, group('tag', t), prior('all', '')));
  const byDeferrals = ['0', '1', '2', '3+']
    .filter((d) => group('deferrals', d).done + group('deferrals', d).failed > 0)
    .map((d) => rateOf(d, d === '0' ? 'never postponed' : `postponed ${d} time${d === '1' ? '' : 's'}`, group('deferrals', d), prior('deferrals', d)));

  // Days: what was scheduled on each (plan cells, by scheduled day) and what was finished (all cells, by closing day).
  const plan = planByDay(input.cells);
  const finished = sum(input.cells.filter((c) => c.dimension === 'all'), new Map(), (c) => c.day);
  const loads = outcomesByLoad(plan);
  const planOutcomes = [...loads.values()].reduce<Counts>((a, t) => ({ done: a.done + t.done, failed: a.failed + t.failed }), { done: 0, failed: 0 });
  const byLoad = ['1-2', '3-4', '5-6', '7+']
    .filter((l) => (loads.get(l)?.done ?? 0) + (loads.get(l)?.failed ?? 0) > 0)
    .map((l) => rateOf(l, `${l} tasks scheduled that day`, loads.get(l)!, prior('all', '')));
  const finishedPerDay = [...finished.values()].map((t) => t.done).filter((n) => n > 0);
  const capacity = median(finishedPerDay);
  const over = [...plan.entries()]
    .filter(([, t]) => capacity !== null && t.n > capacity)
    .map(([day, t]) => ({ day, scheduled: t.n, finished: finished.get(day)?.done ?? 0 }))
    .sort((a, b) => (a.day < b.day ? 1 : -1));

  const reasons = keysOf('reason')
    .map((reason) => ({ reason, count: group('reason', reason).failed }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
    .map((r) => ({ ...r, share: all.failed ? r.count / all.failed : 0 }));

  const calibrationByTag = keysOf('tag')
    .map((tag) => ({ tag, t: group('tag', tag) }))
    .filter(({ t }) => t.calibrated > 0 && t.estimateSum > 0)
    .map(({ tag, t }) => ({ tag, samples: t.calibrated, ratio: t.actualSum / t.estimateSum }))
    .sort((a, b) => (a.tag < b.tag ? -1 : 1));

  const patterns: Pattern[] = [];
  const evidenceOf = (dimension: Dimension | 'load', key: string, label: string, g: Counts, against: Counts, p: number): Pattern | null => {
    const e = isEvidence(g, against, p);
    if (!e.stated) return null;
    const others = { done: against.done - g.done, failed: against.failed - g.failed };
    return {
      dimension,
      key,
      statement: `${label}: ${described(g.done, g.done + g.failed)}; other tasks: ${described(others.done, others.done + others.failed)}`,
      rate: e.rate,
      othersRate: e.othersRate,
      samples: g.done + g.failed,
      otherSamples: others.done + others.failed,
      z: e.z,
    };
  };
  // A group of buckets (hours, sizes) is known by the buckets in it that hold outcomes: the same outcomes are said once.
  const said = new Set<string>();
  const consider = (dimension: Dimension | 'load', key: string, label: string, g: Counts, against: Counts, p: number, members?: string) => {
    const pattern = evidenceOf(dimension, key, label, g, against, p);
    if (!pattern || (members !== undefined && said.has(members))) return;
    if (members !== undefined) said.add(members);
    patterns.push(pattern);
  };
  /**
   * Of one dimension's tails (lowest threshold first) only the strongest stated one is said, the
   * narrowest of equally strong ones (the same outcomes), unless a bucket said the same outcomes.
   */
  const considerTails = (tails: readonly { key: string; label: string; g: Counts; members: string }[], dimension: Dimension, against: Counts, p: number) => {
    const best = [...tails]
      .reverse()
      .map((t) => ({ t, pattern: evidenceOf(dimension, t.key, t.label, t.g, against, p) }))
      .filter((x): x is { t: (typeof tails)[number]; pattern: Pattern } => x.pattern !== null)
      .sort((x, y) => Math.abs(y.pattern.z) - Math.abs(x.pattern.z))[0];
    if (!best || said.has(best.t.members)) return;
    said.add(best.t.members);
    patterns.push(best.pattern);
  };
  const basePrior = prior('all', '');
  const hoursWith = (keep: (hour: number) => boolean) => Array.from({ length: 24 }, (_, h) => h).filter((h) => keep(h) && group('hour', String(h)).done + group('hour', String(h)).failed > 0);
  const sizesWith = (keep: (i: number) => boolean) => SIZE_BUCKETS.filter((b, i) => keep(i) && group('size', b).done + group('size', b).failed > 0);
  const summed = (dimension: Dimension, keys: readonly (string | number)[]) => keys.map((k) => group(dimension, String(k))).reduce<Counts>((a, t) => ({ done: a.done + t.done, failed: a.failed + t.failed }), { done: 0, failed: 0 });
  for (const part of Object.keys(DAY_PART_LABELS) as DayPart[]) {
    consider('daypart', part, `scheduled ${DAY_PART_LABELS[part]}`, group('daypart', part), all, basePrior, `hour:${hoursWith((h) => dayPartOf(h) === part).join(',')}`);
  }
  WEEKDAYS.forEach((name, i) => consider('weekday', String(i), `scheduled on ${name}`, group('weekday', String(i)), all, basePrior));
  for (const b of SIZE_BUCKETS) consider('size', b, `estimated ${SIZE_LABELS[b as SizeBucket]}`, group('size', b), all, basePrior, `size:${sizesWith((i) => SIZE_BUCKETS[i] === b).join(',')}`);
  // Tails of the ordered dimensions: "at 20:00 or later", "over 60 min" are one group however the buckets cut them.
  considerTails(
    PATTERN_TAILS.hourFrom.map((from) => {
      const hours = hoursWith((h) => lateHour(h) >= from);
      return { key: `${from}+`, label: `scheduled at ${String(from).padStart(2, '0')}:00 or later`, g: summed('hour', hours), members: `hour:${hours.join(',')}` };
    }),
    'hour',
    all,
    basePrior,
  );
  considerTails(
    PATTERN_TAILS.sizeOver.map((edge) => {
      const sizes = sizesWith((i) => i > SIZE_EDGES.indexOf(edge as (typeof SIZE_EDGES)[number]));
      return { key: `gt${edge}`, label: `estimated over ${edge} min`, g: summed('size', sizes), members: `size:${sizes.join(',')}` };
    }),
    'size',
    all,
    basePrior,
  );
  for (const t of keysOf('tag')) consider('tag', t, `tagged #${t}`, group('tag', t), all, basePrior);
  for (const d of ['2', '3+']) consider('deferrals', d, `postponed ${d} times`, group('deferrals', d), all, basePrior);
  for (const l of ['5-6', '7+']) consider('load', l, `on days with ${l} tasks scheduled`, loads.get(l) ?? EMPTY, planOutcomes, basePrior);
  // Strongest first; between equally strong ones (two halves of the same split) the weaker rate, the risk.
  patterns.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.rate - b.rate);

  const plannedDays = plan.size;
  const scheduledTotal = [...plan.values()].reduce((n, t) => n + t.n, 0);
  return {
    completion: { overall, byHour, byWeekday, bySize, byTag, byDeferrals, byLoad },
    failureReasons: reasons,
    overcommitment: {
      capacity,
      plannedDays,
      averageScheduled: plannedDays ? scheduledTotal / plannedDays : null,
      averageFinished: finishedPerDay.length ? finishedPerDay.reduce((a, b) => a + b, 0) / finishedPerDay.length : null,
      daysOverCapacity: over.slice(0, 31),
      daysOverCapacityCount: over.length,
    },
    calibration: {
      overall: { samples: all.calibrated, ratio: all.calibrated > 0 && all.estimateSum > 0 ? all.actualSum / all.estimateSum : null },
      byTag: calibrationByTag,
    },
    streaks: streaksOf([...finished.entries()].filter(([, t]) => t.done > 0).map(([day]) => day), input.today),
    patterns,
  };
}
