import { EVIDENCE, twoProportionZ } from './evidence';
import { EMPTY, type Pattern, computeInsights, priorFor, sum } from './insights';
import { type Cell, type TrackedTask, ZERO, cellsOf } from './tracked-task.value-object';
import { DONE_TASK } from './tracked-task.fixtures';

/**
 * The patterns computeInsights states, dimension by dimension: which group is said, with which
 * text, in which order, and which are left out because a bucket already said the same outcomes.
 * The population is empty in most cases, so every prior is EVIDENCE.defaultRate (0.7).
 */
const base = DONE_TASK;

let next = 0;
/** `n` tasks like `t`, `done` of them done and the rest failed. */
function outcomes(n: number, done: number, t: Partial<TrackedTask> = {}): Cell[] {
  return Array.from({ length: n }, (_, i) => cellsOf({ ...base, ...t, taskId: `t${next++}`, status: i < done ? 'done' : 'failed', failureReason: i < done ? null : 'no_time' })).flat();
}

const P: number = EVIDENCE.defaultRate;
const smoothed = (done: number, samples: number, prior = P) => (done + 5 * prior) / (samples + 5);
/** The pattern of a group of `done` of `n` against the rest, `odone` of `on`. */
function pattern(dimension: string, key: string, statement: string, done: number, n: number, odone: number, on: number, prior = P): Pattern {
  return {
    dimension,
    key,
    statement,
    rate: smoothed(done, n, prior),
    othersRate: smoothed(odone, on, prior),
    samples: n,
    otherSamples: on,
    z: twoProportionZ({ done, failed: n - done }, { done: odone, failed: on - odone }),
  };
}
const patternsOf = (cells: Cell[], population: Cell[] = []) => computeInsights({ cells, population, today: '2026-03-10' }).patterns;

describe('priorFor: the population, its overall rate, or the default', () => {
  it('the overall rate counts from exactly populationMinSamples outcomes', () => {
    expect(priorFor(new Map([['all|', { done: 20, failed: 10 }]]), 'hour', '9')).toBe(20 / 30);
    expect(priorFor(new Map([['all|', { done: 20, failed: 9 }]]), 'hour', '9')).toBe(0.7);
  });

  it("a group's own rate counts from exactly populationMinSamples outcomes, with or without an overall rate", () => {
    expect(priorFor(new Map([['size|gt120', { done: 6, failed: 24 }]]), 'size', 'gt120')).toBe(0.2);
    expect(priorFor(new Map([['size|gt120', { done: 6, failed: 23 }]]), 'size', 'gt120')).toBe(0.7);
    const pop = new Map([
      ['all|', { done: 40, failed: 20 }],
      ['size|gt120', { done: 6, failed: 23 }],
      ['hour|9', { done: 30, failed: 0 }],
    ]);
    expect(priorFor(pop, 'size', 'gt120')).toBe(40 / 60);
    expect(priorFor(pop, 'hour', '9')).toBe(1);
    // Another dimension's group of the same key is not this one's.
    expect(priorFor(pop, 'weekday', '9')).toBe(40 / 60);
  });
});

