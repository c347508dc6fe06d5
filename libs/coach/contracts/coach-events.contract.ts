/**
 * What the coach context publishes (through the outbox): plans asked for and decided. Versioned:
 * a `.v1` payload only ever gains optional fields.
 */
export const CoachEventTypes = {
  /** A user asked for a new plan (POST /v1/tasks/{id}/plans); the worker makes it. */
  PlanRequested: 'coach.plan-requested.v1',
  /** A plan was proposed (worded by the built-in templates; an LLM may reword it later). */
  PlanProposed: 'coach.plan-proposed.v1',
  /** An LLM reworded a proposed plan's steps (or failed to, and the plan says why). */
  PlanReworded: 'coach.plan-reworded.v1',
  PlanAccepted: 'coach.plan-accepted.v1',
  PlanRejected: 'coach.plan-rejected.v1',
} as const;

export const PLAN_AGGREGATE = 'plan';

export interface PlanRequestedV1 {
  readonly planId: string;
  readonly taskId: string;
}

export interface PlanProposedV1 {
  readonly planId: string;
  readonly taskId: string;
  /** `failed`, `postponed` or `requested`. */
  readonly trigger: string;
  /** The kinds of its diagnosis, most likely first. */
  readonly causes: readonly string[];
}

export interface PlanRewordedV1 {
  readonly planId: string;
  readonly taskId: string;
  readonly generatedBy: string;
}

export interface PlanAcceptedV1 {
  readonly planId: string;
  readonly taskId: string;
  /** The tasks its steps became. */
  readonly stepTaskIds: readonly string[];
  /** The kinds of its diagnosis, most likely first (absent in events written before 2026-12-05). */
  readonly causes?: readonly string[];
}

export interface PlanRejectedV1 {
  readonly planId: string;
  readonly taskId: string;
  readonly feedback: string | null;
  /** The kinds of its diagnosis, most likely first (absent in events written before 2026-12-05). */
  readonly causes?: readonly string[];
}
