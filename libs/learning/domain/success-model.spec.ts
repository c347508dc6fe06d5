import { EVIDENCE } from './evidence';
import { SUCCESS_MODEL, SuccessModel } from './success-model';
import { totalsOf } from './totals';
import { type Cell, type TrackedTask, cellsOf } from './tracked-task.value-object';
import { DONE_TASK } from './tracked-task.fixtures';

const base = DONE_TASK;

let seq = 0;
/** `n` tasks like `t`, `done` of them done and the rest failed, each on a day of its own unless `t` says. */
function outcomes(n: number, done: number, t: Partial<TrackedTask> = {}): Cell[] {
  return Array.from({ length: n }, (_, i) => {
    seq += 1;
    const day = new Date(Date.UTC(2026, 0, 1) + (seq % 300) * 86_400_000).toISOString().slice(0, 10);
    return cellsOf({ ...base, scheduledDate: day, closedDay: day, ...t, taskId: `t${seq}`, status: i < done ? 'done' : 'failed' });
  }).flat();
}

const open = (t: Partial<TrackedTask> = {}): TrackedTask => ({ ...base, status: 'open', closedDay: null, taskId: 'open', ...t });

/** A population of 200 outcomes, 70% done, long tasks a little worse. */
const population: Cell[] = [...outcomes(150, 110, { estimateMinutes: 30 }), ...outcomes(50, 30, { estimateMinutes: 150 })];

