import { type Counts, EVIDENCE, smoothedRate, twoProportionZ } from './evidence';
import { SIZE_BUCKETS, SIZE_EDGES, WEEKDAYS, lateHour, sizeBucket } from './features';
import { EMPTY, type Totals, priorFor, sum } from './insights';
import { totalsOf } from './totals';
import { weekdayOf } from './local-time';
import type { Cell, TrackedTask } from './tracked-task.value-object';

/** One reason a prediction is what it is, in the user's own numbers. */
export interface SuccessFactor {
  readonly text: string;
  /** Its contribution to the log-odds of success (negative lowers the chance). */
  readonly effect: number;
}

export interface SuccessPrediction {
  /** Chance the task is done (rather than failed), in [0.01, 0.99]. */
  readonly probability: number;
  /** At most 3, strongest (largest |effect|) first. */
  readonly factors: readonly SuccessFactor[];
}

/** The model's settings. ADR 16 says why these; `npm run sim` measures them (docs/learning.md). */
export const SUCCESS_MODEL = {
  /**
   * Prior probability that an ordered dimension (estimate, hour, the day's load, postponements)
   * splits the user's outcomes somewhere. Spread over its candidate splits; the evidence (a Bayes
   * factor) moves it: a chance difference is weighed against every place it could have appeared.
   */
  splitPrior: 0.15,
  /**
   * Of an ordered dimension's prior, the share put on the population's own best split (where
   * everyone's outcomes differ most): a user's habit is more likely where others' are.
   */
  populationSplitShare: 0.8,
  /** Prior probability that one weekday differs from the others (spread over the 7). */
  weekdayPrior: 0.1,
  /** Prior probability that one of the user's tags differs from the tasks without it (spread over their tags). */
  tagPrior: 0.3,
  /** Beta prior (pseudo-outcomes, centred on the user's rate) of each side's rate in the Bayes factor. */
  concentration: 2,
  /**
   * Each dimension's log-odds effect is multiplied by this. The evidence weighting averages a
   * clear split with its neighbours and with "no split"; the sim measured a little more than 1
   * best (ADR 16).
   */
  damping: 1.1,
  /**
   * The population's difference in a group counts as this many outcomes: with n of the user's own
   * there it keeps `populationWeight / (populationWeight + n)` of its weight.
   */
  populationWeight: 10,
  /** Pseudo-outcomes of the population's rate added to the user's overall rate (as in insights). */
  priorWeight: EVIDENCE.priorWeight,
  /** Pseudo-outcomes of the prior added to one side of a split of an ordered dimension. */
  sideWeight: 2,
  /** ... and to a weekday's or a tag's rate (as in insights). */
  groupWeight: EVIDENCE.priorWeight,
  /** A group with fewer of the user's own outcomes is used (smoothed) but never named as a factor. */
  minFactorSamples: EVIDENCE.minSamples,
  /** A group moving the log-odds less than this is not named either (it would explain nothing). */
  minFactorEffect: 0.1,
  maxFactors: 3,
  minProbability: 0.01,
  maxProbability: 0.99,
} as const;

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const add = (a: Counts, b: Counts): Counts => ({ done: a.done + b.done, failed: a.failed + b.failed });
const minus = (a: Counts, b: Counts): Counts => ({ done: a.done - b.done, failed: a.failed - b.failed });
const samples = (c: Counts) => c.done + c.failed;
const rateOf = (c: Counts) => c.done / samples(c);
const described = (c: Counts) => `${c.done} of ${samples(c)}`;
const NONE: Counts = { done: 0, failed: 0 };

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 digits). */
function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}
const lnBeta = (a: number, b: number) => lnGamma(a) + lnGamma(b) - lnGamma(a + b);

/**
 * One way to cut a user's outcomes in two: estimates over 60 min (and tasks without one, or
 * not), tasks tagged #home, tasks on a Monday. `inside` is the named side.
 */
interface Split {
  readonly inside: Counts;
  readonly outside: Counts;
  /** The population's counts for the same two sides (null when it keeps none: tags; loads before it had load totals). */
  readonly populationInside: Counts | null;
  readonly populationOutside: Counts | null;
  /** Prior probability of this split (its share of the dimension's prior). */
  readonly prior: number;
  /** Which side a task is on, from its value in the dimension (null: it has none). */
  readonly contains: (value: Value) => boolean;
  /** How a side is said: `inside` or not, with that side's counts and the effect. */
  readonly text: (inside: boolean) => (counts: Counts, effect: number) => string;
  /** Ties between equally likely splits of an ordered dimension go to the middle one. */
  readonly order: number;
}

