import { EVIDENCE, isEvidence, smoothedRate, twoProportionZ } from './evidence';

/** A user's outcomes: the group `g` and the rest (`others`), summed into `all` as isEvidence takes them. */
const split = (g: { done: number; failed: number }, others: { done: number; failed: number }) => ({ g, all: { done: g.done + others.done, failed: g.failed + others.failed } });

describe('EVIDENCE', () => {
  it('holds the documented thresholds', () => {
    expect(EVIDENCE).toEqual({ priorWeight: 5, minSamples: 8, minOthers: 8, minDifference: 0.2, minZ: 3, defaultRate: 0.7, populationMinSamples: 30 });
  });
});

describe('smoothedRate', () => {
  it('adds priorWeight (5) pseudo-outcomes at the prior rate', () => {
    // (3 + 5 x 0.5) / (3 + 1 + 5)
    expect(smoothedRate({ done: 3, failed: 1 }, 0.5)).toBe(5.5 / 9);
    // No outcomes: the prior itself.
    expect(smoothedRate({ done: 0, failed: 0 }, 0.25)).toBe(0.25);
    // All failed: pulled up from 0 toward the prior.
    expect(smoothedRate({ done: 0, failed: 5 }, 1)).toBe(0.5);
  });

  it('takes another weight', () => {
    // (3 + 1 x 0.5) / (3 + 1 + 1)
    expect(smoothedRate({ done: 3, failed: 1 }, 0.5, 1)).toBe(0.7);
    expect(smoothedRate({ done: 3, failed: 1 }, 0.5, 0)).toBe(0.75);
  });
});

describe('twoProportionZ', () => {
  it('is the pooled two-proportion statistic, signed a minus b', () => {
    // 3 of 4 against 1 of 6: pooled 4/10.
    const z = (3 / 4 - 1 / 6) / Math.sqrt(0.4 * 0.6 * (1 / 4 + 1 / 6));
    expect(twoProportionZ({ done: 3, failed: 1 }, { done: 1, failed: 5 })).toBeCloseTo(z, 12);
    expect(twoProportionZ({ done: 1, failed: 5 }, { done: 3, failed: 1 })).toBeCloseTo(-z, 12);
    // 1 of 8 against 7 of 8: exactly -3.
    expect(twoProportionZ({ done: 1, failed: 7 }, { done: 7, failed: 1 })).toBe(-3);
    expect(twoProportionZ({ done: 8, failed: 2 }, { done: 2, failed: 8 })).toBeCloseTo(0.6 / Math.sqrt(0.05), 12);
  });

  it('is 0 when either side is empty', () => {
    expect(twoProportionZ({ done: 0, failed: 0 }, { done: 3, failed: 1 })).toBe(0);
    expect(twoProportionZ({ done: 3, failed: 1 }, { done: 0, failed: 0 })).toBe(0);
    expect(twoProportionZ({ done: 0, failed: 0 }, { done: 0, failed: 0 })).toBe(0);
  });

  it('is 0 when every outcome is the same (no variance)', () => {
    expect(twoProportionZ({ done: 3, failed: 0 }, { done: 5, failed: 0 })).toBe(0);
    expect(twoProportionZ({ done: 0, failed: 3 }, { done: 0, failed: 5 })).toBe(0);
  });
});

describe('isEvidence', () => {
  it('returns z of the group against the rest and both smoothed rates', () => {
    const { g, all } = split({ done: 1, failed: 7 }, { done: 7, failed: 1 });
    expect(isEvidence(g, all, 0.5)).toEqual({ stated: true, z: -3, rate: (1 + 2.5) / 13, othersRate: (7 + 2.5) / 13 });
    const e = isEvidence({ done: 3, failed: 1 }, { done: 4, failed: 6 }, 0.5);
    expect(e.z).toBeCloseTo((3 / 4 - 1 / 6) / Math.sqrt(0.4 * 0.6 * (1 / 4 + 1 / 6)), 12);
    expect(e.rate).toBe(5.5 / 9);
    expect(e.othersRate).toBe(3.5 / 11);
    expect(e.stated).toBe(false);
  });

  it('states a group of exactly minSamples against exactly minOthers with z exactly minZ (in either direction)', () => {
    const worse = split({ done: 1, failed: 7 }, { done: 7, failed: 1 });
    expect(isEvidence(worse.g, worse.all, 0.5)).toMatchObject({ stated: true, z: -3 });
    const better = split({ done: 7, failed: 1 }, { done: 1, failed: 7 });
    expect(isEvidence(better.g, better.all, 0.5)).toMatchObject({ stated: true, z: 3 });
  });

  it('says nothing of a group of minSamples - 1, however strong', () => {
    const { g, all } = split({ done: 0, failed: 7 }, { done: 7, failed: 1 });
    const e = isEvidence(g, all, 0.5);
    expect(Math.abs(e.z)).toBeGreaterThan(3.3);
    expect(e.othersRate - e.rate).toBeGreaterThan(0.5);
    expect(e.stated).toBe(false);
  });

  it('says nothing against minOthers - 1 other outcomes, however strong', () => {
    const { g, all } = split({ done: 0, failed: 8 }, { done: 6, failed: 1 });
    const e = isEvidence(g, all, 0.5);
    expect(Math.abs(e.z)).toBeGreaterThan(3.3);
    expect(e.othersRate - e.rate).toBeGreaterThan(0.5);
    expect(e.stated).toBe(false);
  });

  it('states a difference of smoothed rates of exactly minDifference, not one just under it', () => {
    // (4 + 2.5) / 26 = 0.25 against (0 + 2.5) / 50 = 0.05; z ~ 3.02.
    const at = split({ done: 4, failed: 17 }, { done: 0, failed: 45 });
    const e = isEvidence(at.g, at.all, 0.5);
    expect(e.rate - e.othersRate).toBe(0.2);
    expect(e.z).toBeGreaterThan(3);
    expect(e.stated).toBe(true);
    // (6 + 2.5) / 34 = 0.25 against 2.5 / 45: a difference of 0.194 with z ~ 3.01.
    const under = split({ done: 6, failed: 23 }, { done: 0, failed: 40 });
    const u = isEvidence(under.g, under.all, 0.5);
    expect(u.rate - u.othersRate).toBeCloseTo(0.19444444, 6);
    expect(u.z).toBeGreaterThan(3);
    expect(u.stated).toBe(false);
    // The same under-threshold difference, going the other way.
    const mirrored = split({ done: 23, failed: 6 }, { done: 40, failed: 0 });
    expect(isEvidence(mirrored.g, mirrored.all, 0.5).stated).toBe(false);
  });

  it('says nothing when z is just under minZ, however large the difference', () => {
    // 5 of 8 against 0 of 10: z ~ 2.94, a difference of 0.41.
    const { g, all } = split({ done: 5, failed: 3 }, { done: 0, failed: 10 });
    const e = isEvidence(g, all, 0.5);
    expect(e.z).toBeCloseTo(2.9417420270727606, 10);
    expect(e.rate - e.othersRate).toBeGreaterThan(0.4);
    expect(e.stated).toBe(false);
    const mirrored = split({ done: 3, failed: 5 }, { done: 10, failed: 0 });
    expect(isEvidence(mirrored.g, mirrored.all, 0.5).stated).toBe(false);
  });

  it('the prior moves the smoothed rates but not z', () => {
    const { g, all } = split({ done: 1, failed: 7 }, { done: 7, failed: 1 });
    expect(isEvidence(g, all, 1)).toEqual({ stated: true, z: -3, rate: 6 / 13, othersRate: 12 / 13 });
  });
});
