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
   * How much of a user's own difference in a group counts, from the two-proportion z of the group
   * against the rest of their outcomes: `max(0, 1 - evidenceZ2 / z^2)`. Nothing below |z| = 2,
   * half at 2.8, 84% at 5 (a positive-part James-Stein shrinkage). Differences that are chance
   * (weekdays, tags, hours of a user without a habit) add nothing; real ones count almost fully.
   */
  evidenceZ2: 4,
  /**
   * Each group's log-odds difference is multiplied by this. Groups overlap (a long task is often a
   * late one); the evidence shrinkage already removes most of what chance and overlap add, and
   * the sim measured 1.0 best (ADR 16).
   */
  damping: 1,
  /**
   * The population's difference in a group counts as this many outcomes: with n of the user's own
   * there it keeps `populationWeight / (populationWeight + n)` of its weight. A new user gets the
   * population's differences in full; a user whose own outcomes show none there, less and less
   * (the population's average is not every user's habit).
   */
  populationWeight: 10,
  /** Pseudo-outcomes of the prior added to each of the user's rates (as in insights). */
  priorWeight: EVIDENCE.priorWeight,
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
const samples = (c: Counts) => c.done + c.failed;
const described = (c: Counts) => `${c.done} of ${samples(c)}`;
const NONE: Counts = { done: 0, failed: 0 };

/** A group of the user's outcomes a task may belong to: their counts, the population's, how to say it. */
interface Group {
  /** Names the group within one model (its effect is computed once). */
  readonly id: string;
  readonly counts: Counts;
  /** The population's counts for the same group, or null when it keeps none (tags, loads). */
  readonly population: Counts | null;
  readonly text: (counts: Counts, effect: number) => string;
}

/**
 * An ordinal dimension (size, hour, load, postponements) is split in two where this user's
 * outcomes differ most (a threshold of the dimension), not in fixed buckets: a habit like "fails
 * what is over an hour" is one group, however the buckets cut it.
 */
interface Split {
  readonly threshold: number;
  readonly above: Counts;
  readonly below: Counts;
  readonly populationAbove: Counts | null;
  readonly populationBelow: Counts | null;
}

interface Ordinal {
  readonly thresholds: readonly number[];
  /** The user's and the population's outcomes with the value at or above / below `t`. */
  readonly side: (t: number, above: boolean) => { user: Counts; population: Counts | null };
}

const clock = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
const timesText = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

/**
 * A user's chance of finishing a task, explained. Additive log-odds from smoothed group rates:
 *
 *   logit(p) = logit(base) + damping * sum over the task's groups of
 *              [ popEffect_g + shrink_g * (logit(rate_g) - logit(prior_g)) ]
 *
 * `base` is the user's completion rate smoothed toward the population's; `popEffect_g` the
 * population's log-odds difference in group g; `prior_g` the base moved by it; `rate_g` the
 * user's rate in g smoothed toward `prior_g`; `shrink_g` how much evidence the user's own numbers
 * are (`SUCCESS_MODEL.evidenceZ2`). Groups: the weekday, each tag, and for size, hour, the day's
 * load and postponements the side of the user's best split (or, without evidence, the
 * population's). A function of the grouped counts only: no training state, so it is rebuilt, and
 * undone by a reopen, with the counts. A user without outcomes gets the population's prediction.
 * ADR 16.
 */
