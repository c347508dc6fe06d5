import { SUCCESS_MODEL, SuccessModel } from './success-model';
import { lnMarginal, lnRising, logit, openTask, sigmoid, totalsCell } from './success-model.fixtures';
import { type Cell, type Dimension, type TrackedTask } from './tracked-task.value-object';

/**
 * Histories small enough to compute the model's output by hand: all-time totals written cell by
 * cell (no `plan` cells), so every dimension but the one under test has no usable split and adds
 * nothing. The Bayes factors are computed from first principles: with a Beta(a, b) prior,
 * B(a + d, b + f) / B(a, b) is a ratio of rising factorials, no Gamma function needed.
 */
const cell = totalsCell;

/** An open task like `DONE_TASK`, id `open`. */
const task = openTask;

/** ln Bayes factor of two rates against one, sides [done, failed], Beta prior of weight 2 centred on `centre`. */
const lnBayesFactor = (centre: number, inside: [number, number], outside: [number, number]) => {
  const a = 2 * centre;
  const b = 2 * (1 - centre);
  return lnMarginal(a, b, ...inside) + lnMarginal(a, b, ...outside) - lnMarginal(a, b, inside[0] + outside[0], inside[1] + outside[1]);
};
/** Posterior weight of a dimension's only usable split: `prior` its own, `dimensionPrior` the dimension's. */
const splitWeight = (prior: number, dimensionPrior: number, lnBF: number) => {
  const split = prior * Math.exp(lnBF);
  return split / (split + (1 - dimensionPrior));
};

