import { z } from 'zod';
import type { PlanState } from '@ln/coach/domain/plan.aggregate';

export const PlanIdParam = z.uuid().toLowerCase();

export const RejectPlanRequest = z
  .strictObject({
    feedback: z.string().trim().min(1).max(2000).optional().meta({ description: 'Why it does not suit you (kept with the plan)', example: 'Mornings do not work for me this week' }),
  })
  .optional()
  .meta({ id: 'RejectPlanRequest' });
export type RejectPlanRequest = z.infer<typeof RejectPlanRequest>;

const figure = z.object({ label: z.string().meta({ example: 'over 90 min' }), done: z.int(), samples: z.int() });

const cause = z
  .object({
    kind: z
      .enum(['too_big', 'wrong_time', 'wrong_weekday', 'overloaded_day', 'postponed', 'vague', 'blocked', 'low_priority', 'tag', 'no_time', 'low_energy', 'forgot', 'interrupted', 'other'])
      .meta({ example: 'too_big' }),
    confidence: z.number().min(0).max(1).meta({ description: 'How sure, given the samples behind it', example: 0.86 }),
    stated: z.boolean().meta({ description: 'The reason you gave when it failed' }),
    explanation: z.string().meta({ example: 'tasks over 90 min: 2 of 9 done; 30 min or less: 17 of 24' }),
    evidence: z.object({ group: figure, rest: figure }).nullable(),
  })
  .meta({ id: 'Cause' });

const step = z
  .object({
    taskId: z.uuid().meta({ description: 'The id the step gets as a task when the plan is accepted' }),
    title: z.string().meta({ example: 'Do the first concrete slice of "Write the report" (15 min)' }),
    estimateMinutes: z.int().meta({ example: 15 }),
    scheduledFor: z.string().meta({ description: 'RFC 3339 with your offset', example: '2026-12-07T09:00:00+01:00' }),
    successProbability: z.number().min(0).max(1).meta({ example: 0.78 }),
  })
  .meta({ id: 'PlanStep' });

export const PlanResponse = z
  .object({
    id: z.uuid(),
    taskId: z.uuid().meta({ description: 'The task it re-plans' }),
    status: z.enum(['pending', 'proposed', 'accepted', 'rejected', 'superseded']).meta({
      description: '`pending` while it is being made (after POST /v1/tasks/{id}/plans); a newer proposal supersedes an open one',
      example: 'proposed',
    }),
    trigger: z.enum(['failed', 'postponed', 'requested']),
    diagnosis: z.array(cause).meta({ description: 'Likely causes, most likely first; none beyond your stated reason without evidence from your own history' }),
    steps: z.array(step).meta({ description: 'At most 8; the first at most 15 min; none larger than what you reliably finish' }),
    fits: z.boolean().meta({ description: 'False when the steps cannot all go on good slots before the deadline: see advice' }),
    advice: z.string().nullable().meta({ example: null }),
    reliableMinutes: z.int().nullable().meta({ description: 'The size you reliably finish (no step is larger)', example: 30 }),
    successProbability: z
      .object({
        original: z.number().nullable().meta({ description: "The original task's chance as it was", example: 0.31 }),
        plan: z.number().nullable().meta({ description: "The steps' average chance", example: 0.74 }),
      })
      .meta({ description: 'What the plan changes' }),
    generatedBy: z.string().nullable().meta({
      description:
        "Who worded the steps (their count, sizes and times are always the coach's own): `built-in` (the templates), `llm:<model>` (an LLM, when one is configured), or `built-in (fallback: <reason>)` when the LLM was asked and failed (e.g. `timeout`, `rate limited`, `budget spent`, `busy`); null while pending",
      example: 'built-in',
    }),
    feedback: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .meta({ id: 'Plan' });

export const PlanListResponse = z.object({ items: z.array(PlanResponse) }).meta({ id: 'PlanList' });
export type PlanListResponse = z.infer<typeof PlanListResponse>;

export type PlanResponse = z.infer<typeof PlanResponse>;

/** What leaves the api of a plan. */
export function planView(s: PlanState): PlanResponse {
  return {
    id: s.id,
    taskId: s.taskId,
    status: s.status,
    trigger: s.trigger,
    diagnosis: s.diagnosis.map((c) => ({ kind: c.kind, confidence: c.confidence, stated: c.stated, explanation: c.explanation, evidence: c.evidence ? { group: { ...c.evidence.group }, rest: { ...c.evidence.rest } } : null })),
    steps: s.steps.map((x) => ({ ...x })),
    fits: s.fits,
    advice: s.advice,
    reliableMinutes: s.reliableMinutes,
    successProbability: { original: s.originalProbability, plan: s.planProbability },
    generatedBy: s.generatedBy,
    feedback: s.feedback,
    createdAt: s.createdAt,
    decidedAt: s.decidedAt,
  };
}