describe('computeInsights: each group is smoothed toward its own prior', () => {
  it('hour, weekday, size and postponements have population priors of their own; tags and loads take the overall one', () => {
    const cell = (dimension: Cell['dimension'], key: string, done: number, failed: number): Cell => ({ ...ZERO, day: '2026-02-01', dimension, key, n: done + failed, done, failed });
    const population = [cell('all', '', 40, 20), cell('hour', '9', 15, 15), cell('weekday', '0', 6, 24), cell('size', 'le15', 24, 6), cell('deferrals', '0', 9, 21), cell('tag', 'home', 3, 27)];
    const cells = outcomes(1, 1, { localHour: 9, estimateMinutes: 10, tags: ['home'] });
    const c = computeInsights({ cells, population, today: '2026-03-02' }).completion;
    const one = (prior: number) => (1 + 5 * prior) / 6;
    expect(c.overall.rate).toBe(one(40 / 60));
    expect(c.byHour.map((g) => g.rate)).toEqual([one(0.5)]);
    expect(c.byWeekday.map((g) => g.rate)).toEqual([one(0.2)]);
    expect(c.bySize.map((g) => g.rate)).toEqual([one(0.8)]);
    expect(c.byDeferrals.map((g) => g.rate)).toEqual([one(0.3)]);
    expect(c.byTag.map((g) => g.rate)).toEqual([one(40 / 60)]);
    expect(c.byLoad.map((g) => g.rate)).toEqual([one(40 / 60)]);
  });

  it('the population prior moves the pattern rates (the overall rate for every pattern)', () => {
    const cell = (dimension: Cell['dimension'], key: string, done: number, failed: number): Cell => ({ ...ZERO, day: '2026-02-01', dimension, key, n: done + failed, done, failed });
    const cells = [...outcomes(20, 18), ...outcomes(12, 2, { scheduledDate: '2026-03-06', closedDay: '2026-03-06' })];
    const population = [cell('all', '', 15, 15), cell('weekday', '4', 0, 30)];
    expect(patternsOf(cells, population).map((p) => [p.key, p.rate, p.othersRate])).toEqual([
      ['4', smoothed(2, 12, 0.5), smoothed(18, 20, 0.5)],
      ['0', smoothed(18, 20, 0.5), smoothed(2, 12, 0.5)],
    ]);
  });
});

