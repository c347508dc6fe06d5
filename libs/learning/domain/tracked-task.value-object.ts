import { dayPartOf, deferralsBucket, sizeBucket } from './features';
import { weekdayOf } from './local-time';

export type TrackedStatus = 'open' | 'done' | 'failed' | 'dropped';

/**
 * What the learning context keeps of one task: the facts its outcome is grouped by, fixed in the
 * owner's timezone when they happened (the local hour of its scheduled time, the local day it
 * was closed). Built from the task's events, or from its current state on a rebuild.
 */
export interface TrackedTask {
  readonly taskId: string;
  readonly userId: string;
  readonly status: TrackedStatus;
  readonly scheduledDate: string | null;
  /** Local hour (0-23) of the scheduled time, when it was scheduled at a time. */
  readonly localHour: number | null;
  readonly estimateMinutes: number | null;
  readonly actualMinutes: number | null;
  readonly tags: readonly string[];
  /** 1 (most important) to 4; absent for tasks tracked before it was kept (2026-12-05) until their next event. */
  readonly priority?: number | null;
  readonly deferrals: number;
  readonly failureReason: string | null;
  /** The owner's local day the task was closed on (done, failed, dropped). */
  readonly closedDay: string | null;
}

/** Grouped counts: the unit the projection adds and subtracts. */
export interface Cell {
  /** Outcome cells: the local day it was closed; `plan` cells: the day it was scheduled for. */
  readonly day: string;
  readonly dimension: Dimension;
  readonly key: string;
  readonly n: number;
  readonly done: number;
  readonly failed: number;
  readonly dropped: number;
  /** Done tasks with both an estimate and an actual time: their sums. */
  readonly calibrated: number;
  readonly estimateSum: number;
  readonly actualSum: number;
}

/**
 * `plan` cells are per scheduled day (the day's load); `load` exists only in all-time totals
 * (totals.ts): the outcomes of days by how many tasks were scheduled on them, keyed by that count.
 */
export const DIMENSIONS = ['all', 'hour', 'daypart', 'weekday', 'size', 'tag', 'priority', 'deferrals', 'reason', 'plan', 'load'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const ZERO = { n: 0, done: 0, failed: 0, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0 };

/**
 * The cells one task contributes, as a pure function of what is kept of it. Every event replaces
 * a task's contribution (new cells minus old), so a reopen undoes its outcome, a delete removes
 * the task, and a rebuild from current state gives the same sums as the events did.
 */
export function cellsOf(task: TrackedTask | null): Cell[] {
  if (!task) return [];
  const cells: Cell[] = [];
  const closed = task.status !== 'open' && task.closedDay !== null;
  const outcome = closed ? { n: 1, done: task.status === 'done' ? 1 : 0, failed: task.status === 'failed' ? 1 : 0, dropped: task.status === 'dropped' ? 1 : 0 } : null;
  if (task.scheduledDate) {
    // The day's load: every task scheduled on it, and the outcomes of those that closed.
    cells.push({ ...ZERO, day: task.scheduledDate, dimension: 'plan', key: '', n: 1, ...(outcome ? { done: outcome.done, failed: outcome.failed, dropped: outcome.dropped } : {}) });
  }
  if (!outcome || !task.closedDay) return cells;
  const day = task.closedDay;
  const calibrated = task.status === 'done' && task.estimateMinutes !== null && task.actualMinutes !== null;
  const calibration = calibrated ? { calibrated: 1, estimateSum: task.estimateMinutes!, actualSum: task.actualMinutes! } : {};
  const add = (dimension: Dimension, key: string, extra: Partial<Cell> = {}) => cells.push({ ...ZERO, ...outcome, ...extra, day, dimension, key });
  add('all', '', calibration);
  if (task.localHour !== null) {
    add('hour', String(task.localHour));
    add('daypart', dayPartOf(task.localHour));
  }
  if (task.scheduledDate) add('weekday', String(weekdayOf(task.scheduledDate)));
  const size = sizeBucket(task.estimateMinutes);
  if (size) add('size', size);
  for (const tag of task.tags) add('tag', tag.toLowerCase(), calibration);
  if (typeof task.priority === 'number') add('priority', String(task.priority));
  add('deferrals', deferralsBucket(task.deferrals));
  if (task.status === 'failed' && task.failureReason) add('reason', task.failureReason);
  return cells;
}

/** `total` plus `sign` times `c`'s counts (keeps `total`'s day, dimension and key). */
export function addCounts(total: Cell, c: Cell, sign: 1 | -1 = 1): Cell {
  return {
    ...total,
    n: total.n + sign * c.n,
    done: total.done + sign * c.done,
    failed: total.failed + sign * c.failed,
    dropped: total.dropped + sign * c.dropped,
    calibrated: total.calibrated + sign * c.calibrated,
    estimateSum: total.estimateSum + sign * c.estimateSum,
    actualSum: total.actualSum + sign * c.actualSum,
  };
}

/** `after` minus `before`, cell by cell; cells that net to nothing are left out. */
export function contributionChange(before: TrackedTask | null, after: TrackedTask | null): Cell[] {
  const sums = new Map<string, Cell>();
  const fold = (cells: Cell[], sign: 1 | -1) => {
    for (const c of cells) {
      const k = `${c.day}|${c.dimension}|${c.key}`;
      sums.set(k, addCounts(sums.get(k) ?? { ...ZERO, day: c.day, dimension: c.dimension, key: c.key }, c, sign));
    }
  };
  fold(cellsOf(before), -1);
  fold(cellsOf(after), 1);
  return [...sums.values()].filter((c) => c.n !== 0 || c.done !== 0 || c.failed !== 0 || c.dropped !== 0 || c.calibrated !== 0 || c.estimateSum !== 0 || c.actualSum !== 0);
}
