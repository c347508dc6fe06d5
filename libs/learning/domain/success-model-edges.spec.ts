import { SUCCESS_MODEL, SuccessModel } from './success-model';
import { lnMarginal, lnRising, logit, openTask, sigmoid, totalsCell } from './success-model.fixtures';
import { type Cell, type Dimension } from './tracked-task.value-object';

/**
 * Edges of the success model that its other specs leave open (Stryker survivors): tie-breaks,
 * counts exactly at a threshold, the population's outcomes without a value, overflow. Histories
 * are all-time totals written cell by cell (as in `success-model-mutation.spec.ts`), so every
 * dimension but the one under test has no usable split and adds nothing.
 */
const cell = totalsCell;
const task = openTask;

interface C {
  n: number;
  done: number;
}
const c = (n: number, done: number): C => ({ n, done });
const plus = (a: C, b: C): C => ({ n: a.n + b.n, done: a.done + b.done });
const ZERO: C = { n: 0, done: 0 };

/**
 * The size dimension, by hand, for a user and a population with outcomes only in the smallest
 * bucket (`lo`, le15, index 0), the largest (`hi`, gt120, index 5) and without an estimate (`miss`).
 * Every threshold 1..5 then cuts lo | hi alike, the missing outcomes on either side: 5 x 2
 * candidate splits (5 x 1 when the user has no missing outcome). The population's threshold
 * (`threshold`) and the side its missing outcomes go to (`populationMissingAbove`) are stated by
 * the caller, worked out by hand from the rates; this only does the arithmetic of the model's
 * formula (docs in success-model.ts): priors, Bayes factors, smoothed group effects.
 */
function sizeByHand(
  user: { lo: C; hi: C; miss: C },
  population: { lo: C; hi: C; miss: C },
  threshold: number | null,
  populationMissingAbove: boolean | null,
) {
  const popAll = plus(plus(population.lo, population.hi), population.miss);
  const popBase = popAll.n >= 30 ? popAll.done / popAll.n : 0.7;
  const all = plus(plus(user.lo, user.hi), user.miss);
  const base = (all.done + 5 * popBase) / (all.n + 5);
  const centre = Math.min(0.99, Math.max(0.01, base));
  const a = 2 * centre;
  const b = 2 * (1 - centre);
  const ln = (x: C) => lnMarginal(a, b, x.done, x.n - x.done);
  const lnBF = (x: C, y: C) => ln(x) + ln(y) - ln(plus(x, y));
  const popRate = (p: C | null) => (p && p.n >= 30 ? p.done / p.n : popBase);
  const popEffect = (x: C, p: C | null) => (logit(popRate(p)) - logit(popBase)) * (10 / (10 + x.n));
  const groupEffect = (x: C, p: C | null) => {
    const prior = sigmoid(logit(base) + popEffect(x, p));
    return logit((x.done + 2 * prior) / (x.n + 2)) - logit(base);
  };
  const sides = user.miss.n > 0 ? [true, false] : [false];
  const candidates: { inside: C; outside: C; popInside: C; popOutside: C; missingAbove: boolean; atPopulation: boolean }[] = [];
  for (const t of [1, 2, 3, 4, 5])
    for (const missingAbove of sides)
      candidates.push({
        inside: missingAbove ? plus(user.hi, user.miss) : user.hi,
        outside: missingAbove ? user.lo : plus(user.lo, user.miss),
        popInside: missingAbove ? plus(population.hi, population.miss) : population.hi,
        popOutside: missingAbove ? population.lo : plus(population.lo, population.miss),
        missingAbove,
        atPopulation: t === threshold && (populationMissingAbove === null || populationMissingAbove === missingAbove || sides.length === 1),
      });
  const share = threshold === null ? 0 : 0.8;
  const popular = candidates.filter((x) => x.atPopulation).length;
  const weights = candidates.map((x) => 0.15 * ((1 - share) / candidates.length + (x.atPopulation ? share / popular : 0)) * Math.exp(lnBF(x.inside, x.outside)));
  const total = weights.reduce((s, w) => s + w, 0) + 0.85;
  const none = 0.85 / total;
  /** The task's size: 'lo', 'hi' or none. */
  return (value: 'lo' | 'hi' | null) => {
    let effect = 0;
    candidates.forEach((x, i) => {
      const inside = value === null ? x.missingAbove : value === 'hi';
      effect += (weights[i]! / total) * groupEffect(inside ? x.inside : x.outside, inside ? x.popInside : x.popOutside);
    });
    if (threshold !== null && value !== null) effect += none * (value === 'hi' ? popEffect(user.hi, population.hi) : popEffect(user.lo, population.lo));
    return sigmoid(logit(base) + SUCCESS_MODEL.damping * effect);
  };
}