describe('computeInsights: patterns', () => {
  it('weekdays: both halves of a split are said, the weaker rate first when equally strong', () => {
    // Mondays 18 of 20, Fridays (2026-03-06) 2 of 12; nothing else differs.
    const cells = [...outcomes(20, 18), ...outcomes(12, 2, { scheduledDate: '2026-03-06', closedDay: '2026-03-06' })];
    expect(patternsOf(cells)).toEqual([
      pattern('weekday', '4', 'scheduled on Friday: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20),
      pattern('weekday', '0', 'scheduled on Monday: 18 of 20 done; other tasks: 2 of 12 done', 18, 20, 2, 12),
    ]);
  });

  it('the weaker rate first whichever was found first (Sunday before Monday in the week)', () => {
    const cells = [...outcomes(20, 2), ...outcomes(12, 11, { scheduledDate: '2026-03-08', closedDay: '2026-03-08' })];
    expect(patternsOf(cells).map((p) => p.statement)).toEqual([
      'scheduled on Monday: 2 of 20 done; other tasks: 11 of 12 done',
      'scheduled on Sunday: 11 of 12 done; other tasks: 2 of 20 done',
    ]);
  });

  it('parts of the day are said by their label; a tail of the same hours is not said again', () => {
    // 09:00 18 of 20, 18:00 2 of 12: "at 10:00 or later" ... "at 18:00 or later" are the evening's outcomes.
    const cells = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(12, 2, { localHour: 18 })];
    expect(patternsOf(cells)).toEqual([
      pattern('daypart', 'evening', 'scheduled 17:00-21:00: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20),
      pattern('daypart', 'morning', 'scheduled 05:00-12:00: 18 of 20 done; other tasks: 2 of 12 done', 18, 20, 2, 12),
    ]);
  });

  it('afternoon and night labels', () => {
    const afternoon = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(12, 2, { localHour: 12 })];
    expect(patternsOf(afternoon)[0]!.statement).toBe('scheduled 12:00-17:00: 2 of 12 done; other tasks: 18 of 20 done');
    const night = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(6, 1, { localHour: 23 }), ...outcomes(6, 1, { localHour: 2 })];
    expect(patternsOf(night).map((p) => [p.dimension, p.key, p.statement])).toEqual([
      ['daypart', 'night', 'scheduled after 21:00 or before 05:00: 2 of 12 done; other tasks: 18 of 20 done'],
      ['daypart', 'morning', 'scheduled 05:00-12:00: 18 of 20 done; other tasks: 2 of 12 done'],
    ]);
  });

  it('a late tail across two parts of the day is said once, by its narrowest threshold', () => {
    // 16:00 (afternoon) and 18:00 (evening) 1 of 6 each: neither part alone has enough; "at 16:00 or later" does.
    const cells = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(6, 1, { localHour: 16 }), ...outcomes(6, 1, { localHour: 18 })];
    expect(patternsOf(cells)).toEqual([
      pattern('hour', '16+', 'scheduled at 16:00 or later: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20),
      pattern('daypart', 'morning', 'scheduled 05:00-12:00: 18 of 20 done; other tasks: 2 of 12 done', 18, 20, 2, 12),
    ]);
  });

  it('the night after midnight is later than the evening', () => {
    // 20:00 and 02:00 1 of 6 each: "at 20:00 or later" holds both.
    const cells = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(6, 1, { localHour: 20 }), ...outcomes(6, 1, { localHour: 2 })];
    expect(patternsOf(cells)).toEqual([
      pattern('hour', '20+', 'scheduled at 20:00 or later: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20),
      pattern('daypart', 'morning', 'scheduled 05:00-12:00: 18 of 20 done; other tasks: 2 of 12 done', 18, 20, 2, 12),
    ]);
  });

  it('the first and last thresholds: from 06:00, to 23:00', () => {
    // 05:00 18 of 20 and 06:00 2 of 12: "at 06:00 or later" is the 06:00 outcomes; both are morning.
    const early = [...outcomes(20, 18, { localHour: 5 }), ...outcomes(12, 2, { localHour: 6 })];
    expect(patternsOf(early).map((p) => p.statement)).toEqual(['scheduled at 06:00 or later: 2 of 12 done; other tasks: 18 of 20 done']);
    // 21:00 18 of 20 and 23:00 2 of 12: both night, "at 23:00 or later".
    const late = [...outcomes(20, 18, { localHour: 21 }), ...outcomes(12, 2, { localHour: 23 })];
    expect(patternsOf(late).map((p) => p.statement)).toEqual(['scheduled at 23:00 or later: 2 of 12 done; other tasks: 18 of 20 done']);
    // 04:00 is later than 23:00, but there is no threshold after 23:00.
    const night = [...outcomes(20, 18, { localHour: 23 }), ...outcomes(12, 2, { localHour: 4 })];
    expect(patternsOf(night)).toEqual([]);
  });

  it('of the tails the strongest is said, though a narrower one is stated too', () => {
    // 09:00 20 of 20, 14:00 0 of 6, 19:00 2 of 10: "at 14:00 or later" (2 of 16) is stronger than "at 19:00 or later" (the evening).
    const cells = [...outcomes(20, 20, { localHour: 9 }), ...outcomes(6, 0, { localHour: 14 }), ...outcomes(10, 2, { localHour: 19 })];
    const patterns = patternsOf(cells);
    expect(patterns.filter((p) => p.dimension === 'hour')).toEqual([pattern('hour', '14+', 'scheduled at 14:00 or later: 2 of 16 done; other tasks: 20 of 20 done', 2, 16, 20, 20)]);
    expect(patterns.map((p) => `${p.dimension}:${p.key}`)).toContain('daypart:evening');
  });

  it('size buckets are said by their label', () => {
    const cells = [...outcomes(20, 18, { estimateMinutes: 10 }), ...outcomes(12, 2, { estimateMinutes: 45 })];
    expect(patternsOf(cells)).toEqual([
      pattern('size', 'le60', 'estimated 31-60 min: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20),
      pattern('size', 'le15', 'estimated 15 min or less: 18 of 20 done; other tasks: 2 of 12 done', 18, 20, 2, 12),
    ]);
  });

  it('size tails: over 30, over 60, over 90, each past its edge', () => {
    const over = (estimate1: number, estimate2: number) => patternsOf([...outcomes(20, 18, { estimateMinutes: 20 }), ...outcomes(6, 1, { estimateMinutes: estimate1 }), ...outcomes(6, 1, { estimateMinutes: estimate2 })]);
    expect(over(45, 75).map((p) => p.statement)).toEqual(['estimated over 30 min: 2 of 12 done; other tasks: 18 of 20 done', 'estimated 16-30 min: 18 of 20 done; other tasks: 2 of 12 done']);
    expect(over(75, 105).map((p) => p.key)).toEqual(['gt60', 'le30']);
    expect(over(105, 150).map((p) => p.statement)).toEqual(['estimated over 90 min: 2 of 12 done; other tasks: 18 of 20 done', 'estimated 16-30 min: 18 of 20 done; other tasks: 2 of 12 done']);
  });

  it('tags and postponements (2 times, 3 or more)', () => {
    const cells = [...outcomes(20, 18), ...outcomes(12, 2, { tags: ['Errand'], deferrals: 2 })];
    expect(patternsOf(cells).map((p) => [p.dimension, p.key, p.statement])).toEqual([
      // Equally strong, equal rates: in the order they were found.
      ['tag', 'errand', 'tagged #errand: 2 of 12 done; other tasks: 18 of 20 done'],
      ['deferrals', '2', 'postponed 2 times: 2 of 12 done; other tasks: 18 of 20 done'],
    ]);
    const more = [...outcomes(20, 18), ...outcomes(12, 2, { deferrals: 4 })];
    expect(patternsOf(more)).toEqual([pattern('deferrals', '3+', 'postponed 3+ times: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20)]);
    // Once is not a pattern looked for.
    const once = [...outcomes(20, 18), ...outcomes(12, 2, { deferrals: 1 })];
    expect(patternsOf(once)).toEqual([]);
  });

  it("a day's load is compared with the outcomes of the other scheduled days (plan cells), not with all outcomes", () => {
    const plan = (day: number, n: number, done: number, failed: number): Cell => ({ ...ZERO, day: `2026-03-${String(day).padStart(2, '0')}`, dimension: 'plan', key: '', n, done, failed });
    // Ten days of 2 tasks, 18 of 20 done; two days of 6 tasks, 2 of 12 done.
    const cells = [...Array.from({ length: 10 }, (_, i) => plan(i + 1, 2, i < 8 ? 2 : 1, i < 8 ? 0 : 1)), plan(20, 6, 1, 5), plan(21, 6, 1, 5)];
    const insights = computeInsights({ cells, population: [], today: '2026-03-22' });
    expect(insights.patterns).toEqual([pattern('load', '5-6', 'on days with 5-6 tasks scheduled: 2 of 12 done; other tasks: 18 of 20 done', 2, 12, 18, 20)]);
    // Seven tasks on a day; one open.
    const heavy = [...Array.from({ length: 10 }, (_, i) => plan(i + 1, 2, i < 8 ? 2 : 1, i < 8 ? 0 : 1)), plan(20, 7, 1, 5), plan(21, 7, 1, 5)];
    expect(patternsOf(heavy).map((p) => [p.key, p.statement])).toEqual([['7+', 'on days with 7+ tasks scheduled: 2 of 12 done; other tasks: 18 of 20 done']]);
    expect(computeInsights({ cells: heavy, population: [], today: '2026-03-22' }).completion.byLoad.map((g) => [g.key, g.label, g.done, g.failed])).toEqual([
      ['1-2', '1-2 tasks scheduled that day', 18, 2],
      ['7+', '7+ tasks scheduled that day', 2, 10],
    ]);
    // 1-2 and 3-4 are not patterns looked for.
    const light = [...Array.from({ length: 10 }, (_, i) => plan(i + 1, 4, i < 8 ? 2 : 1, i < 8 ? 0 : 1)), plan(20, 2, 1, 1), plan(21, 2, 1, 1), plan(22, 2, 0, 2), plan(23, 2, 0, 2), plan(24, 2, 0, 2), plan(25, 2, 0, 2)];
    expect(patternsOf(light)).toEqual([]);
  });

  it('stronger patterns first', () => {
    // Fridays 0 of 12 (strong) and #x 0 of 10 (on Mondays, weaker), among Mondays mostly done.
    const cells = [...outcomes(30, 28), ...outcomes(12, 0, { scheduledDate: '2026-03-06', closedDay: '2026-03-06' }), ...outcomes(10, 0, { tags: ['x'] })];
    const patterns = patternsOf(cells);
    const zs = patterns.map((p) => Math.abs(p.z));
    expect(zs).toEqual([...zs].sort((a, b) => b - a));
    expect(patterns.map((p) => `${p.dimension}:${p.key}`)).toEqual(['weekday:4', 'weekday:0', 'tag:x']);
    expect(patterns[2]).toEqual(pattern('tag', 'x', 'tagged #x: 0 of 10 done; other tasks: 28 of 42 done', 0, 10, 28, 42));
  });
});

describe('sum', () => {
  it('adds every count of cells with the same key, starting from EMPTY', () => {
    const c = (key: string, k: number): Cell => ({ day: '2026-03-02', dimension: 'tag', key, n: k, done: 2 * k, failed: 3 * k, dropped: 4 * k, calibrated: 5 * k, estimateSum: 6 * k, actualSum: 7 * k });
    const totals = sum([c('a', 1), c('b', 10), c('a', 100)]);
    expect([...totals.entries()]).toEqual([
      ['tag|a', { n: 101, done: 202, failed: 303, dropped: 404, calibrated: 505, estimateSum: 606, actualSum: 707 }],
      ['tag|b', { n: 10, done: 20, failed: 30, dropped: 40, calibrated: 50, estimateSum: 60, actualSum: 70 }],
    ]);
    expect(EMPTY).toEqual({ n: 0, done: 0, failed: 0, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0 });
  });
});

describe('computeInsights: days, hours, tags, reasons and calibration at their edges', () => {
  const task = (t: Partial<TrackedTask> & Pick<TrackedTask, 'taskId' | 'status'>): TrackedTask => ({
    ...base,
    localHour: null,
    estimateMinutes: null,
    failureReason: t.status === 'failed' ? 'no_time' : null,
    closedDay: t.status === 'open' ? null : (t.scheduledDate ?? base.scheduledDate),
    ...t,
  });
  const day = (d: string, done: number, failed: number, open: number) => [
    ...Array.from({ length: done }, (_, i) => task({ taskId: `${d}-d${i}`, status: 'done', scheduledDate: d })),
    ...Array.from({ length: failed }, (_, i) => task({ taskId: `${d}-f${i}`, status: 'failed', scheduledDate: d })),
    ...Array.from({ length: open }, (_, i) => task({ taskId: `${d}-o${i}`, status: 'open', scheduledDate: d })),
  ];

  it('capacity is the median of the days that finished something (sorted, odd count); a day of failures only finished nothing', () => {
    const tasks = [...day('2026-03-02', 5, 0, 0), ...day('2026-03-03', 1, 0, 3), ...day('2026-03-04', 3, 0, 0), ...day('2026-03-05', 0, 2, 0), ...day('2026-03-06', 0, 0, 4)];
    const insights = computeInsights({ cells: tasks.flatMap((t) => cellsOf(t)), population: [], today: '2026-03-05' });
    expect(insights.overcommitment).toEqual({
      capacity: 3,
      plannedDays: 5,
      averageScheduled: (5 + 4 + 3 + 2 + 4) / 5,
      averageFinished: (5 + 1 + 3) / 3,
      // The 6th finished nothing (nothing closed on it).
      daysOverCapacity: [
        { day: '2026-03-06', scheduled: 4, finished: 0 },
        { day: '2026-03-03', scheduled: 4, finished: 1 },
        { day: '2026-03-02', scheduled: 5, finished: 5 },
      ],
      daysOverCapacityCount: 3,
    });
    // Today (the 5th) only failed: the run ends yesterday.
    expect(insights.streaks).toEqual({ current: 3, best: 3 });
  });

  it('no capacity before anything is finished: no day is over it', () => {
    const tasks = [...day('2026-03-02', 0, 0, 3), ...day('2026-03-03', 0, 1, 1)];
    const o = computeInsights({ cells: tasks.flatMap((t) => cellsOf(t)), population: [], today: '2026-03-05' }).overcommitment;
    expect(o).toEqual({ capacity: null, plannedDays: 2, averageScheduled: 2.5, averageFinished: null, daysOverCapacity: [], daysOverCapacityCount: 0 });
  });

  it('by hour: from 00:00 to 23:00', () => {
    const tasks = [task({ taskId: 'a', status: 'done', localHour: 23 }), task({ taskId: 'b', status: 'failed', localHour: 0 })];
    const byHour = computeInsights({ cells: tasks.flatMap((t) => cellsOf(t)), population: [], today: '2026-03-05' }).completion.byHour;
    expect(byHour.map((g) => [g.key, g.label, g.done, g.failed])).toEqual([
      ['0', '00:00-00:59', 0, 1],
      ['23', '23:00-23:59', 1, 0],
    ]);
  });

  it('by tag: a tag of dropped tasks only has no outcomes and is not listed', () => {
    const tasks = [task({ taskId: 'a', status: 'dropped', tags: ['later'] }), task({ taskId: 'b', status: 'done', tags: ['now'] })];
    const byTag = computeInsights({ cells: tasks.flatMap((t) => cellsOf(t)), population: [], today: '2026-03-05' }).completion.byTag;
    expect(byTag.map((g) => g.key)).toEqual(['now']);
  });

  it('by tag: each tag once, whatever it holds (a tag that reads like another group)', () => {
    // 'day|0' is what 'weekday|0' (a Monday) reads like past its first four characters.
    const tasks = [task({ taskId: 'a', status: 'done', tags: ['day|0'] })];
    const c = computeInsights({ cells: tasks.flatMap((t) => cellsOf(t)), population: [], today: '2026-03-05' });
    expect(c.completion.byTag.map((g) => g.label)).toEqual(['#day|0']);
  });

  it('calibration: a zero estimate gives no ratio (overall or by tag)', () => {
    const cells = cellsOf(task({ taskId: 'a', status: 'done', estimateMinutes: 0, actualMinutes: 10, tags: ['quick'] }));
    expect(computeInsights({ cells, population: [], today: '2026-03-05' }).calibration).toEqual({ overall: { samples: 1, ratio: null }, byTag: [] });
  });

  it('sums as stored (any cells): reasons without failures and ratios without calibrated tasks are left out', () => {
    const cell = (dimension: Cell['dimension'], key: string, counts: Partial<Cell>): Cell => ({ ...ZERO, day: '2026-03-02', dimension, key, ...counts });
    const cells = [
      // A failure whose outcome was undone on a later day.
      cell('reason', 'gone', { n: 1, failed: 1 }),
      { ...cell('reason', 'gone', { n: -1, failed: -1 }), day: '2026-03-03' },
      // A reason counted without an outcome in `all`: its share is 0, not a division by 0.
      cell('reason', 'orphan', { n: 1, failed: 1 }),
      cell('all', '', { n: 1, done: 1, estimateSum: 30, actualSum: 60 }),
      cell('tag', 'x', { n: 1, done: 1, estimateSum: 30, actualSum: 60 }),
    ];
    const insights = computeInsights({ cells, population: [], today: '2026-03-05' });
    expect(insights.failureReasons).toEqual([{ reason: 'orphan', count: 1, share: 0 }]);
    expect(insights.calibration).toEqual({ overall: { samples: 0, ratio: null }, byTag: [] });
  });
});
