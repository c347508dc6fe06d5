import { z } from 'zod';

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