/** Cells of the size dimension: `lo` in le15, `hi` in gt120, `miss` without an estimate (only in `all`). */
const sizeCells = (h: { lo: C; hi: C; miss: C }): Cell[] => {
  const all = plus(plus(h.lo, h.hi), h.miss);
  return [cell('all', '', all.n, all.done), ...(h.lo.n ? [cell('size', 'le15', h.lo.n, h.lo.done)] : []), ...(h.hi.n ? [cell('size', 'gt120', h.hi.n, h.hi.done)] : [])];
};
const small = { estimateMinutes: 10 };
const large = { estimateMinutes: 150 };
const unsized = { estimateMinutes: null };

describe('SuccessModel: the population\'s outcomes without a value (ordered dimensions)', () => {
  const user = { lo: c(20, 18), hi: c(20, 4), miss: c(10, 3) };
  const check = (population: { lo: C; hi: C; miss: C }, threshold: number | null, populationMissingAbove: boolean | null, own = user) => {
    const m = SuccessModel.build(sizeCells(own), sizeCells(population));
    const expected = sizeByHand(own, population, threshold, populationMissingAbove);
    expect(m.predict(task(unsized), null).probability).toBeCloseTo(expected(null), 12);
    expect(m.predict(task(large), null).probability).toBeCloseTo(expected('hi'), 12);
    expect(m.predict(task(small), null).probability).toBeCloseTo(expected('lo'), 12);
    return expected;
  };

  it('puts the population\'s missing outcomes on the side whose rate is nearer (here the larger tasks): that split gets the population\'s share', () => {
    // Everyone: le15 80 of 100, gt120 40 of 100, no estimate 40 of 100: |0.4 - 0.4| < |0.4 - 0.8|, so above.
    // Thresholds 1..5 cut everyone alike (equal z): the middle one, 3.
    const expected = check({ lo: c(100, 80), hi: c(100, 40), miss: c(100, 40) }, 3, true);
    // Sanity of the hand figures: the unsized task reads like the larger (failing) ones, below the base.
    expect(expected(null)).toBeLessThan((25 + 5 * (160 / 300)) / 55);
    // Had the missing side gone below (or both sides shared the share), the figure would differ.
    expect(Math.abs(sizeByHand(user, { lo: c(100, 80), hi: c(100, 40), miss: c(100, 40) }, 3, false)(null) - expected(null))).toBeGreaterThan(1e-3);
    expect(Math.abs(sizeByHand(user, { lo: c(100, 80), hi: c(100, 40), miss: c(100, 40) }, 3, null)(null) - expected(null))).toBeGreaterThan(1e-3);
  });

  it('gives a user without missing outcomes the population\'s threshold whichever side everyone\'s missing outcomes are on', () => {
    // Only the candidates with the missing outcomes below exist (there are none): the one at threshold 3 takes the share.
    check({ lo: c(100, 80), hi: c(100, 40), miss: c(100, 40) }, 3, true, { lo: c(20, 18), hi: c(20, 4), miss: ZERO });
  });

  it('puts them below when their rate is nearer the smaller tasks\'', () => {
    // No estimate 80 of 100: |0.8 - 0.4| > |0.8 - 0.8|, so below.
    check({ lo: c(100, 80), hi: c(100, 40), miss: c(100, 80) }, 3, false);
  });

  it('puts them below on an exact tie of the distances, and counts a missing group of exactly 30 outcomes', () => {
    // 0.25 / 0.75 / 0.5: both distances are exactly 0.25 (not nearer above), 30 outcomes are enough.
    check({ lo: c(100, 75), hi: c(100, 25), miss: c(30, 15) }, 3, false);
  });

  it('ignores the population\'s missing outcomes below 30 (both candidates at its threshold share its prior)', () => {
    check({ lo: c(100, 75), hi: c(100, 25), miss: c(29, 15) }, 3, null);
  });

  it('uses a population side of exactly 30 outcomes, for the threshold and for its rate', () => {
    // gt120: 6 of 30 (0.2), enough; le15 80 of 100.
    check({ lo: c(100, 80), hi: c(30, 6), miss: ZERO }, 3, null);
  });

  it('has no population threshold when one side has fewer than 30 outcomes, and then no population difference for "no split"', () => {
    // gt120 36 of 40 (0.9) but nothing in le15: no threshold, the 0.9 is never read.
    check({ lo: ZERO, hi: c(40, 36), miss: c(60, 24) }, null, null);
    check({ lo: c(29, 20), hi: c(100, 30), miss: ZERO }, null, null);
    check({ lo: c(100, 80), hi: c(10, 0), miss: ZERO }, null, null);
  });

  it('has no population threshold when everyone\'s rate is the same on every side (z = 0 everywhere)', () => {
    check({ lo: c(100, 60), hi: c(100, 60), miss: ZERO }, null, null);
    // The hour: everyone 60% at 9:00 and at 22:00. Were a threshold taken (the middle of 10..22, 16:00), the
    // user's own cut {9, 12} | {22} would get most of the prior; without one the model is the same as with no
    // hour counts of everyone's at all (every side's population rate is the overall 0.6).
    const user = [cell('all', '', 60, 22), cell('hour', '9', 20, 18), cell('hour', '12', 20, 2), cell('hour', '22', 20, 2)];
    const flat = SuccessModel.build(user, [cell('all', '', 200, 120), cell('hour', '9', 100, 60), cell('hour', '22', 100, 60)]);
    const none = SuccessModel.build(user, [cell('all', '', 200, 120)]);
    for (const localHour of [9, 12, 22]) expect(flat.predict(task({ localHour }), null).probability).toBeCloseTo(none.predict(task({ localHour }), null).probability, 12);
  });
});