/** A dimension's splits weighed by the evidence (their posterior probability), and the rest "no split". */
interface Weighed {
  readonly splits: readonly { split: Split; weight: number }[];
  readonly none: number;
  /** The most likely split: the one a factor names. */
  readonly shown: Split | null;
  /** The splits as likely as the shown one (the same outcomes cut the same way, e.g. #home and "not #work" for a user with only those two tags). */
  readonly tied: readonly Split[];
}

/**
 * A task's value in a dimension: a number (the hour counted from 05:00, the weekday, the size
 * bucket's index, postponements, the day's load), null when it has none, or for the tags the
 * indices (in the user's sorted tags) of those it has, joined by commas.
 */
type Value = number | string | null;

/** A dimension the model reads a task by: its value there, its splits, what "no split" means. */
interface Dimension {
  readonly name: string;
  readonly weighed: Weighed;
  /** The population's difference for a task's value, used for the share of "no split". */
  readonly populationGroup: (value: Value) => { counts: Counts; population: Counts | null } | null;
}

const clock = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
const timesText = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

/**
 * A user's chance of finishing a task, explained. Additive log-odds over dimensions, each a
 * weighted average over the ways it could split the user's outcomes in two:
 *
 *   logit(p) = logit(base) + damping * sum over dimensions d of
 *              [ sum over splits s of d: P(s) * (logit(rate_s) - logit(base))  +  P(none_d) * popEffect_d ]
 *
 * `base` is the user's completion rate smoothed toward the population's; `rate_s` the rate of the
 * side of s the task is on, smoothed toward the population's difference there moved to the user's
 * level; `P(s)` the posterior probability of split s (a Beta-binomial Bayes factor of "two rates"
 * against "one rate", times its prior), `P(none_d)` what is left. Dimensions: the estimate, the
 * hour, the day's load and postponements (split at any threshold, tasks without a value on the
 * side they resemble), the weekday (one weekday against the others), and the tags (each tag
 * against the tasks without it). A function of the grouped counts only: no training state, so it
 * is rebuilt, and undone by a reopen, with the counts. A user without outcomes gets the
 * population's prediction. ADR 16.
 */
export class SuccessModel {
  private readonly dimensions: readonly Dimension[];
  /** The user's tags (sorted) and the dimension of their splits. */
  private readonly tagNames: readonly string[];
  private readonly tags: Dimension;
  /** Each dimension's effect for a value, computed on first use: a function of the counts, which do not change. */
  private readonly effects = new Map<string, { effect: number; named: { counts: Counts; text: (counts: Counts, effect: number) => string; observedDifference: number } | null }>();

