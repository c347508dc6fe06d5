import { EVIDENCE, isEvidence, smoothedRate, twoProportionZ } from './evidence';
import { computeInsights, priorFor, streaksOf } from './insights';
import { type Cell, type TrackedTask, cellsOf } from './tracked-task.value-object';
import { DONE_TASK } from './tracked-task.fixtures';

const base = DONE_TASK;

/** `n` tasks like `t`, `done` of them done and the rest failed (reason no_time). */
function outcomes(n: number, done: number, t: Partial<TrackedTask> = {}): Cell[] {
  return Array.from({ length: n }, (_, i) =>
    cellsOf({ ...base, ...t, taskId: `t${i}`, status: i < done ? 'done' : 'failed', failureReason: i < done ? null : 'no_time' }),
  ).flat();
}

describe('evidence', () => {
  it('smooths toward the prior with the documented weight', () => {
    expect(smoothedRate({ done: 0, failed: 0 }, 0.7)).toBeCloseTo(0.7);
    expect(smoothedRate({ done: 10, failed: 0 }, 0.5)).toBeCloseTo((10 + EVIDENCE.priorWeight * 0.5) / (10 + EVIDENCE.priorWeight));
  });

  it('three data points never make a claim, however extreme', () => {
    expect(isEvidence({ done: 0, failed: 3 }, { done: 30, failed: 3 }, 0.7).stated).toBe(false);
  });

  it('a large, well-sampled difference is stated; a small one is not', () => {
    expect(isEvidence({ done: 2, failed: 14 }, { done: 32, failed: 18 }, 0.7).stated).toBe(true);
    expect(isEvidence({ done: 10, failed: 6 }, { done: 40, failed: 20 }, 0.7).stated).toBe(false);
    expect(twoProportionZ({ done: 0, failed: 0 }, { done: 3, failed: 1 })).toBe(0);
  });

  it('the population rate of a group is its prior once it has enough outcomes', () => {
    const pop = new Map([
      ['all|', { done: 60, failed: 40 }],
      ['size|gt120', { done: 10, failed: 30 }],
      ['size|le15', { done: 5, failed: 1 }],
    ]);
    expect(priorFor(pop, 'size', 'gt120')).toBeCloseTo(0.25);
    expect(priorFor(pop, 'size', 'le15')).toBeCloseTo(0.6); // too few: the overall rate
    expect(priorFor(new Map(), 'size', 'le15')).toBeCloseTo(EVIDENCE.defaultRate);
  });
});

