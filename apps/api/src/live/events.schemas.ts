import { z } from 'zod';
import { TASK_EXAMPLE, TaskResponse } from '../tasks/task.schemas';

/** Stream ids are decimal `stream_seq` values (below 2^53). */
export const EVENT_ID = /^[0-9]{1,15}$/;

export const EventsQueryParams = z.strictObject({
  lastEventId: z
    .string()
    .regex(EVENT_ID, 'must be an event id (digits) this stream sent')
    .optional()
    .meta({ description: 'Resume after this event id, for clients that cannot send the `Last-Event-ID` header on a new connection (the header wins). E.g. 1042' }),
  access_token: z
    .string()
    .max(4096)
    .optional()
    .meta({ description: 'A stream token from `POST /v1/events/token` (never an access token), for browsers\' EventSource, which cannot send headers' }),
});
export type EventsQueryParams = z.infer<typeof EventsQueryParams>;

export const StreamTokenResponse = z
  .object({
    streamToken: z.string().meta({ description: 'Only for `GET /v1/events?access_token=`; useless as an access token' }),
    expiresInSeconds: z.int().meta({ description: 'Never past the access token that asked for it; the stream ends then (`event: end`, `token_expired`)' }),
  })
  .meta({ id: 'StreamToken' });

export const STREAM_TOKEN_EXAMPLE = {
  streamToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6InN0cmVhbStqd3QifQ.eyJzdWIiOiIwMTkzYTNmMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDEifQ.c2lnbmF0dXJl',
  expiresInSeconds: 840,
} satisfies z.output<typeof StreamTokenResponse>;

export const EVENT_STREAM_EXAMPLE = [
  'retry: 2000',
  '',
  'id: 1041',
  '',
  'event: task.created.v1',
  'id: 1042',
  'data: {"eventId":"0193a3f0-0000-7000-8000-0000000000aa","type":"task.created.v1","aggregateType":"task","aggregateId":"0193a3f0-0000-7000-8000-0000000000bb","version":1,"occurredAt":"2026-12-05T21:00:00.000Z","payload":{"title":"Write the report"}}',
  '',
  ': heartbeat',
  '',
  'event: end',
  'data: {"reason":"token_expired"}',
  '',
  '',
].join('\n');

export const SyncQueryParams = z.strictObject({
  since: z
    .string()
    .regex(EVENT_ID, 'must be a sync token (digits) this API gave you')
    .optional()
    .meta({ description: 'The `nextSince` of your last sync. Without it: no changes, and the token to start from (take it before listing your tasks)' }),
  limit: z.coerce.number().int().min(1).max(200).default(100).meta({ description: 'Changes read per page (1-200, default 100); a task changed several times counts each time' }),
});
export type SyncQueryParams = z.infer<typeof SyncQueryParams>;

export const SyncResponse = z
  .object({
    changes: z.array(
      z.object({
        id: z.uuid(),
        deleted: z.boolean().meta({ description: 'A tombstone: the task was deleted (kept as long as the changes are, 24 h by default)' }),
        task: TaskResponse.optional().meta({ description: 'Its current state; absent when deleted' }),
      }),
    ),
    nextSince: z.string().meta({ description: 'Pass as `since` next time' }),
    hasMore: z.boolean().meta({ description: 'More changes are waiting: call again at once with `nextSince`' }),
  })
  .meta({ id: 'SyncPage' });

export const SYNC_EXAMPLE = {
  changes: [
    { id: TASK_EXAMPLE.id, deleted: false, task: TASK_EXAMPLE },
    { id: '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7c', deleted: true },
  ],
  nextSince: '1042',
  hasMore: false,
} satisfies z.output<typeof SyncResponse>;