describe('SuccessModel: postponements have no population outcomes without a value', () => {
  it('reads postponements by the population\'s threshold (no missing outcomes to place)', () => {
    // Everyone: never postponed 80 of 100, postponed once 40 of 100: threshold 1 (the only one with both sides).
    // The user: 20 never postponed, 12 done; none postponed: no usable split. Base (12 + 5 * 0.6) / 25 = 0.6.
    const m = SuccessModel.build([cell('all', '', 20, 12), cell('deferrals', '0', 20, 12)], [cell('all', '', 200, 120), cell('deferrals', '0', 100, 80), cell('deferrals', '1', 100, 40)]);
    const once = sigmoid(logit(0.6) + SUCCESS_MODEL.damping * (logit(0.4) - logit(0.6)));
    const never = sigmoid(logit(0.6) + SUCCESS_MODEL.damping * (logit(0.8) - logit(0.6)) * (10 / 30));
    expect(m.predict(task({ deferrals: 1 }), null).probability).toBeCloseTo(once, 12);
    expect(m.predict(task({ deferrals: 0 }), null).probability).toBeCloseTo(never, 12);
  });
});

describe('SuccessModel: tags', () => {
  it('of two equally likely tags, a task is described by the one it has, however the cells come', () => {
    // Every task has #work or #home: "#home" and "not #work" are the same cut (a tie). 2 of 20 done with #work, 18 of 20 with #home.
    for (const order of [0, 1]) {
      const tags = [cell('tag', 'work', 20, 2), cell('tag', 'home', 20, 18)];
      const m = SuccessModel.build([cell('all', '', 40, 20), ...(order ? tags.reverse() : tags)], []);
      expect(m.predict(task({ tags: ['work'] }), null).factors.map((f) => f.text)).toEqual(['tagged #work: 2 of 20 such tasks done']);
      expect(m.predict(task({ tags: ['home'] }), null).factors.map((f) => f.text)).toEqual(['tagged #home: 18 of 20 such tasks done']);
    }
  });

  it('of three equally likely tags, a task with none is described by the middle one in alphabetical order', () => {
    // #a, #b, #c: 10 each, all failed; 30 done without a tag: the three cuts weigh the same.
    for (const names of [['c', 'a', 'b'], ['b', 'c', 'a'], ['a', 'b', 'c'], ['c', 'b', 'a']]) {
      const m = SuccessModel.build([cell('all', '', 60, 30), ...names.map((t) => cell('tag', t, 10, 0))], []);
      expect(m.predict(task({ tags: [] }), null).factors.map((f) => f.text)).toEqual(['not tagged #b: 30 of 50 such tasks done']);
    }
  });

  it('a tag with no done or failed outcome (only dropped) is not a tag: it does not thin the others\' prior', () => {
    const dropped: Cell = { ...cell('tag', 'aaa', 0, 0), n: 3, dropped: 3 };
    const user = [cell('all', '', 20, 9), cell('tag', 'x', 10, 2)];
    const withDropped = SuccessModel.build([...user, dropped], []);
    const without = SuccessModel.build(user, []);
    for (const tags of [['x'], [], ['aaa'], ['x', 'aaa']]) {
      expect(withDropped.predict(task({ tags }), null).probability).toBeCloseTo(without.predict(task({ tags }), null).probability, 15);
      expect(withDropped.predict(task({ tags }), null).factors).toEqual(without.predict(task({ tags }), null).factors);
    }
  });
});

