/**
 * What the coach context publishes (through the outbox): plans asked for and decided. Versioned:
 * a `.v1` payload only ever gains optional fields.
 */
export const CoachEventTypes = {
  /** A user asked for a new plan (POST /v1/tasks/{id}/plans); the worker makes it. */
  PlanRequested: 'coach.plan-requested.v1',
  PlanAccepted: 'coach.plan-accepted.v1',
  PlanRejected: 'coach.plan-rejected.v1',
} as const;

export const PLAN_AGGREGATE = 'plan';

export interface PlanRequestedV1 {
  readonly planId: string;
  readonly taskId: string;
}

export interface PlanAcceptedV1 {
  readonly planId: string;
  readonly taskId: string;
  /** The tasks its steps became. */
  readonly stepTaskIds: readonly string[];
}

export interface PlanRejectedV1 {
  readonly planId: string;
  readonly taskId: string;
  readonly feedback: string | null;
}
