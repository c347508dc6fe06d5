import { computeInsights } from './insights';
import { type Cell, type TrackedTask, ZERO, cellsOf } from './tracked-task.value-object';
import { DONE_TASK } from './tracked-task.fixtures';

/**
 * Figures of computeInsights pinned where the other insights specs leave room: the order of
 * lists built from map keys (inserted here out of order on purpose), groups holding only done or
 * only failed outcomes, and which of two patterns over the same outcomes is said. With an empty
 * population every prior is EVIDENCE.defaultRate (0.7).
 */
const base = DONE_TASK;
const insightsOf = (cells: Cell[], today = '2026-03-10') => computeInsights({ cells, population: [], today });
/** A stored sum: any counts, on any day. */
const cell = (dimension: Cell['dimension'], key: string, counts: Partial<Cell>, day = '2026-03-02'): Cell => ({ ...ZERO, day, dimension, key, ...counts });

let next = 0;
/** `n` tasks like `t`, `done` of them done and the rest failed. */
function outcomes(n: number, done: number, t: Partial<TrackedTask> = {}): Cell[] {
  return Array.from({ length: n }, (_, i) => cellsOf({ ...base, ...t, taskId: `f${next++}`, status: i < done ? 'done' : 'failed', failureReason: i < done ? null : 'no_time' })).flat();
}

describe('computeInsights: lists in their documented order, whatever order the sums come in', () => {
  it('failure reasons: most failures first, ties alphabetical, reasons without failures left out', () => {
    // 6 failures: big 3 (share 3/6), alpha, mid and zeta 1 each (1/6); "none" counts a dropped task only.
    const cells = [
      cell('all', '', { n: 7, failed: 6, dropped: 1 }),
      cell('reason', 'zeta', { n: 1, failed: 1 }),
      cell('reason', 'alpha', { n: 1, failed: 1 }),
      cell('reason', 'none', { n: 1, dropped: 1 }),
      cell('reason', 'big', { n: 3, failed: 3 }),
      cell('reason', 'mid', { n: 1, failed: 1 }),
    ];
    expect(insightsOf(cells).failureReasons).toEqual([
      { reason: 'big', count: 3, share: 0.5 },
      { reason: 'alpha', count: 1, share: 1 / 6 },
      { reason: 'mid', count: 1, share: 1 / 6 },
      { reason: 'zeta', count: 1, share: 1 / 6 },
    ]);
  });

  it('tags: alphabetical in the completion groups and in calibration; a tag with only done or only failed outcomes is listed', () => {
    const tasks: TrackedTask[] = [
      { ...base, taskId: 'a', tags: ['tidy'], estimateMinutes: 10, actualMinutes: 20 },
      { ...base, taskId: 'b', tags: ['apply'], status: 'failed', failureReason: 'no_time' },
      { ...base, taskId: 'c', tags: ['mail'], estimateMinutes: 30, actualMinutes: 15 },
      { ...base, taskId: 'd', tags: ['apply'], estimateMinutes: 20, actualMinutes: 20 },
      { ...base, taskId: 'e', tags: ['zap'], status: 'failed', failureReason: 'no_time' },
    ];
    const insights = insightsOf(tasks.flatMap((t) => cellsOf(t)));
    expect(insights.completion.byTag.map((g) => [g.key, g.label, g.done, g.failed])).toEqual([
      ['apply', '#apply', 1, 1],
      ['mail', '#mail', 1, 0],
      ['tidy', '#tidy', 1, 0],
      ['zap', '#zap', 0, 1],
    ]);
    // actual / estimated: apply 20/20, mail 15/30, tidy 20/10; zap has no done task.
    expect(insights.calibration.byTag).toEqual([
      { tag: 'apply', samples: 1, ratio: 1 },
      { tag: 'mail', samples: 1, ratio: 0.5 },
      { tag: 'tidy', samples: 1, ratio: 2 },
    ]);
    // Overall: (20 + 15 + 20) / (10 + 30 + 20) over the 3 done tasks with both times.
    expect(insights.calibration.overall).toEqual({ samples: 3, ratio: 55 / 60 });
  });

  it('days over capacity: latest first, only those beyond it, a day with nothing closed finished 0', () => {
    // Finished: 2 on the 2nd, 2 on the 3rd (capacity 2); the 4th only failed.
    // Scheduled (inserted out of order): the 3rd 3, the 5th 4 (nothing closed), the 2nd 1, the 4th 3, the 6th 2 (not beyond 2).
    const cells = [
      cell('plan', '', { n: 3, done: 2 }, '2026-03-03'),
      cell('plan', '', { n: 4 }, '2026-03-05'),
      cell('plan', '', { n: 1, done: 1 }, '2026-03-02'),
      cell('plan', '', { n: 3, failed: 1 }, '2026-03-04'),
      cell('plan', '', { n: 2 }, '2026-03-06'),
      cell('all', '', { n: 2, done: 2 }, '2026-03-02'),
      cell('all', '', { n: 2, done: 2 }, '2026-03-03'),
      cell('all', '', { n: 1, failed: 1 }, '2026-03-04'),
    ];
    const insights = insightsOf(cells, '2026-03-05');
    expect(insights.overcommitment).toEqual({
      capacity: 2,
      plannedDays: 5,
      averageScheduled: (3 + 4 + 1 + 3 + 2) / 5,
      averageFinished: (2 + 2) / 2,
      daysOverCapacity: [
        { day: '2026-03-05', scheduled: 4, finished: 0 },
        { day: '2026-03-04', scheduled: 3, finished: 0 },
        { day: '2026-03-03', scheduled: 3, finished: 2 },
      ],
      daysOverCapacityCount: 3,
    });
    // The 4th finished nothing, so the run of the 2nd and 3rd ended two days before today (the 5th).
    expect(insights.streaks).toEqual({ current: 0, best: 2 });
  });
});

