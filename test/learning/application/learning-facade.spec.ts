import { LearningFacade } from '@ln/learning/application/learning.facade';
import type { LearningHistory } from '@ln/learning/application/ports/learning-history.port';
import { EVIDENCE } from '@ln/learning/domain/evidence';
import type { Cell } from '@ln/learning/domain/tracked-task.value-object';
import { SuccessModel } from '@ln/learning/domain/success-model';
import { GOLDEN_CASES, historyOf, openTask } from '@ln/learning/domain/success-model.fixtures';

function cell(dimension: Cell['dimension'], key: string, counts: Partial<Cell> = {}): Cell {
  return { day: '2026-03-01', dimension, key, n: 0, done: 0, failed: 0, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0, ...counts };
}

/** The history as the facade reads it; what it was asked is recorded. */
function history(data: { totals?: Cell[]; population?: Cell[]; cells?: (range: { from?: string; to?: string }) => Cell[]; plan?: Map<string, Cell> } = {}) {
  const asked: { cells: { from?: string; to?: string }[]; plan: (readonly string[])[] } = { cells: [], plan: [] };
  const h = {
    totals: async () => data.totals ?? [],
    population: async () => data.population ?? [],
    cells: async (_: string, range: { from?: string; to?: string }) => {
      asked.cells.push(range);
      return data.cells?.(range) ?? [];
    },
    plan: async (_: string, days: readonly string[]) => {
      asked.plan.push(days);
      return data.plan ?? new Map();
    },
    planFeedback: async () => ({ too_big: { accepted: 2, rejected: 1 } }),
  } as unknown as LearningHistory;
  return { h, asked };
}