export class SuccessModel {
  private readonly splits: Readonly<Record<'size' | 'hour' | 'load' | 'deferrals', Split | null>>;
  /** Each group's effect, computed on first use: a function of the counts, which do not change. */
  private readonly effects = new Map<string, { effect: number; observedDifference: number }>();

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
    const hours = Array.from({ length: 24 }, (_, h) => h);
    const hourKeys = (t: number, above: boolean) => hours.filter((h) => (lateHour(h) >= t) === above).map(String);
    const sizeKeys = (t: number, above: boolean) => SIZE_BUCKETS.filter((_, i) => i >= t === above);
    const deferralKeys = (t: number, above: boolean) => ['0', '1', '2', '3+'].filter((_, i) => i >= t === above);
    this.splits = {
      size: this.split({ thresholds: [1, 2, 3, 4, 5], side: (t, above) => ({ user: userOf('size', sizeKeys(t, above)), population: populationOf('size', sizeKeys(t, above)) }) }),
      hour: this.split({ thresholds: Array.from({ length: 23 }, (_, i) => 6 + i), side: (t, above) => ({ user: userOf('hour', hourKeys(t, above)), population: populationOf('hour', hourKeys(t, above)) }) }),
      // The population keeps no per-day cells: a load's population rate is its overall rate.
      load: this.split({ thresholds: [2, 3, 4, 5, 6, 7, 8, 9, 10], side: (t, above) => ({ user: days.filter((d) => d.n >= t === above).reduce<Counts>(add, NONE), population: null }) }),
      deferrals: this.split({ thresholds: [1, 2, 3], side: (t, above) => ({ user: userOf('deferrals', deferralKeys(t, above)), population: populationOf('deferrals', deferralKeys(t, above)) }) }),
    };
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
    const baseLogit = logit(this.base);
    let score = baseLogit;
    const factors: SuccessFactor[] = [];
    for (const g of this.groupsOf(task, dayLoad)) {
      let known = this.effects.get(g.id);
      if (!known) {
        known = this.effectOf(g);
        this.effects.set(g.id, known);
      }
      const { effect, observedDifference } = known;
      score += effect;
      // Named only on the user's own evidence: enough outcomes, a real move, and their numbers going the same way.
      if (samples(g.counts) >= SUCCESS_MODEL.minFactorSamples && Math.abs(effect) >= SUCCESS_MODEL.minFactorEffect && observedDifference * effect > 0) {
        factors.push({ text: g.text(g.counts, effect), effect });
      }
    }
    factors.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect) || a.effect - b.effect);
    const probability = Math.min(SUCCESS_MODEL.maxProbability, Math.max(SUCCESS_MODEL.minProbability, sigmoid(score)));
    return { probability, factors: factors.slice(0, SUCCESS_MODEL.maxFactors) };
  }

  /** The population's rate for a group when it has enough outcomes there, else its overall rate. */
  private populationRate(c: Counts | null): number {
    return c && samples(c) >= EVIDENCE.populationMinSamples ? c.done / samples(c) : this.populationBase;
  }

  /** The group's contribution to the log-odds, and the sign of the user's own raw difference (group vs the rest). */
  private effectOf(g: Pick<Group, 'counts' | 'population'>): { effect: number; observedDifference: number } {
    const n = samples(g.counts);
    const populationEffect = ((logit(this.populationRate(g.population)) - logit(this.populationBase)) * SUCCESS_MODEL.populationWeight) / (SUCCESS_MODEL.populationWeight + n);
    // The population's difference moved to this user's level: a group the user has no outcomes in
    // contributes exactly the population's difference, and a user who finishes less than others
    // overall is not read as worse in every group.
    const prior = sigmoid(logit(this.base) + populationEffect);
    const rate = smoothedRate(g.counts, prior, SUCCESS_MODEL.priorWeight);
    const rest = { done: this.all.done - g.counts.done, failed: this.all.failed - g.counts.failed };
    const z = twoProportionZ(g.counts, rest);
    const shrink = z === 0 ? 0 : Math.max(0, 1 - SUCCESS_MODEL.evidenceZ2 / (z * z));
    const observedDifference = samples(g.counts) && samples(rest) ? g.counts.done / samples(g.counts) - rest.done / samples(rest) : 0;
    return { effect: SUCCESS_MODEL.damping * (populationEffect + shrink * (logit(rate) - logit(prior))), observedDifference };
  }

  /**
   * The threshold where the user's outcomes differ most (|z| of one side against the rest), if
   * that is evidence; else where the population's do; null when neither has outcomes on both
   * sides. Thresholds tied on the same split take the middle one.
   */
  private split(o: Ordinal): Split | null {
    const best = (zOf: (t: number) => number | null) => {
      let top = 0;
      let tied: number[] = [];
      for (const t of o.thresholds) {
        const z = zOf(t);
        if (z === null) continue;
        if (z > top + 1e-9) {
          top = z;
          tied = [t];
        } else if (Math.abs(z - top) <= 1e-9 && top > 0) tied.push(t);
      }
      return tied.length ? { z: top, threshold: tied[Math.floor((tied.length - 1) / 2)]! } : null;
    };
    const own = best((t) => {
      const above = o.side(t, true).user;
      const below = o.side(t, false).user;
      return samples(above) && samples(below) ? Math.abs(twoProportionZ(above, below)) : null;
    });
    const chosen =
      own && own.z * own.z > SUCCESS_MODEL.evidenceZ2
        ? own
        : best((t) => {
            const above = o.side(t, true).population;
            const below = o.side(t, false).population;
            if (!above || !below || samples(above) < EVIDENCE.populationMinSamples || samples(below) < EVIDENCE.populationMinSamples) return null;
            return Math.abs(twoProportionZ(above, below));
          });
    if (!chosen) return null;
    const above = o.side(chosen.threshold, true);
    const below = o.side(chosen.threshold, false);
    return { threshold: chosen.threshold, above: above.user, below: below.user, populationAbove: above.population, populationBelow: below.population };
  }

  private groupsOf(task: TrackedTask, dayLoad: number | null): Group[] {
    const groups: Group[] = [];
    const side = (name: string, s: Split | null, value: number, text: (above: boolean, t: number) => Group['text']) => {
      if (!s) return;
      const above = value >= s.threshold;
      groups.push({ id: `${name}|${above ? 'above' : 'below'}`, counts: above ? s.above : s.below, population: above ? s.populationAbove : s.populationBelow, text: text(above, s.threshold) });
    };
    if (task.localHour !== null) {
      side('hour', this.splits.hour, lateHour(task.localHour), (above, t) => (c) =>
        above
          ? `scheduled ${t < 24 ? `at ${clock(t)} or later` : `between ${clock(t)} and 05:00`}: ${described(c)} such tasks done`
          : `scheduled ${t <= 24 ? `before ${clock(t)}` : `05:00-${clock(t)}`}: ${described(c)} such tasks done`,
      );
    }
    if (task.scheduledDate) {
      const weekday = weekdayOf(task.scheduledDate);
      const key = `weekday|${weekday}`;
      groups.push({ id: key, counts: this.user.get(key) ?? NONE, population: this.population.get(key) ?? null, text: (c) => `scheduled on a ${WEEKDAYS[weekday]}: ${described(c)} such tasks done` });
    }
    const size = sizeBucket(task.estimateMinutes);
    if (size) {
      side('size', this.splits.size, SIZE_BUCKETS.indexOf(size), (above, t) => (c, effect) => {
        const label = above ? `over ${SIZE_EDGES[t - 1]} min` : `${SIZE_EDGES[t - 1]} min or less`;
        return effect < 0 ? `estimate ${label}, larger than you usually finish (${described(c)} done)` : `estimate ${label}, a size you usually finish (${described(c)} done)`;
      });
    }
    // Other users' tags say nothing about yours: a tag's population rate is the overall one (as in insights).
    for (const tag of new Set(task.tags.map((t) => t.toLowerCase()))) {
      groups.push({ id: `tag|${tag}`, counts: this.user.get(`tag|${tag}`) ?? NONE, population: null, text: (c) => `tagged #${tag}: ${described(c)} such tasks done` });
    }
    side('deferrals', this.splits.deferrals, Math.min(3, task.deferrals), (above, t) => (c) => {
      const own = task.deferrals === 0 ? 'never postponed' : `postponed ${timesText(task.deferrals)}`;
      const others = above ? (t === 1 ? 'tasks postponed at least once' : `tasks postponed ${t} or more times`) : t === 1 ? 'tasks never postponed' : `tasks postponed at most ${timesText(t - 1)}`;
      return `${own}: ${described(c)} ${others} done`;
    });
    if (dayLoad !== null && dayLoad > 0) {
      side('load', this.splits.load, dayLoad, (above, t) => (c) => `${dayLoad} task${dayLoad === 1 ? '' : 's'} scheduled that day: ${described(c)} done on days with ${above ? `${t} or more` : `fewer than ${t}`}`);
    }
    return groups;
  }
}
