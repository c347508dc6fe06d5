import type { EvidenceThresholds, GroupedCounts } from './coaching.types';
import { THRESHOLDS, history, outcomes } from './coaching.fixtures';
import { type Comparison, DEFAULT_RATE, clearsThresholds, compare, confidenceOf, populationBaseRate, priorFor, twoProportionZ } from './evidence';

/** A population with `done` and `failed` outcomes overall and nothing grouped. */
const population = (done: number, failed: number): GroupedCounts => history(outcomes(done, failed));

/** A comparison that clears the thresholds with the group doing worse, as `confidenceOf` reads it. */
const worse = (rate: number, restRate: number, z: number): Comparison => ({
  group: { done: 2, failed: 10 },
  rest: { done: 25, failed: 5 },
  rate,
  restRate,
  z,
  groupDoesWorse: true,
});

describe('the population\'s prior', () => {
  it('is the population\'s overall rate from 30 outcomes on', () => {
    expect(populationBaseRate(population(15, 15))).toBe(0.5);
    expect(populationBaseRate(population(27, 3))).toBe(0.9);
  });

  it('is the default rate under 30 outcomes', () => {
    expect(populationBaseRate(population(29, 0))).toBe(DEFAULT_RATE);
    expect(populationBaseRate(population(0, 0))).toBe(DEFAULT_RATE);
  });

  it('is a group\'s own rate from 30 outcomes in it, else the population\'s overall rate', () => {
    const everyone = population(15, 15);
    expect(priorFor(everyone, { done: 24, failed: 6 })).toBe(0.8);
    expect(priorFor(everyone, { done: 23, failed: 6 })).toBe(0.5);
    expect(priorFor(population(0, 0), { done: 23, failed: 6 })).toBe(DEFAULT_RATE);
  });
});

describe('twoProportionZ', () => {
  it('is the pooled two-proportion z, negative when the first does worse', () => {
    expect(twoProportionZ({ done: 0, failed: 10 }, { done: 10, failed: 0 })).toBeCloseTo(-Math.sqrt(20), 10);
    expect(twoProportionZ({ done: 10, failed: 0 }, { done: 0, failed: 10 })).toBeCloseTo(Math.sqrt(20), 10);
  });

  it('is 0 when either side is empty', () => {
    expect(twoProportionZ({ done: 0, failed: 0 }, { done: 3, failed: 2 })).toBe(0);
    expect(twoProportionZ({ done: 3, failed: 2 }, { done: 0, failed: 0 })).toBe(0);
    expect(twoProportionZ({ done: 0, failed: 0 }, { done: 0, failed: 0 })).toBe(0);
  });

  it('is 0 when both sides finish everything, or nothing', () => {
    expect(twoProportionZ({ done: 5, failed: 0 }, { done: 3, failed: 0 })).toBe(0);
    expect(twoProportionZ({ done: 0, failed: 5 }, { done: 0, failed: 3 })).toBe(0);
  });
});

describe('compare', () => {
  it('finds the group doing worse when it clears the thresholds', () => {
    expect(compare({ done: 2, failed: 10 }, { done: 25, failed: 5 }, 0.7, THRESHOLDS).groupDoesWorse).toBe(true);
  });

  it('never calls a group doing better, or as well, worse', () => {
    expect(compare({ done: 25, failed: 5 }, { done: 2, failed: 10 }, 0.7, THRESHOLDS).groupDoesWorse).toBe(false);
    // No thresholds at all: only the direction of the difference is left, and there is none.
    const none: EvidenceThresholds = { minSamples: 0, minDifference: 0, minZ: 0, priorWeight: 5 };
    const same = compare({ done: 6, failed: 6 }, { done: 6, failed: 6 }, 0.7, none);
    expect(same.rate).toBe(same.restRate);
    expect(same.groupDoesWorse).toBe(false);
  });
});

describe('clearsThresholds', () => {
  const edge: EvidenceThresholds = { minSamples: 8, minDifference: 0.5, minZ: 3, priorWeight: 5 };
  const at = { group: { done: 0, failed: 8 }, rest: { done: 8, failed: 0 }, rate: 0.25, restRate: 0.75, z: -3 };

  it('is met exactly at each threshold', () => {
    expect(clearsThresholds(at, edge)).toBe(true);
  });

  it('is not met just under any of them', () => {
    expect(clearsThresholds({ ...at, group: { done: 0, failed: 7 } }, edge)).toBe(false);
    expect(clearsThresholds({ ...at, rest: { done: 7, failed: 0 } }, edge)).toBe(false);
    expect(clearsThresholds({ ...at, rate: 0.375 }, edge)).toBe(false);
    expect(clearsThresholds({ ...at, z: -2.5 }, edge)).toBe(false);
  });
});

describe('confidenceOf', () => {
  it('is 0 for a group that does not do worse, however large the difference', () => {
    expect(confidenceOf({ ...worse(0.1, 0.9, -6), groupDoesWorse: false }, THRESHOLDS)).toBe(0);
  });

  it('is 0.35 + 0.3 x the difference counted in full from 0.5 + 0.3 x (1 - (minZ / z)^2)', () => {
    expect(confidenceOf(worse(0.3, 0.5, -3), THRESHOLDS)).toBe(0.47); // 0.35 + 0.3 x 0.4 + 0
    expect(confidenceOf(worse(0.3, 0.5, -5), THRESHOLDS)).toBe(0.66); // 0.35 + 0.3 x 0.4 + 0.3 x 0.64
    expect(confidenceOf(worse(0.1, 0.7, -5), THRESHOLDS)).toBe(0.84); // 0.35 + 0.3 x 1 + 0.3 x 0.64
  });

  it('gives no strength to a comparison without a z (equal raw rates, told apart by the smoothing alone)', () => {
    const noZ: EvidenceThresholds = { minSamples: 2, minDifference: 0.2, minZ: 0, priorWeight: 5 };
    const c = compare({ done: 1, failed: 1 }, { done: 10, failed: 10 }, 0.1, noZ);
    expect(c).toMatchObject({ z: 0, groupDoesWorse: true });
    expect(confidenceOf(c, noZ)).toBe(0.47); // 0.35 + 0.3 x 0.41 + 0
  });
});
