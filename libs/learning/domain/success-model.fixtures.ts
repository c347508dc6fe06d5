/**
 * Histories the success model's specs pin its outputs on (used only by specs: `success-model-outputs.spec.ts`
 * and the learning facade's): every dimension, tasks with and without values, the
 * population's priors with and without load totals, ties and clamps.
 */
import { totalsOf } from './totals';
import { type Cell, type Dimension, type TrackedTask, cellsOf } from './tracked-task.value-object';
import { DONE_TASK } from './tracked-task.fixtures';

const base = DONE_TASK;

/** A history builder: each call adds `n` outcomes like `t` (`done` of them done), on days of their own unless `t` fixes one. */
export function historyOf(build: (add: (n: number, done: number, t?: Partial<TrackedTask>) => void) => void): Cell[] {
  const cells: Cell[] = [];
  let seq = 0;
  build((n, done, t = {}) => {
    for (let i = 0; i < n; i++) {
      seq += 1;
      const day = new Date(Date.UTC(2026, 0, 1) + (seq % 200) * 86_400_000).toISOString().slice(0, 10);
      cells.push(...cellsOf({ ...base, scheduledDate: day, closedDay: day, ...t, taskId: `t${seq}`, status: i < done ? 'done' : 'failed' }));
    }
  });
  return cells;
}

/** `n` tasks on day `d` (of 2026), `done` of them done: one day's load. */
export function dayOf(d: number, n: number, done: number, t: Partial<TrackedTask> = {}): Cell[] {
  const day = new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: n }, (_, i) => cellsOf({ ...base, scheduledDate: day, closedDay: day, ...t, taskId: `d${d}-${i}`, status: i < done ? 'done' : 'failed' })).flat();
}

export const openTask = (t: Partial<TrackedTask> = {}): TrackedTask => ({ ...base, status: 'open', closedDay: null, taskId: 'open', ...t });

/** 70% done overall; long tasks, late hours and busy days a little worse: as totals, with `load` cells. */
export function populationWithLoads(): Cell[] {
  const cells = historyOf((add) => {
    add(100, 80, { estimateMinutes: 20, localHour: 9 });
    add(50, 30, { estimateMinutes: 150, localHour: 9 });
    add(50, 30, { estimateMinutes: 30, localHour: 22 });
  });
  for (let d = 0; d < 30; d++) cells.push(...(d % 2 ? dayOf(250 + d, 8, 4) : dayOf(250 + d, 2, 2)));
  return totalsOf(cells);
}

export interface GoldenCase {
  readonly name: string;
  readonly user: () => Cell[];
  readonly population: () => Cell[];
  readonly tasks: readonly (readonly [TrackedTask, number | null])[];
}

const variety: readonly (readonly [TrackedTask, number | null])[] = [
  [openTask(), null],
  [openTask({ estimateMinutes: 150 }), null],
  [openTask({ estimateMinutes: null, localHour: null, scheduledDate: null }), null],
  [openTask({ localHour: 22 }), 3],
  [openTask({ localHour: 2, estimateMinutes: 10 }), 8],
  [openTask({ scheduledDate: '2026-03-07', deferrals: 1 }), 1],
  [openTask({ deferrals: 5, tags: ['Admin', 'home'] }), 12],
  [openTask({ tags: ['home'] }), 0],
];

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'a new user, read by the population (with its load totals)', user: () => [], population: populationWithLoads, tasks: variety },
  {
    name: 'long tasks fail; tasks without an estimate like the short ones',
    user: () =>
      historyOf((add) => {
        add(20, 18, { estimateMinutes: 20 });
        add(12, 2, { estimateMinutes: 150 });
        add(10, 9, { estimateMinutes: null });
      }),
    population: populationWithLoads,
    tasks: variety,
  },
  {
    name: 'late hours fail, the night after midnight too',
    user: () =>
      historyOf((add) => {
        add(30, 27, { localHour: 9 });
        add(10, 2, { localHour: 23 });
        add(8, 1, { localHour: 2 });
        add(6, 5, { localHour: null });
      }),
    population: populationWithLoads,
    tasks: variety,
  },
  {
    name: 'Saturdays fail',
    user: () =>
      historyOf((add) => {
        for (let w = 0; w < 10; w++) add(4, 4, { scheduledDate: `2026-02-${String(2 + w).padStart(2, '0')}` });
        add(12, 2, { scheduledDate: '2026-03-07' });
      }),
    population: populationWithLoads,
    tasks: variety,
  },
  {
    name: 'tags: #admin fails, #home is done; and every task tagged one or the other',
    user: () =>
      historyOf((add) => {
        add(30, 26, { tags: ['home'] });
        add(14, 3, { tags: ['admin'] });
        add(6, 3, { tags: ['admin', 'home'] });
      }),
    population: () => [],
    tasks: variety,
  },
  {
    name: 'postponed tasks and busy days fail',
    user: () => [
      ...historyOf((add) => {
        add(10, 9, { deferrals: 0 });
        add(9, 5, { deferrals: 1 });
        add(9, 2, { deferrals: 2 });
        add(10, 1, { deferrals: 4 });
      }),
      ...[1, 2, 3, 4, 5].flatMap((d) => dayOf(100 + d, 8, 2)),
      ...Array.from({ length: 12 }, (_, i) => dayOf(120 + i, 2, 2)).flat(),
    ],
    population: populationWithLoads,
    tasks: variety,
  },
  {
    name: 'a population without load totals',
    user: () =>
      historyOf((add) => {
        add(15, 12);
        add(10, 3, { estimateMinutes: 100, localHour: 19 });
      }),
    population: () => populationWithLoads().filter((c) => c.dimension !== 'load'),
    tasks: variety,
  },
  {
    name: 'extremes: clamped to [0.01, 0.99]',
    user: () =>
      historyOf((add) => {
        add(150, 0, { estimateMinutes: 150, localHour: 23, tags: ['a', 'b'] });
        add(150, 150, { estimateMinutes: 10, localHour: 8, tags: ['d'] });
      }),
    population: () => [],
    tasks: [
      [openTask({ estimateMinutes: 150, localHour: 23, tags: ['a', 'b'] }), null],
      [openTask({ estimateMinutes: 10, localHour: 8, tags: ['d'] }), null],
    ],
  },
];

/**
 * For outputs computed by hand: an all-time totals cell written directly (no `plan` cells), so a
 * history can hold one dimension's split and nothing else.
 */
export const totalsCell = (dimension: Dimension, key: string, n: number, done: number): Cell => ({
  day: '1970-01-01',
  dimension,
  key,
  n,
  done,
  failed: n - done,
  dropped: 0,
  calibrated: 0,
  estimateSum: 0,
  actualSum: 0,
});

export const logit = (p: number) => Math.log(p / (1 - p));
export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** ln of (x)(x+1)...(x+n-1). */
export const lnRising = (x: number, n: number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(x + i);
  return s;
};
/**
 * ln of B(a + done, b + failed) / B(a, b): with a Beta(a, b) prior, a ratio of rising factorials,
 * no Gamma function needed.
 */
export const lnMarginal = (a: number, b: number, done: number, failed: number) => lnRising(a, done) + lnRising(b, failed) - lnRising(a + b, done + failed);