/** A history whose every read takes a turn of the event loop, counting the reads in flight at once. */
function countingHistory() {
  let inFlight = 0;
  const seen = { most: 0, reads: 0 };
  const read = <T>(value: T) => async (): Promise<T> => {
    inFlight++;
    seen.reads++;
    seen.most = Math.max(seen.most, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    return value;
  };
  const h = { totals: read([]), population: read([]), cells: read([]), plan: read(new Map()), planFeedback: read({}) } as unknown as LearningHistory;
  return { h, seen };
}

describe('LearningFacade: one read at a time (the coach asks inside its event\'s transaction, on one connection)', () => {
  it('evidenceOf sends its six reads one after the other', async () => {
    const { h, seen } = countingHistory();
    await new LearningFacade(h).evidenceOf('alice', '2026-03-10');
    expect(seen).toEqual({ most: 1, reads: 6 });
  });

  it('predict sends its two reads one after the other', async () => {
    const { h, seen } = countingHistory();
    await new LearningFacade(h).predict('alice', []);
    expect(seen).toEqual({ most: 1, reads: 2 });
  });
});

describe('LearningFacade.evidenceOf', () => {
  it('groups the user’s and the population’s all-time counts by dimension and key', async () => {
    const { h } = history({
      totals: [
        cell('all', '', { done: 3, failed: 1 }),
        cell('all', '', { done: 1, failed: 1 }),
        cell('size', 'le30', { done: 2, failed: 1 }),
        cell('size', 'le30', { done: 1 }),
        cell('hour', '9', { failed: 2 }),
        cell('weekday', '0', { done: 1 }),
        cell('load', '3', { done: 1 }),
        cell('deferrals', '3+', { failed: 1 }),
        cell('priority', '1', { done: 4 }),
        cell('tag', 'constructor', { done: 1 }),
        cell('reason', 'no_time', { failed: 2 }),
        cell('reason', 'no_time', { failed: 1 }),
        cell('plan', '', { n: 5 }),
        cell('daypart', 'morning', { done: 9 }),
      ],
      population: [cell('all', '', { done: 10, failed: 5 })],
    });
    const e = await new LearningFacade(h).evidenceOf('alice', '2026-03-10');
    expect(e.user.all).toEqual({ done: 4, failed: 2 });
    expect(e.user.size).toEqual({ le30: { done: 3, failed: 1 } });
    expect(e.user.hour).toEqual({ 9: { done: 0, failed: 2 } });
    expect(e.user.weekday).toEqual({ 0: { done: 1, failed: 0 } });
    expect(e.user.load).toEqual({ 3: { done: 1, failed: 0 } });
    expect(e.user.deferrals).toEqual({ '3+': { done: 0, failed: 1 } });
    expect(e.user.priority).toEqual({ 1: { done: 4, failed: 0 } });
    // A tag named like an Object method is just a tag.
    expect(e.user.tag.constructor).toEqual({ done: 1, failed: 0 });
    expect(e.user.reason).toEqual({ no_time: 3 });
    expect(e.population.all).toEqual({ done: 10, failed: 5 });
    expect(e.population.size).toEqual({});
    expect(e.thresholds).toEqual({ minSamples: EVIDENCE.minSamples, minDifference: EVIDENCE.minDifference, minZ: EVIDENCE.minZ, priorWeight: EVIDENCE.priorWeight });
    expect(e.planFeedback).toEqual({ too_big: { accepted: 2, rejected: 1 } });
  });

  it('reads the last 90 days for capacity and the next horizonDays for loads, adding the loads of the days asked for', async () => {
    const { h, asked } = history({
      cells: (range) =>
        range.from === '2026-03-10'
          ? [cell('plan', '', { day: '2026-03-11', n: 2 }), cell('plan', '', { day: '2026-03-11', n: 1 }), cell('plan', '', { day: '2026-03-12', n: 0 }), cell('size', 'le30', { day: '2026-03-13', n: 4 })]
          : [],
      plan: new Map([
        ['2026-03-01', cell('plan', '', { day: '2026-03-01', n: 4 })],
        ['2026-03-02', cell('plan', '', { day: '2026-03-02', n: 0 })],
      ]),
    });
    const e = await new LearningFacade(h).evidenceOf('alice', '2026-03-10', 5, ['2026-03-01', '2026-03-02']);
    expect(asked.cells).toEqual([
      { from: '2025-12-10', to: '2026-03-09' },
      { from: '2026-03-10', to: '2026-03-15' },
    ]);
    expect(asked.plan).toEqual([['2026-03-01', '2026-03-02']]);
    expect(e.dayLoads).toEqual({ '2026-03-01': 4, '2026-03-11': 3 });
    expect(e.capacity).toBeNull();
    // The default horizon is three weeks.
    await new LearningFacade(h).evidenceOf('alice', '2026-03-10');
    expect(asked.cells.at(-1)).toEqual({ from: '2026-03-10', to: '2026-03-31' });
    expect(asked.plan.at(-1)).toEqual([]);
  });
});

describe('LearningFacade.predict', () => {
  it('a chance per task, in order, from the model of the user’s and the population’s counts', async () => {
    const { h } = history({ totals: [cell('all', '', { done: 1, failed: 9 }), cell('size', 'gt120', { failed: 9 }), cell('size', 'le15', { done: 1 })], population: [cell('all', '', { done: 50, failed: 50 })] });
    const facade = new LearningFacade(h);
    const task = { scheduledDate: '2026-03-11', localHour: 9, estimateMinutes: 15, tags: [], deferrals: 0, dayLoad: 1 };
    const [small, big] = await facade.predict('alice', [task, { ...task, estimateMinutes: 180 }]);
    for (const p of [small, big]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    await expect(facade.predict('alice', [])).resolves.toEqual([]);
    await expect(facade.predict('alice', [task])).resolves.toEqual([small]);
  });
});

describe('LearningFacade: what it hands the domain', () => {
  it('capacity: the median of what was finished per day over the last 90 days', async () => {
    const finished = (day: string, done: number) => cell('all', '', { day, n: done, done });
    const { h } = history({ cells: (range) => (range.to === '2026-03-09' ? [finished('2026-03-01', 2), finished('2026-03-02', 5), finished('2026-03-03', 3), finished('2026-03-04', 0)] : []) });
    expect((await new LearningFacade(h).evidenceOf('alice', '2026-03-10')).capacity).toBe(3);
  });

  it('predict: each field of a planned task reaches the model (the same chance as the model gives the task it describes)', async () => {
    const c = GOLDEN_CASES.find((g) => g.name.startsWith('postponed tasks and busy days'))!;
    const late = GOLDEN_CASES.find((g) => g.name.startsWith('late hours'))!;
    const user = [...c.user(), ...late.user(), ...historyOf((add) => add(12, 1, { tags: ['admin'], estimateMinutes: 150 }))];
    const population = c.population();
    const { h } = history({ totals: user, population });
    const model = SuccessModel.build(user, population);
    const base = { scheduledDate: '2026-03-11', localHour: 9, estimateMinutes: 15, tags: [] as string[], deferrals: 0, dayLoad: 2 };
    const variants = [
      base,
      { ...base, scheduledDate: null, localHour: null, dayLoad: null },
      { ...base, localHour: 23 },
      { ...base, estimateMinutes: 150 },
      { ...base, estimateMinutes: null },
      { ...base, tags: ['Admin'] },
      { ...base, deferrals: 4 },
      { ...base, dayLoad: 9 },
    ];
    const chances = await new LearningFacade(h).predict('alice', variants);
    const expected = variants.map((v) => model.predict(openTask({ scheduledDate: v.scheduledDate, localHour: v.localHour, estimateMinutes: v.estimateMinutes, tags: v.tags, deferrals: v.deferrals }), v.dayLoad).probability);
    expect(chances).toEqual(expected);
    // Every variant differs from the base: a field that did not reach the model would give the base's chance.
    for (const p of chances.slice(1)) expect(p).not.toBeCloseTo(chances[0]!, 6);
  });
});
