import { type Cell, type TrackedTask, ZERO, cellsOf } from './tracked-task.value-object';
import { computeInsights } from './insights';

/**
 * The whole insights report for one small history, every figure worked out by hand below: which
 * groups appear (only those with outcomes), in what order, with which labels, counts, raw and
 * smoothed rates (each toward its own prior), and the days, calibration and streaks.
 */
const task = (t: Partial<TrackedTask> & Pick<TrackedTask, 'taskId' | 'status'>): TrackedTask => ({
  userId: 'u',
  scheduledDate: null,
  localHour: null,
  estimateMinutes: null,
  actualMinutes: null,
  tags: [],
  deferrals: 0,
  failureReason: null,
  closedDay: t.status === 'open' ? null : (t.scheduledDate ?? null),
  ...t,
});

// 2026-03-02 is a Monday.
const history: TrackedTask[] = [
  task({ taskId: 'A', status: 'done', scheduledDate: '2026-03-02', localHour: 9, estimateMinutes: 10, actualMinutes: 20, tags: ['Write'] }),
  task({ taskId: 'B', status: 'failed', failureReason: 'no_time', scheduledDate: '2026-03-02', localHour: 22, estimateMinutes: 45, tags: ['write', 'home'], deferrals: 1 }),
  task({ taskId: 'C', status: 'done', scheduledDate: '2026-03-03', localHour: 3, estimateMinutes: 100, actualMinutes: 50, tags: ['home'], deferrals: 2 }),
  task({ taskId: 'D', status: 'failed', failureReason: 'forgot', scheduledDate: '2026-03-03', deferrals: 5 }),
  task({ taskId: 'E', status: 'failed', failureReason: 'no_time', scheduledDate: '2026-03-03', localHour: 14, estimateMinutes: 200 }),
  // Dropped: on the day's plan and in its groups' task counts, but neither done nor failed.
  task({ taskId: 'F', status: 'dropped', scheduledDate: '2026-03-03', localHour: 14, estimateMinutes: 200 }),
  // Open: on its day's plan only.
  task({ taskId: 'G', status: 'open', scheduledDate: '2026-03-05', localHour: 9 }),
  // Never scheduled: no hour, weekday or plan; closed on the 4th.
  task({ taskId: 'H', status: 'done', closedDay: '2026-03-04', estimateMinutes: 25, actualMinutes: 25, tags: ['write'] }),
  task({ taskId: 'I', status: 'failed', failureReason: 'too_big', scheduledDate: '2026-03-04', localHour: 9, estimateMinutes: 60 }),
];

const cell = (dimension: Cell['dimension'], key: string, done: number, failed: number): Cell => ({ ...ZERO, day: '2026-02-01', dimension, key, n: done + failed, done, failed });
// The population: 40 of 60 overall (the prior 2/3), 15 of 30 at 09:00 (enough for a group prior of its own), 20 of 29 at 22:00 (too few: 2/3).
const population = [cell('all', '', 40, 20), cell('hour', '9', 15, 15), cell('hour', '22', 20, 9)];

const PRIOR = 2 / 3;
/** (done + 5 x prior) / (samples + 5): the documented smoothing. */
const smoothed = (done: number, samples: number, prior = PRIOR) => (done + 5 * prior) / (samples + 5);
const group = (key: string, label: string, done: number, failed: number, prior = PRIOR) => ({
  key,
  label,
  done,
  failed,
  samples: done + failed,
  observedRate: done / (done + failed),
  rate: smoothed(done, done + failed, prior),
});

describe('computeInsights: the whole report', () => {
  const insights = computeInsights({ cells: history.flatMap((t) => cellsOf(t)), population, today: '2026-03-05' });

  it('overall: 3 done (A, C, H) and 4 failed (B, D, E, I); the dropped and the open one are not outcomes', () => {
    expect(insights.completion.overall).toEqual(group('all', 'all tasks', 3, 4));
  });

  it('by hour: the hours with outcomes in clock order, each smoothed toward the population at that hour when it has 30 outcomes there', () => {
    expect(insights.completion.byHour).toEqual([
      group('3', '03:00-03:59', 1, 0),
      // A done, I failed (G is open); the population's 15 of 30 at 09:00 is this group's prior.
      group('9', '09:00-09:59', 1, 1, 0.5),
      // E failed; F (dropped) adds no outcome.
      group('14', '14:00-14:59', 0, 1),
      // The population has 29 at 22:00: too few, so the overall 2/3.
      group('22', '22:00-22:59', 0, 1),
    ]);
  });

  it('by weekday: Monday (A, B), Tuesday (C; D, E), Wednesday (I); H was never scheduled', () => {
    expect(insights.completion.byWeekday).toEqual([group('0', 'Monday', 1, 1), group('1', 'Tuesday', 1, 2), group('2', 'Wednesday', 0, 1)]);
  });

  it('by size: the buckets with outcomes in size order; D has no estimate', () => {
    expect(insights.completion.bySize).toEqual([
      group('le15', '15 min or less', 1, 0),
      group('le30', '16-30 min', 1, 0),
      group('le60', '31-60 min', 0, 2),
      group('le120', '91-120 min', 1, 0),
      group('gt120', 'over 120 min', 0, 1),
    ]);
  });

  it('by tag: lower-cased, alphabetical, smoothed toward the overall prior', () => {
    expect(insights.completion.byTag).toEqual([group('home', '#home', 1, 1), group('write', '#write', 2, 1)]);
  });

  it('by postponements: never (A, H; E, I), once (B), twice (C), 3 or more (D)', () => {
    expect(insights.completion.byDeferrals).toEqual([
      group('0', 'never postponed', 2, 2),
      group('1', 'postponed 1 time', 0, 1),
      group('2', 'postponed 2 times', 1, 0),
      group('3+', 'postponed 3+ times', 0, 1),
    ]);
  });

  it("by the day's load: the 2nd (2 tasks), 4th and 5th (1 each) are 1-2; the 3rd (4 tasks) is 3-4", () => {
    expect(insights.completion.byLoad).toEqual([group('1-2', '1-2 tasks scheduled that day', 1, 2), group('3-4', '3-4 tasks scheduled that day', 1, 2)]);
  });

  it('failure reasons: most frequent first, ties alphabetical, each a share of the failures', () => {
    expect(insights.failureReasons).toEqual([
      { reason: 'no_time', count: 2, share: 2 / 4 },
      { reason: 'forgot', count: 1, share: 1 / 4 },
      { reason: 'too_big', count: 1, share: 1 / 4 },
    ]);
  });

  it('overcommitment: one task finished on each active day (capacity 1); the days scheduled beyond it, latest first', () => {
    expect(insights.overcommitment).toEqual({
      capacity: 1,
      // The 2nd, 3rd, 4th and 5th were planned: 2 + 4 + 1 + 1 tasks.
      plannedDays: 4,
      averageScheduled: 8 / 4,
      averageFinished: 1,
      daysOverCapacity: [
        { day: '2026-03-03', scheduled: 4, finished: 1 },
        { day: '2026-03-02', scheduled: 2, finished: 1 },
      ],
      daysOverCapacityCount: 2,
    });
  });

  it('calibration: actual over estimated minutes of the done tasks with both, overall and by tag', () => {
    expect(insights.calibration).toEqual({
      overall: { samples: 3, ratio: (20 + 50 + 25) / (10 + 100 + 25) },
      byTag: [
        { tag: 'home', samples: 1, ratio: 50 / 100 },
        { tag: 'write', samples: 2, ratio: (20 + 25) / (10 + 25) },
      ],
    });
  });

  it('streaks: something finished on the 2nd, 3rd and 4th, and today is the 5th', () => {
    expect(insights.streaks).toEqual({ current: 3, best: 3 });
  });

  it('patterns: seven outcomes are evidence of nothing', () => {
    expect(insights.patterns).toEqual([]);
  });
});