  private constructor(
    private readonly user: ReadonlyMap<string, Totals>,
    private readonly population: ReadonlyMap<string, Counts>,
    /** The population's overall completion rate (or `EVIDENCE.defaultRate` before it has enough). */
    private readonly populationBase: number,
    /** The user's outcomes, and their overall rate smoothed toward the population's. */
    private readonly all: Counts,
    private readonly base: number,
    days: readonly Totals[],
  ) {
    const userOf = (dimension: string, keys: readonly string[]) => keys.map((k) => this.user.get(`${dimension}|${k}`) ?? NONE).reduce(add, NONE);
    const populationOf = (dimension: string, keys: readonly string[]) => keys.map((k) => this.population.get(`${dimension}|${k}`) ?? NONE).reduce(add, NONE);
    const populationAll = this.population.get('all|') ?? NONE;
    const hours = Array.from({ length: 24 }, (_, h) => String(h));
    const hourKeys = (t: number, above: boolean) => hours.filter((h) => (lateHour(Number(h)) >= t) === above);
    const sizeKeys = (t: number, above: boolean) => SIZE_BUCKETS.filter((_, i) => i >= t === above);
    const deferralKeys = (t: number, above: boolean) => ['0', '1', '2', '3+'].filter((_, i) => i >= t === above);
    const keyed = (dimension: string, keys: (t: number, above: boolean) => readonly string[]) => (t: number, above: boolean) => ({
      user: userOf(dimension, keys(t, above)),
      population: populationOf(dimension, keys(t, above)),
    });
    const hourText = (t: number) => (above: boolean) => (c: Counts) =>
      above
        ? `scheduled ${t < 24 ? `at ${clock(t)} or later` : `between ${clock(t)} and 05:00`}: ${described(c)} such tasks done`
        : `scheduled ${t <= 24 ? `before ${clock(t)}` : `05:00-${clock(t)}`}: ${described(c)} such tasks done`;
    const sizeText = (t: number) => (above: boolean) => (c: Counts, effect: number) => {
      const label = above ? `over ${SIZE_EDGES[t - 1]} min` : `${SIZE_EDGES[t - 1]} min or less`;
      return effect < 0 ? `estimate ${label}, larger than you usually finish (${described(c)} done)` : `estimate ${label}, a size you usually finish (${described(c)} done)`;
    };
    const dayOutcomes = days.reduce<Counts>(add, NONE);
    // The population's outcomes by the load of the day they were scheduled on (none before it keeps load totals).
    const populationDays = [...this.population].flatMap(([key, c]) => (key.startsWith('load|') ? [{ n: Number(key.slice('load|'.length)), done: c.done, failed: c.failed }] : []));
    const populationLoads = (select: (n: number) => boolean) => (populationDays.length ? populationDays.filter((d) => select(d.n)).reduce<Counts>(add, NONE) : null);
    const populationUnscheduled = populationDays.length ? minus(populationAll, populationDays.reduce<Counts>(add, NONE)) : null;
    this.dimensions = [
      this.ordinal('hour', Array.from({ length: 23 }, (_, i) => 6 + i), keyed('hour', hourKeys), { user: minus(this.all, userOf('hour', hours)), population: minus(populationAll, populationOf('hour', hours)) }, hourText),
      this.weekdays(),
      this.ordinal('size', [1, 2, 3, 4, 5], keyed('size', sizeKeys), { user: minus(this.all, userOf('size', SIZE_BUCKETS)), population: minus(populationAll, populationOf('size', SIZE_BUCKETS)) }, sizeText),
      // Postponements: every task has a count (0 at least).
      this.ordinal('deferrals', [1, 2, 3], keyed('deferrals', deferralKeys), { user: NONE, population: null }, (t) => (above) => (c) => {
        const others = above ? (t === 1 ? 'tasks postponed at least once' : `tasks postponed ${t} or more times`) : t === 1 ? 'tasks never postponed' : `tasks postponed at most ${timesText(t - 1)}`;
        return `${described(c)} ${others} done`;
      }),
      // The day's load: the population's best threshold guides the user's, as for the other ordered dimensions.
      this.ordinal('load', [2, 3, 4, 5, 6, 7, 8, 9, 10], (t, above) => ({ user: days.filter((d) => d.n >= t === above).reduce<Counts>(add, NONE), population: populationLoads((n) => n >= t === above) }), { user: minus(this.all, dayOutcomes), population: populationUnscheduled }, (t) => (above) => (c) =>
        `${described(c)} done on days with ${above ? `${t} or more` : `fewer than ${t}`}`,
      ),
    ];
    const tags = [...this.user]
      .filter(([key, counts]) => key.startsWith('tag|') && samples(counts) > 0)
      .map(([key, counts]) => ({ tag: key.slice('tag|'.length), counts }))
      .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    this.tagNames = tags.map((t) => t.tag);
    this.tags = this.tagDimension(tags);
  }

  /**
   * Built once per user from the user's cells and the population's. The user's may be all-time
   * totals (`totals.ts`: what scoring reads, a bounded number of cells) or per-day cells (as
   * `LearningHistory.cells` returns them; turned into totals here): the model is the same.
   */
  static build(userCells: readonly Cell[], populationCells: readonly Cell[]): SuccessModel {
    const totals = userCells.some((c) => c.dimension === 'plan') ? totalsOf(userCells) : userCells;
    const user = sum(totals.filter((c) => c.dimension !== 'load'));
    // Each load as a pseudo-day: its count of tasks, and the outcomes of the days that had it.
    const days = [...sum(totals.filter((c) => c.dimension === 'load'), new Map(), (c) => c.key)].map(([load, t]) => ({ ...t, n: Number(load) }));
    const population = sum(populationCells);
    const populationBase = priorFor(population, 'all', '');
    const all = user.get('all|') ?? EMPTY;
    const base = smoothedRate(all, populationBase, SUCCESS_MODEL.priorWeight);
    return new SuccessModel(user, population, populationBase, { done: all.done, failed: all.failed }, base, days);
  }

