/**
 * Fixed histories for the coach's tests (used only by specs: `*.spec.ts` beside it and the use-case tests in
 * `test/coach/application/`): outcomes written one by one and grouped as the learning context groups them.
 */
import type { CoachEvidence, Counts, EvidenceThresholds, GroupedCounts, TaskToCoach } from './coaching.types';
import { weekdayOf } from './local-calendar';

export const THRESHOLDS: EvidenceThresholds = { minSamples: 8, minDifference: 0.2, minZ: 3, priorWeight: 5 };

/** One closed task of a history: done or failed, and the facts it is grouped by. */
export interface Outcome {
  readonly done: boolean;
  readonly minutes?: number;
  readonly hour?: number;
  /** The scheduled day (its weekday is grouped) or the weekday itself. */
  readonly day?: string;
  readonly weekday?: number;
  readonly load?: number;
  readonly deferrals?: number;
  readonly reason?: string;
  readonly priority?: number;
  readonly tags?: readonly string[];
}

/** `done` done and `failed` failed copies of an outcome's facts. */
export function outcomes(done: number, failed: number, facts: Omit<Outcome, 'done'> = {}): Outcome[] {
  return [...Array.from({ length: done }, () => ({ ...facts, done: true })), ...Array.from({ length: failed }, () => ({ ...facts, done: false }))];
}

function sizeKey(minutes: number): string {
  if (minutes <= 15) return 'le15';
  if (minutes <= 30) return 'le30';
  if (minutes <= 60) return 'le60';
  if (minutes <= 90) return 'le90';
  if (minutes <= 120) return 'le120';
  return 'gt120';
}

/** Groups outcomes as the learning context does. */
export function history(list: readonly Outcome[]): GroupedCounts {
  const all = { done: 0, failed: 0 };
  const groups = { size: {}, hour: {}, weekday: {}, load: {}, deferrals: {}, priority: {}, tag: Object.create(null) } as Record<
    'size' | 'hour' | 'weekday' | 'load' | 'deferrals' | 'priority' | 'tag',
    Record<string, Counts>
  >;
  const reason: Record<string, number> = {};
  const count = (dimension: keyof typeof groups, key: string, done: boolean) => {
    const c = groups[dimension][key] ?? { done: 0, failed: 0 };
    groups[dimension][key] = done ? { done: c.done + 1, failed: c.failed } : { done: c.done, failed: c.failed + 1 };
  };
  for (const o of list) {
    if (o.done) all.done += 1;
    else all.failed += 1;
    if (o.minutes !== undefined) count('size', sizeKey(o.minutes), o.done);
    if (o.hour !== undefined) count('hour', String(o.hour), o.done);
    const weekday = o.weekday ?? (o.day ? weekdayOf(o.day) : undefined);
    if (weekday !== undefined) count('weekday', String(weekday), o.done);
    if (o.load !== undefined) count('load', String(o.load), o.done);
    count('deferrals', o.deferrals === undefined ? '0' : o.deferrals >= 3 ? '3+' : String(o.deferrals), o.done);
    if (!o.done && o.reason) reason[o.reason] = (reason[o.reason] ?? 0) + 1;
    if (o.priority !== undefined) count('priority', String(o.priority), o.done);
    for (const tag of o.tags ?? []) count('tag', tag.toLowerCase(), o.done);
  }
  return { all, ...groups, reason };
}

export const NOBODY: GroupedCounts = history([]);

export function evidenceOf(user: GroupedCounts, more: Partial<CoachEvidence> = {}): CoachEvidence {
  return { user, population: NOBODY, capacity: null, dayLoads: {}, thresholds: THRESHOLDS, ...more };
}

export function taskOf(more: Partial<TaskToCoach> = {}): TaskToCoach {
  return {
    id: 'task-1',
    title: 'Write the introduction of the quarterly report',
    estimateMinutes: 30,
    priority: 2,
    tags: [],
    deferrals: 0,
    scheduledDate: '2026-12-07',
    localHour: 10,
    dueDate: null,
    trigger: 'failed',
    reason: null,
    ...more,
  };
}
