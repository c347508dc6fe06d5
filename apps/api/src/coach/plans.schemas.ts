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

// Response examples for the OpenAPI document, typed by the schemas they illustrate: a plan
// proposed after a failure (two of its steps shown).
export const PLAN_EXAMPLE = {
  id: '019a2b3c-9f0e-7d1c-8b2a-394857a6b5c4',
  taskId: '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b',
  status: 'proposed',
  trigger: 'failed',
  diagnosis: [
    {
      kind: 'too_big',
      confidence: 0.86,
      stated: true,
      explanation: 'tasks over 90 min: 2 of 9 done; 30 min or less: 17 of 24',
      evidence: { group: { label: 'over 90 min', done: 2, samples: 9 }, rest: { label: '30 min or less', done: 17, samples: 24 } },
    },
  ],
  steps: [
    {
      taskId: '019a2b3c-9f0d-72e4-afc2-411251b1c1a6',
      title: 'Part 1 of 2: do the first concrete slice of "Write the quarterly report" (a rough outline)',
      estimateMinutes: 15,
      scheduledFor: '2026-12-07T09:00:00+01:00',
      successProbability: 0.78,
    },
    {
      taskId: '019a2b3c-9f0d-72e4-afc2-457c8922969d',
      title: 'Part 2 of 2: finish and proofread "Write the quarterly report"',
      estimateMinutes: 30,
      scheduledFor: '2026-12-07T10:00:00+01:00',
      successProbability: 0.7,
    },
  ],
  fits: true,
  advice: null,
  reliableMinutes: 30,
  successProbability: { original: 0.31, plan: 0.74 },
  generatedBy: 'built-in',
  feedback: null,
  createdAt: '2026-11-26T18:40:12.031Z',
  decidedAt: null,
} satisfies z.output<typeof PlanResponse>;

/** What POST /v1/tasks/{id}/plans answers: the plan while the worker makes it. */
export const PENDING_PLAN_EXAMPLE = {
  ...PLAN_EXAMPLE,
  status: 'pending',
  trigger: 'requested',
  diagnosis: [],
  steps: [],
  reliableMinutes: null,
  successProbability: { original: null, plan: null },
  generatedBy: null,
} satisfies z.output<typeof PlanResponse>;

export const PLAN_LIST_EXAMPLE = { items: [PLAN_EXAMPLE] } satisfies z.output<typeof PlanListResponse>;