  /** `dayLoad`: how many tasks are scheduled on the task's day (null when unscheduled). */
  predict(task: TrackedTask, dayLoad: number | null): SuccessPrediction {
    let score = logit(this.base);
    const factors: SuccessFactor[] = [];
    const size = sizeBucket(task.estimateMinutes);
    const values: Record<string, Value> = {
      hour: task.localHour === null ? null : lateHour(task.localHour),
      weekday: task.scheduledDate ? weekdayOf(task.scheduledDate) : null,
      size: size ? SIZE_BUCKETS.indexOf(size) : null,
      deferrals: Math.min(3, task.deferrals),
      load: dayLoad !== null && dayLoad > 0 ? dayLoad : null,
    };
    const own = new Set(task.tags.map((t) => t.toLowerCase()));
    const read = (d: Dimension, value: Value, prefix = '') => {
      const { effect, named } = this.effectOf(d, value);
      score += effect;
      // Named only on the user's own evidence: enough outcomes, a real move, and their numbers going the same way.
      if (named && samples(named.counts) >= SUCCESS_MODEL.minFactorSamples && Math.abs(effect) >= SUCCESS_MODEL.minFactorEffect && named.observedDifference * effect > 0) {
        factors.push({ text: `${prefix}${named.text(named.counts, effect)}`, effect });
      }
    };
    for (const d of this.dimensions) {
      const value = values[d.name] ?? null;
      const prefix = d.name === 'deferrals' ? `${task.deferrals === 0 ? 'never postponed' : `postponed ${timesText(task.deferrals)}`}: ` : d.name === 'load' && value !== null ? `${value} task${value === 1 ? '' : 's'} scheduled that day: ` : '';
      read(d, value, prefix);
    }
    read(this.tags, this.tagNames.flatMap((tag, i) => (own.has(tag) ? [i] : [])).join(','));
    factors.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect) || a.effect - b.effect || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    const probability = Math.min(SUCCESS_MODEL.maxProbability, Math.max(SUCCESS_MODEL.minProbability, sigmoid(score)));
    return { probability, factors: factors.slice(0, SUCCESS_MODEL.maxFactors) };
  }

  /** The population's rate for a group when it has enough outcomes there, else its overall rate. */
  private populationRate(c: Counts | null): number {
    return c && samples(c) >= EVIDENCE.populationMinSamples ? rateOf(c) : this.populationBase;
  }

  /** The population's log-odds difference in a group, kept less the more of the user's own outcomes are there. */
  private populationEffect(counts: Counts, population: Counts | null): number {
    const weight = SUCCESS_MODEL.populationWeight / (SUCCESS_MODEL.populationWeight + samples(counts));
    return (logit(this.populationRate(population)) - logit(this.populationBase)) * weight;
  }

  /**
   * A group's log-odds against the user's base: its rate smoothed toward the population's
   * difference moved to the user's level (so a user who finishes less than others overall is not
   * read as worse in every group).
   */
  private groupEffect(counts: Counts, population: Counts | null, weight: number): number {
    const prior = sigmoid(logit(this.base) + this.populationEffect(counts, population));
    return logit(smoothedRate(counts, prior, weight)) - logit(this.base);
  }

  /** ln of the Bayes factor of "the two sides have rates of their own" against "one rate" (Beta-binomial, centred on the user's rate). */
  private lnBayesFactor(a: Counts, b: Counts): number {
    const k = SUCCESS_MODEL.concentration;
    const centre = Math.min(0.99, Math.max(0.01, this.base));
    const alpha = k * centre;
    const beta = k * (1 - centre);
    const ln = (c: Counts) => lnBeta(alpha + c.done, beta + c.failed) - lnBeta(alpha, beta);
    return ln(a) + ln(b) - ln(add(a, b));
  }

  /** Posterior probabilities of a dimension's splits (each prior times its Bayes factor) and of none. */
  private weigh(splits: readonly Split[], prior: number): Weighed {
    const usable = splits.filter((s) => samples(s.inside) > 0 && samples(s.outside) > 0);
    const logs = usable.map((s) => Math.log(s.prior) + this.lnBayesFactor(s.inside, s.outside));
    const logNone = Math.log(1 - prior);
    const top = Math.max(logNone, ...logs);
    const total = Math.exp(logNone - top) + logs.reduce((sum, l) => sum + Math.exp(l - top), 0);
    const weighed = usable.map((split, i) => ({ split, weight: Math.exp(logs[i]! - top) / total }));
    let shown: { split: Split; weight: number }[] = [];
    for (const w of weighed) {
      if (!shown.length || w.weight > shown[0]!.weight * (1 + 1e-9)) shown = [w];
      else if (w.weight >= shown[0]!.weight * (1 - 1e-9)) shown.push(w);
    }
    shown.sort((a, b) => a.split.order - b.split.order);
    return { splits: weighed, none: Math.exp(logNone - top) / total, shown: shown.length ? shown[Math.floor((shown.length - 1) / 2)]!.split : null, tied: shown.map((s) => s.split) };
  }

  /**
   * An ordered dimension: split at each threshold, the outcomes without a value (no estimate, no
   * time) on either side (the evidence says which they resemble). The population's best split
   * (largest |z|, ties the middle one; its missing values on the side whose rate is nearer) gets
   * most of the prior, and is what a new user, or one without a split of their own, is read by.
   */
  private ordinal(
    name: string,
    thresholds: readonly number[],
    side: (t: number, above: boolean) => { user: Counts; population: Counts | null },
    missing: { user: Counts; population: Counts | null },
    text: (t: number) => (above: boolean) => (counts: Counts, effect: number) => string,
  ): Dimension {
    let best: { z: number; thresholds: number[] } = { z: 0, thresholds: [] };
    for (const t of thresholds) {
      const above = side(t, true).population;
      const below = side(t, false).population;
      if (!above || !below || samples(above) < EVIDENCE.populationMinSamples || samples(below) < EVIDENCE.populationMinSamples) continue;
      const z = Math.abs(twoProportionZ(above, below));
      if (z > best.z + 1e-9) best = { z, thresholds: [t] };
      else if (z > 0 && Math.abs(z - best.z) <= 1e-9) best.thresholds.push(t);
    }
    const populationThreshold = best.thresholds.length ? best.thresholds[Math.floor((best.thresholds.length - 1) / 2)]! : null;
    let populationMissingAbove: boolean | null = null;
    if (populationThreshold !== null && missing.population && samples(missing.population) >= EVIDENCE.populationMinSamples) {
      const above = side(populationThreshold, true).population!;
      const below = side(populationThreshold, false).population!;
      populationMissingAbove = Math.abs(rateOf(missing.population) - rateOf(above)) < Math.abs(rateOf(missing.population) - rateOf(below));
    }
    const candidates: Omit<Split, 'prior'>[] = [];
    const atPopulation: boolean[] = [];
    const missingSides = samples(missing.user) > 0 ? [true, false] : [false];
    for (const t of thresholds) {
      const above = side(t, true);
      const below = side(t, false);
      for (const missingAbove of missingSides) {
        const join = (c: Counts, yes: boolean) => (yes ? add(c, missing.user) : c);
        const joinPopulation = (c: Counts | null, yes: boolean) => (c && yes && missing.population ? add(c, missing.population) : c);
        candidates.push({
          inside: join(above.user, missingAbove),
          outside: join(below.user, !missingAbove),
          populationInside: joinPopulation(above.population, missingAbove),
          populationOutside: joinPopulation(below.population, !missingAbove),
          contains: (value) => (value === null ? missingAbove : (value as number) >= t),
          text: (inside) => text(t)(inside),
          order: t,
        });
        atPopulation.push(t === populationThreshold && (populationMissingAbove === null || populationMissingAbove === missingAbove || missingSides.length === 1));
      }
    }
    const share = populationThreshold === null ? 0 : SUCCESS_MODEL.populationSplitShare;
    const popular = atPopulation.filter(Boolean).length;
    const splits = candidates.map((c, i) => ({ ...c, prior: SUCCESS_MODEL.splitPrior * ((1 - share) / candidates.length + (atPopulation[i] ? share / popular : 0)) }));
    const populationSplit = populationThreshold === null ? null : { above: side(populationThreshold, true), below: side(populationThreshold, false) };
    return {
      name,
      weighed: this.weigh(splits, SUCCESS_MODEL.splitPrior),
      populationGroup: (value) => {
        if (!populationSplit || value === null) return null;
        const s = (value as number) >= populationThreshold! ? populationSplit.above : populationSplit.below;
        return { counts: s.user, population: s.population };
      },
    };
  }

  /** The weekday: each day against the others. */
  private weekdays(): Dimension {
    const populationAll = this.population.get('all|') ?? null;
    const splits: Split[] = WEEKDAYS.map((day, w) => {
      const inside = this.user.get(`weekday|${w}`) ?? NONE;
      const populationInside = this.population.get(`weekday|${w}`) ?? null;
      return {
        inside,
        outside: minus(this.all, inside),
        populationInside,
        populationOutside: populationAll && populationInside ? minus(populationAll, populationInside) : null,
        prior: SUCCESS_MODEL.weekdayPrior / WEEKDAYS.length,
        contains: (value) => value === w,
        text: (yes) => (c) => `scheduled ${yes ? 'on a' : 'on another day than'} ${day}: ${described(c)} such tasks done`,
        order: w,
      };
    });
    return {
      name: 'weekday',
      weighed: this.weigh(splits, SUCCESS_MODEL.weekdayPrior),
      populationGroup: (value) => (value === null ? null : { counts: this.user.get(`weekday|${value}`) ?? NONE, population: this.population.get(`weekday|${value}`) ?? null }),
    };
  }

  /**
   * The user's tags: each tag's tasks against those without it, the tags competing as
   * explanations. Other users' tags say
   * nothing about yours: no population difference.
   */
  private tagDimension(tags: readonly { tag: string; counts: Counts }[]): Dimension {
    const splits: Split[] = tags.map(({ tag, counts }, i) => ({
      inside: counts,
      outside: minus(this.all, counts),
      populationInside: null,
      populationOutside: null,
      prior: SUCCESS_MODEL.tagPrior / tags.length,
      contains: (value) => typeof value === 'string' && value.split(',').includes(String(i)),
      text: (yes) => (c) => `${yes ? 'tagged' : 'not tagged'} #${tag}: ${described(c)} such tasks done`,
      order: i,
    }));
    return { name: 'tags', weighed: this.weigh(splits, SUCCESS_MODEL.tagPrior), populationGroup: () => null };
  }

  /** A dimension's contribution to the log-odds for a task's value in it, and the group a factor names. */
  private effectOf(d: Dimension, value: Value) {
    const key = `${d.name}#${value}`;
    const known = this.effects.get(key);
    if (known) return known;
    const ordered = d.name !== 'weekday' && d.name !== 'tags';
    const weight = ordered ? SUCCESS_MODEL.sideWeight : SUCCESS_MODEL.groupWeight;
    let effect = 0;
    for (const { split, weight: p } of d.weighed.splits) {
      if (p < 1e-6) continue;
      const inside = split.contains(value);
      effect += p * this.groupEffect(inside ? split.inside : split.outside, inside ? split.populationInside : split.populationOutside, weight);
    }
    const populationGroup = d.populationGroup(value);
    if (populationGroup) effect += d.weighed.none * this.populationEffect(populationGroup.counts, populationGroup.population);
    let named = null;
    // Of equally likely tags, one the task has is said ("tagged #home" rather than "not tagged #work").
    const shown = d.name === 'tags' ? (d.weighed.tied.find((s) => s.contains(value)) ?? d.weighed.shown) : d.weighed.shown;
    // A task without a value (no estimate, no time, no day) is not described by a side it was only counted on.
    if (shown && value !== null) {
      const inside = shown.contains(value);
      const counts = inside ? shown.inside : shown.outside;
      const rest = inside ? shown.outside : shown.inside;
      named = { counts, text: shown.text(inside), observedDifference: samples(counts) && samples(rest) ? rateOf(counts) - rateOf(rest) : 0 };
    }
    const result = { effect: SUCCESS_MODEL.damping * effect, named };
    this.effects.set(key, result);
    return result;
  }
}
