import { z } from 'zod';

export const CommandIdParam = z.uuid().toLowerCase();

const ProblemShape = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ description: 'Why the worker refused it: the problem its synchronous twin would have answered' });

export const CommandStatusResponse = z
  .object({
    id: z.uuid(),
    type: z.string().meta({ example: 'task.complete.v1' }),
    status: z.enum(['accepted', 'applied', 'rejected']),
    taskId: z.uuid().nullable(),
    acceptedAt: z.string().nullable().meta({ description: 'While accepted: when the api accepted it' }),
    decidedAt: z.string().nullable().meta({ description: 'Once applied or rejected: when a worker decided it' }),
    problem: ProblemShape.nullable(),
  })
  .meta({ id: 'CommandStatus' });
export type CommandStatusResponse = z.infer<typeof CommandStatusResponse>;

/** Response example for the OpenAPI document: a queued complete the worker refused. */
export const COMMAND_STATUS_EXAMPLE = {
  id: '019a2b3c-5e6f-7a80-9b1c-2d3e4f5a6b7c',
  type: 'task.complete.v1',
  status: 'rejected',
  taskId: '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b',
  acceptedAt: null,
  decidedAt: '2026-11-26T18:40:11.503Z',
  problem: {
    type: 'https://life-navigation.dev/problems/task_has_open_steps',
    title: 'Conflict',
    status: 409,
    code: 'task_has_open_steps',
    detail: 'the task has 2 open step(s); finish or drop them first',
  },
} satisfies z.output<typeof CommandStatusResponse>;
