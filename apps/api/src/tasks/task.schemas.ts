import type { TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { FAILURE_NOTE_MAX, FAILURE_REASONS } from '@ln/tasks/domain/failure-reason.value-object';
import { TASK_LIMITS } from '@ln/tasks/domain/task-details.value-object';
import { TASK_STATUSES } from '@ln/tasks/domain/task.aggregate';
import { z } from 'zod';

// Every limit below is the domain's (TASK_LIMITS, FAILURE_NOTE_MAX): the schema refuses early what
// the domain would refuse, and documents it. Only bounds of the HTTP surface itself are written here.

/** UUIDs compare case-insensitively (RFC 9562); ids are kept in lower case, as storage gives them back. */
const uuid = z.uuid().toLowerCase().meta({ example: '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b' });
const scheduledFor = z
  .string()
  .max(40)
  .meta({ description: 'A day (YYYY-MM-DD, the user\'s local day) or an RFC 3339 date-time with offset', example: '2026-11-27' });
const dateTime = z.string().max(40).meta({ format: 'date-time', description: 'RFC 3339 with offset', example: '2026-11-27T17:00:00Z' });

const details = {
  title: z.string().min(1).max(TASK_LIMITS.titleMax),
  notes: z.string().max(TASK_LIMITS.notesMax).nullable().optional(),
  scheduledFor: scheduledFor.nullable().optional(),
  dueAt: dateTime.nullable().optional(),
  estimateMinutes: z.int().min(TASK_LIMITS.estimateMin).max(TASK_LIMITS.estimateMax).nullable().optional(),
  priority: z
    .int()
    .min(TASK_LIMITS.priorityMin)
    .max(TASK_LIMITS.priorityMax)
    .optional()
    .meta({ description: `${TASK_LIMITS.priorityMin} most important .. ${TASK_LIMITS.priorityMax} (default)` }),
  tags: z.array(z.string().min(1).max(TASK_LIMITS.tagMax)).max(TASK_LIMITS.tagsMax).optional(),
};

export const CreateTaskRequest = z
  .strictObject({
    id: z.uuid({ version: 'v7' }).toLowerCase().optional().meta({ description: 'Client-chosen UUIDv7; makes the create idempotent' }),
    ...details,
    parentId: uuid.nullable().optional().meta({ description: `Makes this a step of that task (at most ${TASK_LIMITS.maxDepth} deep)` }),
    replanOf: uuid.nullable().optional().meta({ description: 'The failed task this re-plans' }),
  })
  .meta({ id: 'CreateTaskRequest' });

export const ReplaceTaskRequest = z
  .strictObject({ ...details, parentId: uuid.nullable().optional(), replanOf: uuid.nullable().optional() })
  .meta({ id: 'ReplaceTaskRequest', description: 'The whole task; parentId and replanOf must repeat the current ones' });

export const EditTaskRequest = z
  .strictObject({ ...details, title: details.title.optional() })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .meta({ id: 'EditTaskRequest' });

export const FailTaskRequest = z
  .strictObject({ reason: z.enum(FAILURE_REASONS), note: z.string().max(FAILURE_NOTE_MAX).nullable().optional() })
  .meta({ id: 'FailTaskRequest' });

export const PostponeTaskRequest = z.strictObject({ scheduledFor }).meta({ id: 'PostponeTaskRequest' });

/** complete may say how long the task really took; no body or an empty object is accepted too. */
export const CompleteTaskRequest = z
  .strictObject({
    actualMinutes: z
      .int()
      .min(TASK_LIMITS.actualMinutesMin)
      .max(TASK_LIMITS.actualMinutesMax)
      .optional()
      .meta({ description: `How many minutes the task actually took (${TASK_LIMITS.actualMinutesMin}-${TASK_LIMITS.actualMinutesMax}); kept until the task is reopened`, example: 45 }),
  })
  .optional()
  .meta({ id: 'CompleteTaskRequest' });

/** reopen and drop take no body; an empty object is accepted too. */
export const EmptyRequest = z.strictObject({}).optional().meta({ id: 'EmptyRequest' });

export const TaskIdParam = z.uuid().toLowerCase();
/** PUT may create, so its id must be a UUIDv7 like every id the server makes. */
export const TaskIdV7Param = z.uuid({ version: 'v7' }).toLowerCase();

// Filters may name any day or instant PostgreSQL's date and timestamptz hold as four-digit years
// (0001-9999); a day that does not exist (2026-02-30) or an instant whose UTC time falls outside
// those years (0001-01-01T00:00:00+01:00) is a 400, never a query the database refuses.
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
const date = z.iso
  .date('must be a real day, YYYY-MM-DD')
  .refine((d) => d >= '0001-01-01', 'must be a day from 0001-01-01 to 9999-12-31')
  .meta({ description: 'A day, YYYY-MM-DD (0001-01-01 to 9999-12-31), e.g. 2026-11-27' });
const instant = z.iso
  .datetime({ offset: true, error: 'must be an RFC 3339 date-time with an offset' })
  .refine((s) => {
    const at = Date.parse(s);
    return at >= FIRST_INSTANT && at <= LAST_INSTANT;
  }, 'must be an instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z')
  .meta({ description: 'RFC 3339 with offset, e.g. 2026-11-27T17:00:00Z; in UTC from 0001-01-01 to 9999-12-31' });

// The filters carry no `example`: Swagger UI's "Try it out" fills every example in as a value, and
// a list narrowed by made-up days and ids is empty (test/e2e/openapi-document.e2e.spec.ts checks it).
export const ListTasksQueryParams = z
  .strictObject({
    // An array of statuses: repeated (`status=open&status=done`, OpenAPI's default for a query
    // array, what Swagger UI and generated clients send) or comma-separated (`status=open,done`).
    status: z
      .preprocess(
        (v) => {
          const split = (x: unknown) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()) : [x]);
          return typeof v === 'string' ? split(v) : Array.isArray(v) ? v.flatMap(split) : v;
        },
        z.array(z.enum(TASK_STATUSES)).min(1).max(TASK_STATUSES.length),
      )
      .optional()
      .meta({ description: 'Only tasks in these states: repeat the parameter (`status=open&status=done`) or separate them with commas (`status=open,done`)' }),
    scheduledFrom: date.optional(),
    scheduledTo: date.optional(),
    dueFrom: instant.optional(),
    dueTo: instant.optional(),
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    tag: z.string().min(1).max(TASK_LIMITS.tagMax).optional(),
    parentId: z.union([z.uuid().toLowerCase(), z.literal('none')]).optional().meta({ description: 'A parent task id, or `none` for top-level tasks' }),
    sort: z.enum(['createdAt', '-createdAt', 'scheduledFor', '-scheduledFor']).default('createdAt'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
  });