describe('SuccessModel: factors', () => {
  it('does not name a side whose rate is the same as the rest\'s, even when the population moves it', () => {
    // The user: 5 of 10 at 9:00 and 5 of 10 at 22:00 (no difference of their own). Everyone: 80% at 9:00, 40% at 22:00.
    const m = SuccessModel.build([cell('all', '', 20, 10), cell('hour', '9', 10, 5), cell('hour', '22', 10, 5)], [cell('all', '', 200, 120), cell('hour', '9', 100, 80), cell('hour', '22', 100, 40)]);
    const late = m.predict(task({ localHour: 22 }), null);
    const early = m.predict(task({ localHour: 9 }), null);
    // Base (10 + 5 * 0.6) / 25 = 0.52; the population moves the late task well down and the early one up.
    expect(late.probability).toBeLessThan(0.52 - 0.05);
    expect(early.probability).toBeGreaterThan(0.52 + 0.02);
    expect(late.factors).toEqual([]);
    expect(early.factors).toEqual([]);
  });

  it('names factors of exactly equal effect in the order of their texts', () => {
    // Weekday and tag cut the same outcomes alike: Monday (and #x) 0 of 100 done, Tuesday (without #x) 100 of 100.
    // Monday and Tuesday tie (each half the weight); the tag alone takes it all: the same effect, to the last bit.
    const m = SuccessModel.build([cell('all', '', 200, 100), cell('weekday', '0', 100, 0), cell('weekday', '1', 100, 100), cell('tag', 'x', 100, 0)], []);
    const monday = m.predict(task({ scheduledDate: '2026-03-02', tags: ['x'] }), null);
    expect(monday.factors.map((f) => f.text)).toEqual(['scheduled on a Monday: 0 of 100 such tasks done', 'tagged #x: 0 of 100 such tasks done']);
    expect(monday.factors[0]!.effect).toBe(monday.factors[1]!.effect);
    expect(monday.probability).toBe(SUCCESS_MODEL.minProbability);
    const tuesday = m.predict(task({ scheduledDate: '2026-03-03', tags: [] }), null);
    expect(tuesday.factors.map((f) => f.text)).toEqual(['not tagged #x: 100 of 100 such tasks done', 'scheduled on another day than Monday: 100 of 100 such tasks done']);
    expect(tuesday.factors[0]!.effect).toBe(tuesday.factors[1]!.effect);
    expect(tuesday.probability).toBe(SUCCESS_MODEL.maxProbability);
  });

  it('stays finite with overwhelming evidence (a Bayes factor beyond e^709)', () => {
    // #x: 1000 of 1000 done, the rest 0 of 1000: ln BF ~ 1380. The chance saturates at the bounds, it is not NaN.
    const m = SuccessModel.build([cell('all', '', 2000, 1000), cell('tag', 'x', 1000, 1000)], []);
    expect(m.predict(task({ tags: ['x'] }), null).probability).toBe(SUCCESS_MODEL.maxProbability);
    expect(m.predict(task({ tags: [] }), null).probability).toBe(SUCCESS_MODEL.minProbability);
    expect(m.predict(task({ tags: ['x'] }), null).factors.map((f) => f.text)).toEqual(['tagged #x: 1000 of 1000 such tasks done']);
  });
});
