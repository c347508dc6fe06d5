import { planDaysOf, totalsChange } from '../../domain/totals';
import type { Cell } from '../../domain/tracked-task.value-object';
import type { LearningHistory, TrackedVersion } from '../ports/learning-history.port';

/**
 * Records a task's new tracked state with its change to the per-day cells and the all-time totals
 * (the totals' change needs the touched days' loads as they were: at most two `plan` cells). The
 * one way the projection and a rebuild write, so both keep the same numbers.
 */
export async function recordChange(history: LearningHistory, userId: string, taskId: string, next: TrackedVersion, change: readonly Cell[]): Promise<void> {
  const days = planDaysOf(change);
  const planBefore = days.length > 0 ? await history.plan(userId, days) : new Map<string, Cell>();
  await history.record(userId, taskId, next, change, totalsChange(change, planBefore));
}
