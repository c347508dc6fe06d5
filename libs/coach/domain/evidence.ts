/**
 * When a difference in a user's own numbers is evidence: the learning context's rules
 * (docs/learning.md), restated here because a domain imports no other context. The thresholds
 * themselves arrive in `CoachEvidence.thresholds`; only the smoothing's fallbacks live here.
 */
import type { Counts, EvidenceThresholds, GroupedCounts } from './coaching.types';

export const NO_COUNTS: Counts = { done: 0, failed: 0 };

/**
 * The population's rate for a group is its prior only with at least this many outcomes there;
 * below it, the population's overall rate (docs/learning.md, "Smoothing").
 */
export const POPULATION_MIN_SAMPLES = 30;

/** The prior when the population has fewer than `POPULATION_MIN_SAMPLES` outcomes overall. */
export const DEFAULT_RATE = 0.7;

export function samplesOf(c: Counts): number {
  return c.done + c.failed;
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { done: a.done + b.done, failed: a.failed + b.failed };
}

/** The outcomes of several keys of one dimension, summed (missing keys count nothing). */
export function countsOf(groups: Readonly<Record<string, Counts>>, keys: readonly string[]): Counts {
  return keys.reduce<Counts>((sum, key) => addCounts(sum, groups[key] ?? NO_COUNTS), NO_COUNTS);
}

/** The population's overall rate, or `DEFAULT_RATE` while it has too few outcomes to say. */
export function populationBaseRate(population: GroupedCounts): number {
  const all = population.all;
  return samplesOf(all) >= POPULATION_MIN_SAMPLES ? all.done / samplesOf(all) : DEFAULT_RATE;
}

/** The prior for one group: the population's rate in it with enough outcomes there, else its overall rate. */
export function priorFor(population: GroupedCounts, group: Counts): number {
  return samplesOf(group) >= POPULATION_MIN_SAMPLES ? group.done / samplesOf(group) : populationBaseRate(population);
}

/** Completion rate pulled toward `prior` by `weight` pseudo-outcomes (a Beta prior of that weight). */
export function smoothedRate(c: Counts, prior: number, weight: number): number {
  return (c.done + weight * prior) / (samplesOf(c) + weight);
}

/** Pooled two-proportion z of `a` against `b`; 0 when either is empty or both rates are 0 or 1. */
export function twoProportionZ(a: Counts, b: Counts): number {
  const na = samplesOf(a);
  const nb = samplesOf(b);
  if (na === 0 || nb === 0) return 0;
  const pooled = (a.done + b.done) / (na + nb);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb));
  if (se === 0) return 0;
  return (a.done / na - b.done / nb) / se;
}

/** A group of the user's outcomes against the rest of the same dimension. */
export interface Comparison {
  readonly group: Counts;
  readonly rest: Counts;
  /** Smoothed rates (toward the same prior). */
  readonly rate: number;
  readonly restRate: number;
  readonly z: number;
  /** True when the group does worse and the difference would be stated as a pattern by the learning context. */
  readonly groupDoesWorse: boolean;
}

export function compare(group: Counts, rest: Counts, prior: number, thresholds: EvidenceThresholds): Comparison {
  const rate = smoothedRate(group, prior, thresholds.priorWeight);
  const restRate = smoothedRate(rest, prior, thresholds.priorWeight);
  const z = twoProportionZ(group, rest);
  const groupDoesWorse = rate < restRate && clearsThresholds({ group, rest, rate, restRate, z }, thresholds);
  return { group, rest, rate, restRate, z, groupDoesWorse };
}

/**
 * The learning context's rule for stating a pattern, all of: at least `minSamples` outcomes in
 * the group and in the rest, smoothed rates `minDifference` apart, pooled |z| >= `minZ`.
 */
export function clearsThresholds(c: Pick<Comparison, 'group' | 'rest' | 'rate' | 'restRate' | 'z'>, thresholds: EvidenceThresholds): boolean {
  return (
    samplesOf(c.group) >= thresholds.minSamples &&
    samplesOf(c.rest) >= thresholds.minSamples &&
    Math.abs(c.rate - c.restRate) >= thresholds.minDifference &&
    Math.abs(c.z) >= thresholds.minZ
  );
}

/**
 * How sure a cause backed by a comparison is, in 0..1; 0 unless it clears the thresholds.
 * From the two things that grow with real evidence: the smoothed difference (0.2 at the
 * threshold, counted in full from 0.5) and how far |z| is past its threshold, as
 * `1 - (minZ / z)^2` (0 at the threshold, 0.64 at z = 5 for minZ = 3). A comparison that just
 * clears scores 0.47, a large and well-sampled one up to 0.95. The same rates over more outcomes
 * give a larger z, so the confidence respects sample sizes.
 */
export function confidenceOf(c: Comparison, thresholds: EvidenceThresholds): number {
  if (!c.groupDoesWorse) return 0;
  const size = Math.min(1, Math.abs(c.rate - c.restRate) / 0.5);
  const strength = c.z === 0 ? 0 : Math.max(0, 1 - (thresholds.minZ / c.z) ** 2);
  return roundConfidence(0.35 + 0.3 * size + 0.3 * strength);
}

export function roundConfidence(x: number): number {
  return Math.round(Math.min(0.97, Math.max(0, x)) * 100) / 100;
}
