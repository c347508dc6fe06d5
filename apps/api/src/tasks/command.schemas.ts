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