describe('SuccessModel', () => {
  it('a new user gets the population\'s prediction, with no factor (none of it is theirs)', () => {
    const fresh = SuccessModel.build([], population);
    // Open tasks only (plan cells, no outcomes) are no evidence either.
    const onlyOpen = SuccessModel.build(cellsOf(open({ taskId: 'x' })), population);
    for (const t of [open({ estimateMinutes: 150 }), open({ estimateMinutes: 20, tags: ['home'], localHour: 22 }), open({ scheduledDate: null, localHour: null })]) {
      expect(onlyOpen.predict(t, null)).toEqual(fresh.predict(t, null));
      expect(fresh.predict(t, null).factors).toEqual([]);
    }
    // The population's own difference carries over: long tasks less likely.
    expect(fresh.predict(open({ estimateMinutes: 150 }), null).probability).toBeLessThan(fresh.predict(open({ estimateMinutes: 30 }), null).probability);
    // Without any population: the default rate.
    expect(SuccessModel.build([], []).predict(open(), 3).probability).toBeCloseTo(EVIDENCE.defaultRate);
  });

  it('moves in the planted direction, and further the more outcomes say so', () => {
    const user = [...outcomes(20, 18, { estimateMinutes: 20 }), ...outcomes(12, 2, { estimateMinutes: 150 })];
    const m = SuccessModel.build(user, population);
    const long = m.predict(open({ estimateMinutes: 150 }), null).probability;
    const short = m.predict(open({ estimateMinutes: 20 }), null).probability;
    expect(long).toBeLessThan(0.4);
    expect(short).toBeGreaterThan(0.7);
    // More failures among long tasks: a lower chance for the next one, monotonically.
    const byDone = Array.from({ length: 13 }, (_, done) =>
      SuccessModel.build([...outcomes(20, 18, { estimateMinutes: 20 }), ...outcomes(12, done, { estimateMinutes: 150 })], population).predict(open({ estimateMinutes: 150 }), null).probability,
    );
    for (let i = 1; i < byDone.length; i++) expect(byDone[i]!).toBeGreaterThan(byDone[i - 1]!);
  });

  it('names factors in the user\'s own numbers, strongest first, at most 3', () => {
    const user = [
      ...outcomes(40, 37, { estimateMinutes: 20, localHour: 9, tags: ['home'] }),
      ...outcomes(10, 2, { estimateMinutes: 150, localHour: 9, tags: ['home'] }),
      ...outcomes(12, 2, { estimateMinutes: 20, localHour: 22, tags: ['home'] }),
      ...outcomes(9, 1, { estimateMinutes: 20, localHour: 9, tags: ['admin'] }),
    ];
    const m = SuccessModel.build(user, population);
    const risky = m.predict(open({ estimateMinutes: 150, localHour: 22, tags: ['Admin'], deferrals: 4 }), null);
    // Sizes 20 and 150 split anywhere from over 30 to over 120 min: the middle is said. Hours 9 and 22 likewise.
    expect(risky.factors.map((f) => f.text)).toEqual([
      'scheduled at 16:00 or later: 2 of 12 such tasks done',
      'tagged #admin: 1 of 9 such tasks done',
      'estimate over 60 min, larger than you usually finish (2 of 10 done)',
    ]);
    expect(risky.factors.every((f) => f.effect < 0)).toBe(true);
    const effects = risky.factors.map((f) => Math.abs(f.effect));
    expect([...effects].sort((a, b) => b - a)).toEqual(effects);
    expect(risky.probability).toBeLessThan(0.3);
    expect(risky.probability).toBeLessThan(SuccessModel.build([], population).predict(open({ estimateMinutes: 150, localHour: 22, tags: ['Admin'], deferrals: 4 }), null).probability - 0.3);

    const easy = m.predict(open({ estimateMinutes: 20, localHour: 9, tags: ['home'] }), null);
    expect(easy.factors.length).toBeLessThanOrEqual(SUCCESS_MODEL.maxFactors);
    expect(easy.factors.map((f) => f.text)).toEqual([
      'scheduled before 16:00: 40 of 59 such tasks done',
      'tagged #home: 41 of 62 such tasks done',
      'estimate 60 min or less, a size you usually finish (40 of 61 done)',
    ]);
    expect(easy.factors.every((f) => f.effect > 0)).toBe(true);
  });

  it('a group with fewer than the minimum outcomes moves the probability (smoothed) but is never named', () => {
    const few = EVIDENCE.minSamples - 1;
    const user = [...outcomes(30, 24, { estimateMinutes: 20 }), ...outcomes(few, 0, { estimateMinutes: 150 })];
    const m = SuccessModel.build(user, population);
    const long = m.predict(open({ estimateMinutes: 150 }), null);
    expect(long.factors).toEqual([]);
    expect(long.probability).toBeLessThan(SuccessModel.build(user.filter((c) => c.dimension !== 'size' || c.key !== 'gt120'), population).predict(open({ estimateMinutes: 150 }), null).probability);
    // One more outcome and it is named.
    const named = SuccessModel.build([...user, ...outcomes(1, 0, { estimateMinutes: 150 })], population).predict(open({ estimateMinutes: 150 }), null);
    expect(named.factors[0]!.text).toBe(`estimate over 60 min, larger than you usually finish (0 of ${EVIDENCE.minSamples} done)`);
  });

  it('reads the day\'s load from the per-day counts, and says postponements as they are', () => {
    // 4 busy days of 8 tasks (mostly failed), 20 light days of 2 (mostly done).
    const day = (d: number) => `2026-02-${String(d).padStart(2, '0')}`;
    const busy = [1, 2, 3, 4].flatMap((d) => outcomes(8, 2, { scheduledDate: day(d), closedDay: day(d) }));
    const light = Array.from({ length: 20 }, (_, i) => outcomes(2, 2, { scheduledDate: day(5 + i), closedDay: day(5 + i) })).flat();
    const postponed = outcomes(8, 1, { deferrals: 3 });
    const m = SuccessModel.build([...busy, ...light, ...postponed], population);
    const onBusyDay = m.predict(open({ scheduledDate: '2026-03-10' }), 9);
    expect(onBusyDay.factors.map((f) => f.text)).toContain('9 tasks scheduled that day: 8 of 32 done on days with 5 or more');
    expect(onBusyDay.probability).toBeLessThan(m.predict(open({ scheduledDate: '2026-03-10' }), 2).probability);
    expect(m.predict(open({ deferrals: 4 }), null).factors.map((f) => f.text)).toContain('postponed 4 times: 1 of 8 tasks postponed 2 or more times done');
  });

  it('reads a task without an estimate with the outcomes it resembles, and names nothing for it', () => {
    const longFail = [...outcomes(20, 17, { estimateMinutes: 20 }), ...outcomes(14, 2, { estimateMinutes: 150 })];
    // The user's tasks without an estimate are done like the short ones...
    const likeShort = SuccessModel.build([...longFail, ...outcomes(10, 9, { estimateMinutes: null })], population);
    const none = likeShort.predict(open({ estimateMinutes: null }), null);
    expect(none.probability).toBeCloseTo(likeShort.predict(open({ estimateMinutes: 20 }), null).probability, 2);
    expect(none.factors).toEqual([]);
    // ... or fail like the long ones.
    const likeLong = SuccessModel.build([...longFail, ...outcomes(10, 1, { estimateMinutes: null })], population);
    expect(likeLong.predict(open({ estimateMinutes: null }), null).probability).toBeCloseTo(likeLong.predict(open({ estimateMinutes: 150 }), null).probability, 2);
  });

  it('helps a task without a tag the user fails, and counts two tags that cut the same outcomes once', () => {
    const user = [...outcomes(30, 26, { tags: ['home'] }), ...outcomes(14, 3, { tags: ['admin', 'home'] }), ...outcomes(10, 8)];
    const m = SuccessModel.build(user, population);
    const without = m.predict(open({ tags: [] }), null);
    expect(without.factors.map((f) => f.text)).toEqual(['not tagged #admin: 34 of 40 such tasks done']);
    expect(without.probability).toBeGreaterThan(0.8);
    expect(m.predict(open({ tags: ['admin'] }), null).probability).toBeLessThan(0.35);
    // Every task tagged #home or #admin: "tagged #admin" and "not tagged #home" are the same tasks, said once.
    const logit = (p: number) => Math.log(p / (1 - p));
    const twoTags = SuccessModel.build([...outcomes(30, 26, { tags: ['home'] }), ...outcomes(14, 3, { tags: ['admin'] })], population);
    const oneTag = SuccessModel.build([...outcomes(30, 26), ...outcomes(14, 3, { tags: ['admin'] })], population);
    const admin = twoTags.predict(open({ tags: ['admin'] }), null);
    expect(Math.abs(logit(admin.probability) - logit(oneTag.predict(open({ tags: ['admin'] }), null).probability))).toBeLessThan(0.05);
    expect(admin.factors.map((f) => f.text)).toEqual(['tagged #admin: 3 of 14 such tasks done']);
    expect(twoTags.predict(open({ tags: ['home'] }), null).factors.map((f) => f.text)).toEqual(['tagged #home: 26 of 30 such tasks done']);
  });

  it('stays within [0.01, 0.99], and depends on the counts only (not how the cells are split or ordered)', () => {
    const user = [...outcomes(200, 0, { estimateMinutes: 150, localHour: 23, tags: ['a', 'b', 'c'] }), ...outcomes(200, 200, { estimateMinutes: 10, localHour: 8, tags: ['d'] })];
    const m = SuccessModel.build(user, population);
    expect(m.predict(open({ estimateMinutes: 150, localHour: 23, tags: ['a', 'b', 'c'] }), null).probability).toBe(SUCCESS_MODEL.minProbability);
    expect(m.predict(open({ estimateMinutes: 10, localHour: 8, tags: ['d'] }), null).probability).toBe(SUCCESS_MODEL.maxProbability);
    const t = open({ estimateMinutes: 150, localHour: 8, tags: ['d'] });
    expect(SuccessModel.build([...user].reverse(), [...population].reverse()).predict(t, 3)).toEqual(m.predict(t, 3));
  });
  it("reads the day's load by the population's own threshold: a new user's busy day is less likely, and a user's own days move it", () => {
    // The population: busy days (8 tasks) go worse than light ones (2 tasks), as totals (`load` cells) as the projection keeps them.
    const day = (d: number) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const onDay = (d: number, n: number, done: number) =>
      Array.from({ length: n }, (_, i) => cellsOf({ ...base, scheduledDate: day(d), closedDay: day(d), taskId: `d${d}-${i}`, status: i < done ? 'done' : 'failed' })).flat();
    const cells: Cell[] = [];
    for (let d = 0; d < 30; d++) cells.push(...(d % 2 ? onDay(d, 8, 3) : onDay(d, 2, 2)));
    const populationTotals = totalsOf(cells);
    expect(populationTotals.some((c) => c.dimension === 'load')).toBe(true);
    const fresh = SuccessModel.build([], populationTotals);
    expect(fresh.predict(open(), 8).probability).toBeLessThan(fresh.predict(open(), 2).probability - 0.1);
    // Without the population's load totals the load says nothing to a new user.
    const withoutLoads = SuccessModel.build([], populationTotals.filter((c) => c.dimension !== 'load'));
    expect(withoutLoads.predict(open(), 8).probability).toBeCloseTo(withoutLoads.predict(open(), 2).probability, 10);
    // A user who finishes their busy days does better on them than a new user would.
    const diligent = SuccessModel.build(Array.from({ length: 6 }, (_, k) => onDay(100 + k, 8, 8)).flat(), populationTotals);
    expect(diligent.predict(open(), 8).probability).toBeGreaterThan(fresh.predict(open(), 8).probability);
  });
});
