import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { PLAN_AGGREGATE } from '../contracts/coach-events.contract';
import type { Plan } from '../domain/plan.aggregate';

/** An event about a plan, at the plan's version after the change. */
export function planEvent(plan: Plan, type: string, payload: object, eventId: string, at: string): DomainEvent {
  return {
    eventId,
    type,
    aggregateType: PLAN_AGGREGATE,
    aggregateId: plan.state.id,
    userId: plan.state.userId,
    version: plan.state.version,
    occurredAt: at,
    payload: payload as Record<string, unknown>,
  };
}
