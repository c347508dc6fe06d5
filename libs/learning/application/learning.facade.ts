import { Inject, Injectable } from '@nestjs/common';
import { EVIDENCE } from '../domain/evidence';
import { computeInsights } from '../domain/insights';
import { SuccessModel } from '../domain/success-model';
import type { Cell, TrackedTask } from '../domain/tracked-task.value-object';
import { LEARNING_HISTORY, type LearningHistory, type PlanFeedback } from './ports/learning-history.port';

/** Outcomes of one group. */
export interface OutcomeCounts {
  readonly done: number;
  readonly failed: number;
}

/** All-time outcomes grouped as the learning context groups them (plain data). */
export interface OutcomeGroups {
  readonly all: OutcomeCounts;
  /** `le15`, `le30`, `le60`, `le90`, `le120`, `gt120`. */
  readonly size: Record<string, OutcomeCounts>;
  /** Local hour of the scheduled time, `'0'`..`'23'`. */
  readonly hour: Record<string, OutcomeCounts>;
  /** Weekday of the scheduled day, `'0'` (Monday)..`'6'`. */
  readonly weekday: Record<string, OutcomeCounts>;
  /** The day's load (tasks scheduled that day), `'1'`, `'2'`, ... */
  readonly load: Record<string, OutcomeCounts>;
  /** `'0'`, `'1'`, `'2'`, `'3+'`. */
  readonly deferrals: Record<string, OutcomeCounts>;
  /** Priority `'1'`..`'4'`. */
  readonly priority: Record<string, OutcomeCounts>;
  /** By tag, lower-cased (none for the population). */
  readonly tag: Record<string, OutcomeCounts>;
  /** Failed tasks by stated reason. */
  readonly reason: Record<string, number>;
}

/** What the learning context knows of a user, for another context to reason with. */
export interface UserEvidence {
  readonly user: OutcomeGroups;
  readonly population: OutcomeGroups;
  /** Tasks finished on a day anything was finished (median over the last 90 days); null without history. */
  readonly capacity: number | null;
  /** Tasks scheduled per local day, from `today` for the next `horizonDays`, and on the days asked for. */
  readonly dayLoads: Record<string, number>;
  /** The thresholds a pattern is stated with (docs/learning.md). */
  readonly thresholds: { readonly minSamples: number; readonly minDifference: number; readonly minZ: number; readonly priorWeight: number };
  /** The user's decisions on the coach's plans, by the plan's most likely cause. */
  readonly planFeedback: Readonly<Record<string, PlanFeedback>>;
}

/** A task that does not exist yet (a planned step), as the success model sees it. */
export interface HypotheticalTask {
  /** Local day and hour (owner's timezone); hour null for a whole-day task. */
  readonly scheduledDate: string | null;
  readonly localHour: number | null;
  readonly estimateMinutes: number | null;
  readonly tags: readonly string[];
  readonly deferrals: number;
  /** How many tasks are scheduled that day, counting it; null when unscheduled. */
  readonly dayLoad: number | null;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The dimensions given to other contexts as outcome counts by key. */
type Grouped = 'size' | 'hour' | 'weekday' | 'load' | 'deferrals' | 'priority' | 'tag';
const GROUPED: ReadonlySet<string> = new Set<Grouped>(['size', 'hour', 'weekday', 'load', 'deferrals', 'priority', 'tag']);
const isGrouped = (dimension: string): dimension is Grouped => GROUPED.has(dimension);

function groupsOf(cells: readonly Cell[]): OutcomeGroups {
  // Keys include users' own tags: records without a prototype, so a tag named `constructor` is a tag.
  const record = () => Object.create(null) as Record<string, never>;
  const groups = { all: { done: 0, failed: 0 }, size: record(), hour: record(), weekday: record(), load: record(), deferrals: record(), priority: record(), tag: record(), reason: record() } as {
    all: OutcomeCounts;
    size: Record<string, OutcomeCounts>;
    hour: Record<string, OutcomeCounts>;
    weekday: Record<string, OutcomeCounts>;
    load: Record<string, OutcomeCounts>;
    deferrals: Record<string, OutcomeCounts>;
    priority: Record<string, OutcomeCounts>;
    tag: Record<string, OutcomeCounts>;
    reason: Record<string, number>;
  };
  for (const c of cells) {
    const add = (into: Record<string, OutcomeCounts>) => {
      const was = into[c.key] ?? { done: 0, failed: 0 };
      into[c.key] = { done: was.done + c.done, failed: was.failed + c.failed };
    };
    if (c.dimension === 'all') groups.all = { done: groups.all.done + c.done, failed: groups.all.failed + c.failed };
    else if (c.dimension === 'reason') groups.reason[c.key] = (groups.reason[c.key] ?? 0) + c.failed;
    else if (isGrouped(c.dimension)) add(groups[c.dimension]);
  }
  return groups;
}

/**
 * What other contexts may ask of the learning context (the coach does): a user's evidence, and
 * the success model's chance for tasks that do not exist yet. Reads its own storage only; bounded
 * work (all-time totals, the last 90 days for capacity, the next days' loads), one read at a time.
 */
@Injectable()
export class LearningFacade {
  constructor(@Inject(LEARNING_HISTORY) private readonly history: LearningHistory) {}

  /** `days`: other days whose loads to include (e.g. a failed task's own day, before today). */
  async evidenceOf(userId: string, today: string, horizonDays = 21, days: readonly string[] = []): Promise<UserEvidence> {
    // One read at a time: the coach asks inside its event's transaction, whose one connection would
    // queue them anyway (and pg deprecates queries sent concurrently on one client).
    const totals = await this.history.totals(userId);
    const population = await this.history.population();
    const recent = await this.history.cells(userId, { from: addDays(today, -90), to: addDays(today, -1) });
    const ahead = await this.history.cells(userId, { from: today, to: addDays(today, horizonDays) });
    const asked = await this.history.plan(userId, days);
    const planFeedback = await this.history.planFeedback(userId);
    const dayLoads: Record<string, number> = {};
    for (const [day, c] of asked) if (c.n > 0) dayLoads[day] = c.n;
    for (const c of ahead) if (c.dimension === 'plan' && c.n > 0) dayLoads[c.day] = (dayLoads[c.day] ?? 0) + c.n;
    return {
      user: groupsOf(totals),
      population: groupsOf(population),
      capacity: computeInsights({ cells: recent, population: [], today }).overcommitment.capacity,
      dayLoads,
      thresholds: { minSamples: EVIDENCE.minSamples, minDifference: EVIDENCE.minDifference, minZ: EVIDENCE.minZ, priorWeight: EVIDENCE.priorWeight },
      planFeedback,
    };
  }

  /** The success model's chance for each task (in order), from the user's history and the population's. */
  async predict(userId: string, tasks: readonly HypotheticalTask[]): Promise<number[]> {
    const totals = await this.history.totals(userId);
    const population = await this.history.population();
    const model = SuccessModel.build(totals, population);
    return tasks.map((t, i) => {
      const tracked: TrackedTask = {
        taskId: `hypothetical-${i}`,
        userId,
        status: 'open',
        scheduledDate: t.scheduledDate,
        localHour: t.localHour,
        estimateMinutes: t.estimateMinutes,
        actualMinutes: null,
        tags: [...t.tags],
        deferrals: t.deferrals,
        failureReason: null,
        closedDay: null,
      };
      return model.predict(tracked, t.dayLoad).probability;
    });
  }
}
