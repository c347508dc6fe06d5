/**
 * When a difference in a user's own numbers is evidence. Documented in docs/learning.md; the
 * sim (`npm run sim`) measures how often these thresholds find a planted habit and how often they
 * claim one for a user who has none.
 */
export const EVIDENCE = {
  /** Pseudo-observations of the population rate added to a user's rate (a Beta prior of this weight). */
  priorWeight: 5,
  /** A group needs at least this many outcomes (done + failed) before anything is said of it. */
  minSamples: 8,
  /** And so does the rest of the user's outcomes it is compared with. */
  minOthers: 8,
  /** The smoothed rates must differ by at least this much (absolute). */
  minDifference: 0.2,
  /**
   * Two-proportion z (pooled) at least this large (two-sided p ~ 0.003). Measured by the sim
   * (docs/learning.md): with ~60 groups compared per user (buckets and tails), a user without any
   * habit gets a claim in ~4-6% of cases, a planted habit is stated for ~88% of users after 40-80
   * outcomes and ~97% after 70-110. It was 3.3 (a Bonferroni bound for ~40 groups), which the sim
   * showed far stricter than needed: no false claims, but only 63% of planted habits found.
   */
  minZ: 3,
  /** With no population data for a group yet, the prior is this completion rate. */
  defaultRate: 0.7,
  /** Population groups with fewer outcomes than this fall back to the population's overall rate. */
  populationMinSamples: 30,
} as const;

export interface Counts {
  readonly done: number;
  readonly failed: number;
}

/** Completion rate pulled toward `prior` by `EVIDENCE.priorWeight` pseudo-outcomes. */
export function smoothedRate(c: Counts, prior: number, weight: number = EVIDENCE.priorWeight): number {
  return (c.done + weight * prior) / (c.done + c.failed + weight);
}

/** Pooled two-proportion z statistic of `a` against `b` (0 when either is empty or both rates are 0 or 1). */
export function twoProportionZ(a: Counts, b: Counts): number {
  const na = a.done + a.failed;
  const nb = b.done + b.failed;
  if (na === 0 || nb === 0) return 0;
  const pooled = (a.done + b.done) / (na + nb);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb));
  if (se === 0) return 0;
  return (a.done / na - b.done / nb) / se;
}

/** Whether group `g` (of a user whose outcomes total `all`) differs from the rest enough to be stated. */
export function isEvidence(g: Counts, all: Counts, prior: number): { stated: boolean; z: number; rate: number; othersRate: number } {
  const others = { done: all.done - g.done, failed: all.failed - g.failed };
  const n = g.done + g.failed;
  const no = others.done + others.failed;
  const z = twoProportionZ(g, others);
  const rate = smoothedRate(g, prior);
  const othersRate = smoothedRate(others, prior);
  const stated = n >= EVIDENCE.minSamples && no >= EVIDENCE.minOthers && Math.abs(rate - othersRate) >= EVIDENCE.minDifference && Math.abs(z) >= EVIDENCE.minZ;
  return { stated, z, rate, othersRate };
}
