import { SuccessModel } from './success-model';
import { TOTAL_DAY, planDaysOf, totalsChange, totalsOf } from './totals';
import { type Cell, type TrackedTask, ZERO, addCounts, contributionChange } from './tracked-task.value-object';

/** A small seeded generator (mulberry32): the same sequence every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (c: Cell) => `${c.day}|${c.dimension}|${c.key}`;
const sorted = (cells: Cell[]) => [...cells].sort((a, b) => key(a).localeCompare(key(b)));

/** Per-day cells kept the way storage keeps them: summed by (day, dimension, key), zero rows dropped. */
function apply(cells: Map<string, Cell>, change: readonly Cell[]): void {
  for (const c of change) {
    const sum = addCounts(cells.get(key(c)) ?? { ...c, n: 0, done: 0, failed: 0, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0 }, c);
    cells.set(key(c), sum);
  }
}
const nonZero = (c: Cell) => c.n !== 0 || c.done !== 0 || c.failed !== 0 || c.dropped !== 0 || c.calibrated !== 0 || c.estimateSum !== 0 || c.actualSum !== 0;

describe('all-time totals', () => {
  it('kept incrementally (totalsChange per event) they equal the totals of the per-day cells, after any sequence of events (seeded)', () => {
    for (const seed of [1, 2, 3, 20261205]) {
      const next = random(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
      const days = ['2026-03-02', '2026-03-03', '2026-03-04'];
      const tasks = new Map<string, TrackedTask | null>();
      const cells = new Map<string, Cell>();
      const totals = new Map<string, Cell>();
      for (let i = 0; i < 400; i++) {
        const id = `t${Math.floor(next() * 25)}`;
        const before = tasks.get(id) ?? null;
        const status = pick(['open', 'open', 'done', 'failed', 'dropped'] as const);
        const after: TrackedTask | null =
          next() < 0.08
            ? null
            : {
                taskId: id,
                userId: 'u',
                status,
                scheduledDate: next() < 0.8 ? pick(days) : null,
                localHour: next() < 0.7 ? Math.floor(next() * 24) : null,
                estimateMinutes: next() < 0.8 ? 5 + Math.floor(next() * 200) : null,
                actualMinutes: status === 'done' && next() < 0.5 ? 30 : null,
                tags: next() < 0.5 ? [pick(['a', 'b'])] : [],
                deferrals: Math.floor(next() * 4),
                failureReason: status === 'failed' ? 'too_big' : null,
                closedDay: status === 'open' ? null : pick(days),
              };
        const change = contributionChange(before, after);
        const planBefore = new Map([...cells.values()].filter((c) => c.dimension === 'plan').map((c) => [c.day, c]));
        apply(totals, totalsChange(change, planBefore).map((c) => ({ ...c })));
        apply(cells, change);
        tasks.set(id, after);
      }
      expect(sorted([...totals.values()].filter(nonZero))).toEqual(sorted(totalsOf([...cells.values()].filter(nonZero))));
    }
  });

  it('the success model is the same built from per-day cells or from their totals', () => {
    const next = random(7);
    const cells: Cell[] = [];
    for (let i = 0; i < 60; i++) {
      const day = `2026-03-${String(1 + Math.floor(next() * 20)).padStart(2, '0')}`;
      const done = next() < 0.6 ? 1 : 0;
      const outcome = { n: 1, done, failed: 1 - done, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0 };
      cells.push({ ...outcome, day, dimension: 'plan', key: '' });
      cells.push({ ...outcome, day, dimension: 'all', key: '' });
      cells.push({ ...outcome, day, dimension: 'size', key: next() < 0.5 ? 'gt120' : 'le15' });
    }
    const task: TrackedTask = { taskId: 'x', userId: 'u', status: 'open', scheduledDate: '2026-03-05', localHour: 21, estimateMinutes: 150, actualMinutes: null, tags: [], deferrals: 2, failureReason: null, closedDay: null };
    expect(SuccessModel.build(totalsOf(cells), []).predict(task, 4)).toEqual(SuccessModel.build(cells, []).predict(task, 4));
  });
});

describe('all-time totals, worked out by hand', () => {
  const cell = (day: string, dimension: Cell['dimension'], key: string, counts: Partial<Cell>): Cell => ({ ...ZERO, day, dimension, key, ...counts });
  const total = (dimension: Cell['dimension'], key: string, counts: Partial<Cell>): Cell => ({ ...ZERO, day: '1970-01-01', dimension, key, ...counts });

  it('all-time totals carry the day 1970-01-01', () => {
    expect(TOTAL_DAY).toBe('1970-01-01');
  });

  it('totalsOf sums each dimension over days and turns each day\'s plan into its load', () => {
    const cells = [
      cell('2026-03-02', 'all', '', { n: 2, done: 1, failed: 1, calibrated: 1, estimateSum: 30, actualSum: 45 }),
      cell('2026-03-03', 'all', '', { n: 1, dropped: 1 }),
      cell('2026-03-02', 'tag', 'x', { n: 1, done: 1 }),
      // Two rows of the 2nd's plan: three tasks scheduled, one done, one failed.
      cell('2026-03-02', 'plan', '', { n: 2, done: 1 }),
      cell('2026-03-02', 'plan', '', { n: 1, failed: 1 }),
      cell('2026-03-03', 'plan', '', { n: 3, dropped: 1 }),
      cell('2026-03-04', 'plan', '', { n: 1 }),
    ];
    expect(totalsOf(cells)).toEqual([
      total('all', '', { n: 3, done: 1, failed: 1, dropped: 1, calibrated: 1, estimateSum: 30, actualSum: 45 }),
      total('tag', 'x', { n: 1, done: 1 }),
      // The 2nd and 3rd both had 3 tasks.
      total('load', '3', { n: 6, done: 1, failed: 1, dropped: 1 }),
      total('load', '1', { n: 1 }),
    ]);
  });

  it('totalsOf leaves out totals that net to nothing, and days with no task scheduled', () => {
    const cells = [
      cell('2026-03-02', 'tag', 'x', { n: 1, done: 1 }),
      cell('2026-03-03', 'tag', 'x', { n: -1, done: -1 }),
      cell('2026-03-04', 'plan', '', { n: 1, done: 1 }),
      cell('2026-03-04', 'plan', '', { n: -1 }),
    ];
    expect(totalsOf(cells)).toEqual([]);
  });

  it('a total with any count left is kept', () => {
    for (const counts of [{ n: 1 }, { done: 1 }, { failed: 1 }, { dropped: 1 }, { calibrated: 1 }, { estimateSum: 1 }, { actualSum: 1 }]) {
      expect(totalsOf([cell('2026-03-02', 'tag', 'x', counts)])).toEqual([total('tag', 'x', counts)]);
      expect(totalsChange([cell('2026-03-02', 'tag', 'x', counts)], new Map())).toEqual([total('tag', 'x', counts)]);
    }
  });

  it("totalsChange moves a day's outcomes from its old load to its new one", () => {
    const planBefore = new Map([['2026-03-02', cell('2026-03-02', 'plan', '', { n: 2, done: 1 })]]);
    // A third task scheduled on the 2nd (and a done one closing elsewhere).
    const change = [cell('2026-03-02', 'plan', '', { n: 1 }), cell('2026-03-05', 'all', '', { n: 1, done: 1 })];
    expect(totalsChange(change, planBefore)).toEqual([
      total('load', '2', { n: -2, done: -1 }),
      total('load', '3', { n: 3, done: 1 }),
      total('all', '', { n: 1, done: 1 }),
    ]);
  });

  it('totalsChange: a first task on a day adds a load of 1; the last one leaving removes it', () => {
    expect(totalsChange([cell('2026-03-02', 'plan', '', { n: 1 })], new Map())).toEqual([total('load', '1', { n: 1 })]);
    const planBefore = new Map([['2026-03-02', cell('2026-03-02', 'plan', '', { n: 1, failed: 1 })]]);
    expect(totalsChange([cell('2026-03-02', 'plan', '', { n: -1, failed: -1 })], planBefore)).toEqual([total('load', '1', { n: -1, failed: -1 })]);
  });

  it('totalsChange leaves out totals that net to nothing', () => {
    expect(totalsChange([cell('2026-03-02', 'tag', 'x', { n: 1, done: 1 }), cell('2026-03-03', 'tag', 'x', { n: -1, done: -1 })], new Map())).toEqual([]);
  });

  it('planDaysOf: the days of the plan cells of a change, once each, in order', () => {
    const change = [cell('2026-03-03', 'plan', '', { n: 1 }), cell('2026-03-04', 'all', '', { n: 1 }), cell('2026-03-02', 'plan', '', { n: 1 }), cell('2026-03-03', 'plan', '', { done: 1 })];
    expect(planDaysOf(change)).toEqual(['2026-03-03', '2026-03-02']);
  });
});