describe('computeInsights', () => {
  it('finds a planted habit (long tasks fail) and says it with the user\'s own numbers', () => {
    const cells = [...outcomes(20, 18, { estimateMinutes: 20 }), ...outcomes(12, 2, { estimateMinutes: 150 })];
    const insights = computeInsights({ cells, population: [], today: '2026-03-02' });
    expect(insights.completion.overall).toMatchObject({ done: 20, failed: 12, samples: 32 });
    const sizes = Object.fromEntries(insights.completion.bySize.map((s) => [s.key, s]));
    expect(sizes.le30).toMatchObject({ done: 18, samples: 20 });
    expect(sizes.gt120).toMatchObject({ done: 2, samples: 12 });
    expect(insights.patterns[0]).toMatchObject({ dimension: 'size', key: 'gt120', samples: 12 });
    expect(insights.patterns[0]!.statement).toBe('estimated over 120 min: 2 of 12 done; other tasks: 18 of 20 done');
    expect(insights.failureReasons).toEqual([{ reason: 'no_time', count: 12, share: 1 }]);
  });

  it('a habit over a threshold is one group, however the buckets cut it; the same outcomes are said once', () => {
    // Tasks over 60 min fail, spread over three buckets too small to say anything alone.
    const cells = [
      ...outcomes(20, 18, { estimateMinutes: 20 }),
      ...outcomes(4, 0, { estimateMinutes: 75 }),
      ...outcomes(4, 1, { estimateMinutes: 105 }),
      ...outcomes(5, 0, { estimateMinutes: 150 }),
    ];
    const patterns = computeInsights({ cells, population: [], today: '2026-03-02' }).patterns.filter((p) => p.dimension === 'size');
    expect(patterns.map((p) => p.key)).toEqual(['gt60', 'le30']);
    expect(patterns[0]!.statement).toBe('estimated over 60 min: 1 of 13 done; other tasks: 18 of 20 done');
    // Only long tasks over 120 min: the bucket says it, no tail repeats it.
    const only = computeInsights({ cells: [...outcomes(20, 18, { estimateMinutes: 20 }), ...outcomes(12, 2, { estimateMinutes: 150 })], population: [], today: '2026-03-02' });
    expect(only.patterns.filter((p) => p.dimension === 'size').map((p) => p.key)).toEqual(['gt120', 'le30']);
  });

  it('late tails: "at 20:00 or later" is one group across the evening and the night', () => {
    const cells = [...outcomes(24, 21, { localHour: 10 }), ...outcomes(8, 2, { localHour: 18 }), ...outcomes(6, 0, { localHour: 20 }), ...outcomes(6, 1, { localHour: 22 })];
    const patterns = computeInsights({ cells, population: [], today: '2026-03-02' }).patterns;
    expect(patterns.find((p) => p.dimension === 'hour')).toMatchObject({ key: '18+', statement: 'scheduled at 18:00 or later: 3 of 20 done; other tasks: 21 of 24 done' });
  });

  it('claims nothing for a user without a pattern', () => {
    const cells = [...outcomes(16, 11, { estimateMinutes: 20, localHour: 9 }), ...outcomes(16, 11, { estimateMinutes: 150, localHour: 22 })];
    expect(computeInsights({ cells, population: [], today: '2026-03-02' }).patterns).toEqual([]);
  });

  it('overcommitment: capacity is the median finished on active days; days scheduled beyond it are listed', () => {
    const day = (d: string, scheduled: number, done: number): Cell[] =>
      Array.from({ length: scheduled }, (_, i) =>
        cellsOf({ ...base, taskId: `${d}-${i}`, scheduledDate: d, closedDay: i < done ? d : null, status: i < done ? 'done' : 'open' }),
      ).flat();
    const cells = [...day('2026-03-02', 2, 2), ...day('2026-03-03', 3, 2), ...day('2026-03-04', 7, 2)];
    const o = computeInsights({ cells, population: [], today: '2026-03-04' }).overcommitment;
    expect(o.capacity).toBe(2);
    expect(o.plannedDays).toBe(3);
    expect(o.daysOverCapacity).toEqual([
      { day: '2026-03-04', scheduled: 7, finished: 2 },
      { day: '2026-03-03', scheduled: 3, finished: 2 },
    ]);
  });

  it('calibration is actual over estimated minutes, with its sample size', () => {
    const cells = [cellsOf({ ...base, taskId: 'a', estimateMinutes: 30, actualMinutes: 45, tags: ['write'] }), cellsOf({ ...base, taskId: 'b', estimateMinutes: 60, actualMinutes: 60 })].flat();
    const c = computeInsights({ cells, population: [], today: '2026-03-02' }).calibration;
    expect(c.overall).toEqual({ samples: 2, ratio: 105 / 90 });
    expect(c.byTag).toEqual([{ tag: 'write', samples: 1, ratio: 1.5 }]);
  });
});

describe('streaksOf', () => {
  it('counts consecutive days with something finished; the current run may end yesterday', () => {
    expect(streaksOf(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-05'], '2026-03-06')).toEqual({ current: 1, best: 3 });
    expect(streaksOf(['2026-03-04', '2026-03-05'], '2026-03-05')).toEqual({ current: 2, best: 2 });
    expect(streaksOf(['2026-03-01'], '2026-03-05')).toEqual({ current: 0, best: 1 });
    expect(streaksOf([], '2026-03-05')).toEqual({ current: 0, best: 0 });
  });
});