describe('SuccessModel: computed by hand', () => {
  it('with no split anywhere, the chance is the user\'s rate smoothed toward the population\'s (5 pseudo-outcomes)', () => {
    const user = [cell('all', '', 20, 12)];
    // No population: its rate is the default 0.7.
    const alone = SuccessModel.build(user, []).predict(task(), null);
    expect(alone.probability).toBeCloseTo((12 + 5 * 0.7) / 25, 12);
    expect(alone.factors).toEqual([]);
    // A population of 40 outcomes, 30 done.
    const withPopulation = SuccessModel.build(user, [cell('all', '', 40, 30)]).predict(task({ localHour: null, scheduledDate: null, estimateMinutes: null, tags: ['x'], deferrals: 5 }), 4);
    expect(withPopulation.probability).toBeCloseTo((12 + 5 * 0.75) / 25, 12);
    expect(withPopulation.factors).toEqual([]);
  });

  it('reads a task by the population\'s best split (the middle of tied thresholds), damped, its weight falling with the user\'s own outcomes there', () => {
    // Everyone: hour 9 done 80%, hour 22 done 40%; any threshold from 10:00 to 22:00 cuts them alike: the middle one, 16:00, is used.
    const population = [cell('all', '', 100, 60), cell('hour', '9', 50, 40), cell('hour', '22', 50, 20)];
    // The user: 20 outcomes, all at 9:00 (no split of their own). Base (12 + 5 * 0.6) / 25 = 0.6.
    const m = SuccessModel.build([cell('all', '', 20, 12), cell('hour', '9', 20, 12)], population);
    const late = sigmoid(logit(0.6) + SUCCESS_MODEL.damping * (logit(0.4) - logit(0.6)));
    // The user has 20 outcomes before 16:00: the population's difference keeps 10 / (10 + 20) of its weight.
    const early = sigmoid(logit(0.6) + SUCCESS_MODEL.damping * (logit(0.8) - logit(0.6)) * (10 / 30));
    for (const hour of [16, 22, 23, 0, 2, 4]) expect(m.predict(task({ localHour: hour }), null).probability).toBeCloseTo(late, 12);
    for (const hour of [5, 9, 15]) expect(m.predict(task({ localHour: hour }), null).probability).toBeCloseTo(early, 12);
    expect(m.predict(task({ localHour: null }), null).probability).toBeCloseTo(0.6, 12);
    expect(m.predict(task({ localHour: 22 }), null).factors).toEqual([]);
    // Hand-checked figures, so a wrong damping or weight cannot hide in the formula above.
    expect(late).toBeCloseTo(0.3807, 4);
    expect(early).toBeCloseTo(0.6825, 4);
  });

  it('a population group all done (or all failed) counts as a rate of 1 - 1e-6 (or 1e-6), not infinite log-odds', () => {
    const top = Math.log((1 - 1e-6) / 1e-6);
    const user = [cell('all', '', 90, 54), cell('hour', '9', 90, 54)];
    const allDone = SuccessModel.build(user, [cell('all', '', 100, 70), cell('hour', '9', 50, 50), cell('hour', '22', 50, 20)]);
    const base = (54 + 5 * 0.7) / 95;
    expect(allDone.predict(task({ localHour: 9 }), null).probability).toBeCloseTo(sigmoid(logit(base) + SUCCESS_MODEL.damping * (top - logit(0.7)) * 0.1), 10);
    const allFailed = SuccessModel.build(user, [cell('all', '', 100, 40), cell('hour', '9', 50, 0), cell('hour', '22', 50, 40)]);
    const base2 = (54 + 5 * 0.4) / 95;
    expect(allFailed.predict(task({ localHour: 9 }), null).probability).toBeCloseTo(sigmoid(logit(base2) + SUCCESS_MODEL.damping * (-top - logit(0.4)) * 0.1), 10);
  });

  it('weighs a tag by its Bayes factor (Beta prior centred on an even base), and names the side the task is on', () => {
    // Base (9 + 5 * 0.7) / 25 = 0.5: the Beta prior is Beta(1, 1). #x: 2 of 10 done; the rest 7 of 10.
    const m = SuccessModel.build([cell('all', '', 20, 9), cell('tag', 'x', 10, 2)], []);
    const w = splitWeight(SUCCESS_MODEL.tagPrior, SUCCESS_MODEL.tagPrior, lnBayesFactor(0.5, [2, 8], [7, 3]));
    // From factorials: B(3, 9) B(8, 4) / (B(10, 12) B(1, 1)) = (2! 8! / 11!) (7! 3! / 11!) / (9! 11! / 21!).
    const f = (n: number): number => (n <= 1 ? 1 : n * f(n - 1));
    expect(Math.exp(lnBayesFactor(0.5, [2, 8], [7, 3]))).toBeCloseTo(((f(2) * f(8)) / f(11)) * ((f(7) * f(3)) / f(11)) / ((f(9) * f(11)) / f(21)), 12);
    const tagged = SUCCESS_MODEL.damping * w * logit((2 + 5 * 0.5) / 15);
    const untagged = SUCCESS_MODEL.damping * w * logit((7 + 5 * 0.5) / 15);
    const a = m.predict(task({ tags: ['X'] }), null);
    expect(a.probability).toBeCloseTo(sigmoid(tagged), 12);
    expect(a.factors).toHaveLength(1);
    expect(a.factors[0]!.text).toBe('tagged #x: 2 of 10 such tasks done');
    expect(a.factors[0]!.effect).toBeCloseTo(tagged, 12);
    const b = m.predict(task({ tags: ['other'] }), null);
    expect(b.probability).toBeCloseTo(sigmoid(untagged), 12);
    expect(b.factors.map((x) => x.text)).toEqual(['not tagged #x: 7 of 10 such tasks done']);
    expect(b.factors[0]!.effect).toBeCloseTo(untagged, 12);
  });

  it('computes the Bayes factor for an uneven base too (Gamma below 0.5: the reflection formula)', () => {
    // A population rate of 0.2 and a user at 4 of 20: base (4 + 1) / 25 = 0.2, the prior Beta(0.4, 1.6).
    // Both sides have a done task, so ln Gamma(0.4) does not cancel out of the Bayes factor.
    const m = SuccessModel.build([cell('all', '', 20, 4), cell('tag', 'x', 10, 1)], [cell('all', '', 40, 8)]);
    const w = splitWeight(SUCCESS_MODEL.tagPrior, SUCCESS_MODEL.tagPrior, lnBayesFactor(0.2, [1, 9], [3, 7]));
    const prior = sigmoid(logit(0.2));
    const out = SUCCESS_MODEL.damping * w * (logit((3 + 5 * prior) / 15) - logit(0.2));
    const b = m.predict(task(), null);
    expect(b.probability).toBeCloseTo(sigmoid(logit(0.2) + out), 12);
    expect(b.factors.map((x) => x.text)).toEqual(['not tagged #x: 3 of 10 such tasks done']);
    expect(b.factors[0]!.effect).toBeCloseTo(out, 12);
  });

  it('centres the Beta prior at 0.01 at least (a user who almost never finishes)', () => {
    // Base (1 + 3.5) / 1005, below 0.01: the prior is Beta(0.02, 1.98).
    const m = SuccessModel.build([cell('all', '', 1000, 1), cell('tag', 'x', 10, 1)], []);
    const base = 4.5 / 1005;
    const w = splitWeight(SUCCESS_MODEL.tagPrior, SUCCESS_MODEL.tagPrior, lnBayesFactor(0.01, [1, 9], [0, 990]));
    const effect = SUCCESS_MODEL.damping * w * (logit((1 + 5 * sigmoid(logit(base))) / 15) - logit(base));
    const a = m.predict(task({ tags: ['x'] }), null);
    expect(a.factors.map((x) => x.text)).toEqual(['tagged #x: 1 of 10 such tasks done']);
    expect(a.factors[0]!.effect).toBeCloseTo(effect, 9);
    expect(a.probability).toBeCloseTo(sigmoid(logit(base) + effect), 12);
    // Centred on the base itself it would differ.
    const unclamped = SUCCESS_MODEL.damping * splitWeight(0.3, 0.3, lnBayesFactor(base, [1, 9], [0, 990])) * (logit((1 + 5 * sigmoid(logit(base))) / 15) - logit(base));
    expect(Math.abs(unclamped - effect)).toBeGreaterThan(1e-3);
  });
});