describe('computeInsights: edges', () => {
  it('an empty history: no groups, no capacity, no averages, no ratio', () => {
    const empty = computeInsights({ cells: [], population: [], today: '2026-03-05' });
    expect(empty.completion.overall).toEqual({ key: 'all', label: 'all tasks', done: 0, failed: 0, samples: 0, observedRate: null, rate: 0.7 });
    for (const groups of [empty.completion.byHour, empty.completion.byWeekday, empty.completion.bySize, empty.completion.byTag, empty.completion.byDeferrals, empty.completion.byLoad]) {
      expect(groups).toEqual([]);
    }
    expect(empty.failureReasons).toEqual([]);
    expect(empty.overcommitment).toEqual({ capacity: null, plannedDays: 0, averageScheduled: null, averageFinished: null, daysOverCapacity: [], daysOverCapacityCount: 0 });
    expect(empty.calibration).toEqual({ overall: { samples: 0, ratio: null }, byTag: [] });
    expect(empty.streaks).toEqual({ current: 0, best: 0 });
  });

  it('capacity is the median of the finished counts: the mean of the middle two for an even number of days', () => {
    const day = (d: string, done: number) => Array.from({ length: done }, (_, i) => task({ taskId: `${d}-${i}`, status: 'done', scheduledDate: d }));
    const cells = [...day('2026-03-02', 1), ...day('2026-03-03', 4), ...day('2026-03-04', 2), ...day('2026-03-05', 7)].flatMap((t) => cellsOf(t));
    const o = computeInsights({ cells, population: [], today: '2026-03-05' }).overcommitment;
    expect(o.capacity).toBe((2 + 4) / 2);
    expect(o.averageFinished).toBe((1 + 4 + 2 + 7) / 4);
    expect(o.daysOverCapacity).toEqual([{ day: '2026-03-05', scheduled: 7, finished: 7 }, { day: '2026-03-03', scheduled: 4, finished: 4 }]);
  });

  it('lists at most 31 days over capacity, the latest, and counts them all', () => {
    const tasks: TrackedTask[] = [];
    for (let d = 0; d < 40; d++) {
      const day = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
      tasks.push(task({ taskId: `${day}-done`, status: 'done', scheduledDate: day }));
      tasks.push(task({ taskId: `${day}-open`, status: 'open', scheduledDate: day }));
    }
    const o = computeInsights({ cells: tasks.flatMap((t) => cellsOf(t)), population: [], today: '2026-03-05' }).overcommitment;
    expect(o.capacity).toBe(1);
    expect(o.daysOverCapacityCount).toBe(40);
    expect(o.daysOverCapacity).toHaveLength(31);
    expect(o.daysOverCapacity[0]).toEqual({ day: '2026-02-09', scheduled: 2, finished: 1 });
    expect(o.daysOverCapacity[30]!.day).toBe('2026-01-10');
  });

  it('calibrates only done tasks with both an estimate and an actual time (a done one without the time, a failed one with both: none)', () => {
    const cells = [
      task({ taskId: 'a', status: 'done', closedDay: '2026-03-02', estimateMinutes: 30, tags: ['plain'] }),
      task({ taskId: 'b', status: 'failed', closedDay: '2026-03-02', estimateMinutes: 30, actualMinutes: 40, tags: ['plain'] }),
    ].flatMap((t) => cellsOf(t));
    expect(computeInsights({ cells, population: [], today: '2026-03-05' }).calibration).toEqual({ overall: { samples: 0, ratio: null }, byTag: [] });
  });
});
