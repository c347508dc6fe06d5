import type { Plan } from '../../domain/plan.aggregate';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';

export const PLAN_REPOSITORY = Symbol('PlanRepository');

/** The coach's plans. Writes join the caller's unit of work. */
export interface PlanRepository {
  /** Inserts or updates (optimistic: a stale version is a ConcurrentModification); appends `events` to the outbox in the same transaction. */
  save(plan: Plan, events?: readonly DomainEvent[]): Promise<void>;
  /** The user's plan, or null (another user's plan is null too). */
  get(userId: string, planId: string): Promise<Plan | null>;
  /** The user's plans for a task, newest first. */
  forTask(userId: string, taskId: string, limit: number): Promise<Plan[]>;
  /** The open (pending or proposed) plans of a task. */
  openForTask(userId: string, taskId: string): Promise<Plan[]>;
  /** How many plans the user asked for (`requested` trigger) since an instant. */
  requestedSince(userId: string, since: string): Promise<number>;
}