describe('computeInsights: groups with only done or only failed outcomes are listed', () => {
  it('weekdays: Monday only done, Tuesday only failed', () => {
    const cells = [...outcomes(1, 1), ...outcomes(2, 0, { scheduledDate: '2026-03-03', closedDay: '2026-03-03' })];
    expect(insightsOf(cells).completion.byWeekday.map((g) => [g.key, g.label, g.done, g.failed])).toEqual([
      ['0', 'Monday', 1, 0],
      ['1', 'Tuesday', 0, 2],
    ]);
  });

  it("loads: every bucket, one of only done and one of only failed outcomes", () => {
    const plan = (day: string, n: number, done: number, failed: number): Cell => cell('plan', '', { n, done, failed }, day);
    // 1-2: 2 scheduled, both done; 3-4: 3, all failed; 5-6: 5, 1 done 2 failed; 7+: 8, 3 done 1 failed.
    const cells = [plan('2026-03-02', 2, 2, 0), plan('2026-03-03', 3, 0, 3), plan('2026-03-04', 5, 1, 2), plan('2026-03-05', 8, 3, 1)];
    expect(insightsOf(cells).completion.byLoad.map((g) => [g.key, g.label, g.done, g.failed])).toEqual([
      ['1-2', '1-2 tasks scheduled that day', 2, 0],
      ['3-4', '3-4 tasks scheduled that day', 0, 3],
      ['5-6', '5-6 tasks scheduled that day', 1, 2],
      ['7+', '7+ tasks scheduled that day', 3, 1],
    ]);
  });
});

describe('computeInsights: the same outcomes are said once', () => {
  it('a part of the day over several hours is not said again by the late tail of the same hours', () => {
    // 09:00 18 of 20; 18:00 0 of 6 and 19:00 2 of 6: the evening (2 of 12) is "at 10:00 or later" ... "at 18:00 or later".
    const cells = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(6, 0, { localHour: 18 }), ...outcomes(6, 2, { localHour: 19 })];
    expect(insightsOf(cells).patterns.map((p) => `${p.dimension}:${p.key}`)).toEqual(['daypart:evening', 'daypart:morning']);
  });

  it('a late tail is known by all its hours with outcomes, an hour of only done tasks too', () => {
    // 09:00 18 of 20; 20:00 1 of 8 (the evening); 22:00 3 of 3 (the night, too few alone).
    // "at 20:00 or later" is 20:00 and 22:00, 4 of 11: not the evening's outcomes, so it is said.
    const cells = [...outcomes(20, 18, { localHour: 9 }), ...outcomes(8, 1, { localHour: 20 }), ...outcomes(3, 3, { localHour: 22 })];
    expect(insightsOf(cells).patterns.map((p) => p.statement)).toEqual([
      'scheduled 17:00-21:00: 1 of 8 done; other tasks: 21 of 23 done',
      // Equally strong (the same split): the weaker rate first.
      'scheduled at 20:00 or later: 4 of 11 done; other tasks: 18 of 20 done',
      'scheduled 05:00-12:00: 18 of 20 done; other tasks: 4 of 11 done',
    ]);
  });

  it('a size tail is known by all its buckets with outcomes, a bucket of only done tasks too', () => {
    // 10 min 18 of 20; 75 min 1 of 8 (61-90); 150 min 3 of 3 (over 120, too few alone).
    // "over 60 min" (the narrowest of the equal "over 30", "over 60") is 4 of 11: not the 61-90 bucket's outcomes.
    const cells = [...outcomes(20, 18, { estimateMinutes: 10 }), ...outcomes(8, 1, { estimateMinutes: 75 }), ...outcomes(3, 3, { estimateMinutes: 150 })];
    expect(insightsOf(cells).patterns.map((p) => p.statement)).toEqual([
      'estimated 61-90 min: 1 of 8 done; other tasks: 21 of 23 done',
      'estimated over 60 min: 4 of 11 done; other tasks: 18 of 20 done',
      'estimated 15 min or less: 18 of 20 done; other tasks: 4 of 11 done',
    ]);
  });

  it('stored sums of parts of the day without hours: they hold the same (no) hours, so only the first is said', () => {
    // Morning 18 of 20 and evening 2 of 12 with no hour sums: both are "hour:" outcomes; the morning comes first.
    const cells = [cell('all', '', { n: 32, done: 20, failed: 12 }), cell('daypart', 'morning', { n: 20, done: 18, failed: 2 }), cell('daypart', 'evening', { n: 12, done: 2, failed: 10 })];
    expect(insightsOf(cells).patterns.map((p) => p.statement)).toEqual(['scheduled 05:00-12:00: 18 of 20 done; other tasks: 2 of 12 done']);
  });
});