describe('SuccessModel: factor texts at the edges', () => {
  const textsOf = (m: SuccessModel, t: Partial<TrackedTask>) => m.predict(task(t), null).factors.map((f) => f.text);

  it('says the night after midnight (thresholds 00:00 and 01:00)', () => {
    const at24 = SuccessModel.build([cell('all', '', 40, 20), cell('hour', '23', 20, 18), cell('hour', '0', 20, 2)], []);
    expect(textsOf(at24, { localHour: 0 })).toEqual(['scheduled between 00:00 and 05:00: 2 of 20 such tasks done']);
    expect(textsOf(at24, { localHour: 23 })).toEqual(['scheduled before 00:00: 18 of 20 such tasks done']);
    const at25 = SuccessModel.build([cell('all', '', 40, 20), cell('hour', '0', 20, 18), cell('hour', '1', 20, 2)], []);
    expect(textsOf(at25, { localHour: 3 })).toEqual(['scheduled between 01:00 and 05:00: 2 of 20 such tasks done']);
    expect(textsOf(at25, { localHour: 0 })).toEqual(['scheduled 05:00-01:00: 18 of 20 such tasks done']);
    expect(textsOf(at25, { localHour: 10 })).toEqual(['scheduled 05:00-01:00: 18 of 20 such tasks done']);
  });

  it('says postponements at the first and the last threshold', () => {
    const once = SuccessModel.build([cell('all', '', 40, 20), cell('deferrals', '0', 20, 18), cell('deferrals', '1', 20, 2)], []);
    expect(textsOf(once, { deferrals: 0 })).toEqual(['never postponed: 18 of 20 tasks never postponed done']);
    expect(textsOf(once, { deferrals: 1 })).toEqual(['postponed once: 2 of 20 tasks postponed at least once done']);
    expect(textsOf(once, { deferrals: 2 })).toEqual(['postponed twice: 2 of 20 tasks postponed at least once done']);
    const thrice = SuccessModel.build([cell('all', '', 40, 20), cell('deferrals', '2', 20, 18), cell('deferrals', '3+', 20, 2)], []);
    expect(textsOf(thrice, { deferrals: 3 })).toEqual(['postponed 3 times: 2 of 20 tasks postponed 3 or more times done']);
    expect(textsOf(thrice, { deferrals: 7 })).toEqual(['postponed 7 times: 2 of 20 tasks postponed 3 or more times done']);
    expect(textsOf(thrice, { deferrals: 2 })).toEqual(['postponed twice: 18 of 20 tasks postponed at most twice done']);
    expect(textsOf(thrice, { deferrals: 0 })).toEqual(['never postponed: 18 of 20 tasks postponed at most twice done']);
  });

  it('says the day\'s load, and nothing for a day of no tasks', () => {
    const m = SuccessModel.build([cell('all', '', 40, 20), cell('load', '2', 20, 18), cell('load', '6', 20, 2)], []);
    // Loads 2 and 6 split anywhere from 3 to 6: the middle (4 of 3, 4, 5, 6 by floor) is said.
    expect(textsOf(m, {})).toEqual([]);
    expect(m.predict(task(), 1).factors.map((f) => f.text)).toEqual(['1 task scheduled that day: 18 of 20 done on days with fewer than 4']);
    expect(m.predict(task(), 6).factors.map((f) => f.text)).toEqual(['6 tasks scheduled that day: 2 of 20 done on days with 4 or more']);
    expect(m.predict(task(), 0)).toEqual(m.predict(task(), null));
  });

  it('names at most 3 factors, the strongest, and sorts them by |effect|', () => {
    const user = [
      cell('all', '', 40, 20),
      cell('hour', '9', 20, 18),
      cell('hour', '23', 20, 2),
      cell('size', 'le15', 20, 18),
      cell('size', 'gt120', 20, 2),
      cell('deferrals', '0', 20, 18),
      cell('deferrals', '3+', 20, 2),
      cell('tag', 'a', 20, 2),
    ];
    const m = SuccessModel.build(user, []);
    const p = m.predict(task({ localHour: 23, estimateMinutes: 150, deferrals: 3, tags: ['a'] }), null);
    expect(p.factors).toHaveLength(SUCCESS_MODEL.maxFactors);
    // Each dimension alone: the four candidates, the weakest left out.
    const alone = [
      SuccessModel.build(user.filter((c) => c.dimension === 'all' || c.dimension === 'hour'), []).predict(task({ localHour: 23 }), null).factors,
      SuccessModel.build(user.filter((c) => c.dimension === 'all' || c.dimension === 'size'), []).predict(task({ estimateMinutes: 150 }), null).factors,
      SuccessModel.build(user.filter((c) => c.dimension === 'all' || c.dimension === 'deferrals'), []).predict(task({ deferrals: 3 }), null).factors,
      SuccessModel.build(user.filter((c) => c.dimension === 'all' || c.dimension === 'tag'), []).predict(task({ tags: ['a'] }), null).factors,
    ].map((f) => {
      expect(f).toHaveLength(1);
      return f[0]!;
    });
    const strongest = [...alone].sort((x, y) => Math.abs(y.effect) - Math.abs(x.effect));
    // The size and the postponements cut the same counts the same way: equal effects, said in the order of their texts.
    expect(strongest[0]!.effect).toBe(strongest[1]!.effect);
    expect(Math.abs(strongest[2]!.effect)).toBeGreaterThan(Math.abs(strongest[3]!.effect) + 0.1);
    expect(p.factors.map((f) => f.text)).toEqual(strongest.slice(0, 3).map((f) => f.text));
    p.factors.forEach((f, i) => expect(f.effect).toBeCloseTo(strongest[i]!.effect, 12));
    // All four move the log-odds (the one not named too): below the floor.
    expect(sigmoid(logit((20 + 3.5) / 45) + alone.reduce((s, f) => s + f.effect, 0))).toBeLessThan(SUCCESS_MODEL.minProbability);
    expect(p.probability).toBe(SUCCESS_MODEL.minProbability);
    // Without the tag: three factors, and the chance their effects add up to.
    const three = m.predict(task({ localHour: 23, estimateMinutes: 150, deferrals: 3, tags: [] }), null);
    expect(three.factors.map((f) => f.text)).toEqual([...strongest.slice(0, 3).map((f) => f.text)]);
    expect(three.factors.map((f) => f.text)).toEqual([
      'estimate over 60 min, larger than you usually finish (2 of 20 done)',
      'postponed 3 times: 2 of 20 tasks postponed 2 or more times done',
      'scheduled at 16:00 or later: 2 of 20 such tasks done',
    ]);
  });
});