// No component id on query schemas: @nestjs/swagger documents a query schema that is a $ref as one
// nameless parameter; inline, the OpenAPI document lists each query parameter by name.

export const TaskResponse = z
  .object({
    id: z.uuid(),
    title: z.string(),
    notes: z.string().nullable(),
    scheduledFor: z.string().nullable(),
    dueAt: z.string().nullable(),
    estimateMinutes: z.int().nullable(),
    actualMinutes: z.int().nullable(),
    priority: z.int(),
    tags: z.array(z.string()),
    parentId: z.uuid().nullable(),
    status: z.enum(TASK_STATUSES),
    failure: z.object({ reason: z.enum(FAILURE_REASONS), note: z.string().nullable(), at: z.string() }).nullable(),
    deferrals: z.int(),
    replanOf: z.uuid().nullable(),
    version: z.int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    successProbability: z.number().min(0).max(1).nullable().meta({
      description:
        "An open task's chance of being done rather than failed (0-1, two decimals), learned from its owner's outcomes and the population's; " +
        'null for a closed task and until it is first scored (within seconds of a write). Derived: it may change without the version (ETag).',
      example: 0.42,
    }),
    factors: z
      .array(
        z.object({
          text: z.string().meta({ example: 'estimate 120 min: tasks over 60 min, 3 of 11 done' }),
          effect: z.enum(['helps', 'hurts']).meta({ description: 'Whether it raises or lowers the chance' }),
        }).meta({ id: 'SuccessFactor' }),
      )
      .max(3)
      .meta({
        description: 'Up to 3 reasons for successProbability in the owner\'s own numbers, strongest first; empty when there is none',
        example: [
          { text: 'estimate 120 min: tasks over 60 min, 3 of 11 done', effect: 'hurts' },
          { text: 'postponed 3 times', effect: 'hurts' },
        ],
      }),
  })
  .meta({ id: 'Task' });

/**
 * Compile-time proof that the response schema describes exactly a `TaskView` (same fields, same
 * types, nested too): a field added to one and not the other fails `npm run typecheck`.
 */
type Assert<T extends true> = T;
type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type Same<A, B> = (<T>() => T extends DeepReadonly<A> ? 1 : 2) extends <T>() => T extends DeepReadonly<B> ? 1 : 2 ? true : false;
export type TaskResponseIsTaskView = Assert<Same<z.infer<typeof TaskResponse>, TaskView>>;

export const TaskPageResponse = z
  .object({ items: z.array(TaskResponse), nextCursor: z.string().nullable() })
  .meta({ id: 'TaskPage' });

export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;
export type ReplaceTaskRequest = z.infer<typeof ReplaceTaskRequest>;
export type EditTaskRequest = z.infer<typeof EditTaskRequest>;
export type CompleteTaskRequest = z.infer<typeof CompleteTaskRequest>;
export type FailTaskRequest = z.infer<typeof FailTaskRequest>;
export type PostponeTaskRequest = z.infer<typeof PostponeTaskRequest>;
export type ListTasksQueryParams = z.infer<typeof ListTasksQueryParams>;

// Response examples for the OpenAPI document, typed by the schemas they illustrate (and linted
// against the generated JSON Schema by the document's test): an open task, as the API answers it.
const EXAMPLE_TASK_ID = '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b';
export const TASK_EXAMPLE = {
  id: EXAMPLE_TASK_ID,
  title: 'Write the quarterly report',
  notes: 'Figures from the finance sheet',
  scheduledFor: '2026-11-27',
  dueAt: '2026-11-28T17:00:00.000Z',
  estimateMinutes: 120,
  actualMinutes: null,
  priority: 2,
  tags: ['work'],
  parentId: null,
  status: 'open',
  failure: null,
  deferrals: 3,
  replanOf: null,
  version: 4,
  createdAt: '2026-11-20T09:12:04.120Z',
  updatedAt: '2026-11-26T18:40:11.503Z',
  closedAt: null,
  successProbability: 0.31,
  factors: [
    { text: 'estimate 120 min: tasks over 60 min, 3 of 11 done', effect: 'hurts' },
    { text: 'postponed 3 times', effect: 'hurts' },
  ],
} satisfies z.output<typeof TaskResponse>;

export const TASK_PAGE_EXAMPLE = {
  items: [TASK_EXAMPLE],
  nextCursor: 'eyJjIjoiMjAyNi0xMS0yMFQwOToxMjowNC4xMjBaIiwiaSI6IjAxOWEyYjNjIn0',
} satisfies z.output<typeof TaskPageResponse>;
