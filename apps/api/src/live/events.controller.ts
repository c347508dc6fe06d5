import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { STREAM_TOKENS, type AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import { StreamHub, TooManyStreams } from '@ln/live/application/stream-hub.service';
import { APP_CONFIG } from '@ln/kernel/kernel.module';
import type { AppConfig } from '@ln/config/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcceptsStreamToken, type Caller, CurrentCaller } from '../http/auth.guard';
import { ApiProblems } from '../http/openapi';
import { validated } from '../http/validation';
import { SseResponseSink } from './sse';
import { EVENT_ID, EVENT_STREAM_EXAMPLE, EventsQueryParams, STREAM_TOKEN_EXAMPLE, StreamTokenResponse } from './events.schemas';

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  // A buffering proxy (nginx) would hold events back.
  'x-accel-buffering': 'no',
};

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly hub: StreamHub,
    @Inject(STREAM_TOKENS) private readonly streamTokens: AccessTokens,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @AcceptsStreamToken()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Your live events (Server-Sent Events)',
    description:
      'A `text/event-stream` of your own events, whichever api or worker process committed them: `event: <type>` (task.created.v1, task.completed.v1, ..., coach.plan-proposed.v1, learning.task-scores.v1: open tasks whose chance of success changed), ' +
      '`id: <sequence>`, `data: <JSON>` with the aggregate\'s new `version`. Reconnect with `Last-Event-ID` (EventSource does) to get exactly what you missed, ' +
      'from the last 24 h and at most 10,000 events; otherwise the stream starts with `event: reset` (re-read your tasks, then follow). ' +
        'A fresh stream (no Last-Event-ID) starts with its starting `id:` alone (no data, so EventSource dispatches nothing): a client that loses the stream before its first event resumes from there. ' +
      'A comment line every 15 s keeps proxies from closing it. It ends with `event: end` and a reason: `token_expired` (at your token\'s expiry; reconnect with a fresh one), ' +
      '`slow_consumer` (you did not read fast enough; resume by Last-Event-ID), `server_shutdown`. ' +
      'Authenticate with the Authorization header, or (browsers) with `access_token=` carrying a stream token from `POST /v1/events/token`.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last id you received: the stream resumes after it. One this server never sent starts with `event: reset`.' })
  @ApiResponse({
    status: 200,
    description: 'The stream (never ends on its own before the token expires)',
    content: { 'text/event-stream': { schema: { type: 'string' }, example: EVENT_STREAM_EXAMPLE } },
  })
  @ApiProblems(400, 401, new TooManyStreams('too_many_streams', 'at most 10 open event streams per user'), 503)
  async stream(
    @CurrentCaller() caller: Caller,
    @Query(validated(EventsQueryParams)) q: EventsQueryParams,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const sink = new SseResponseSink(this.config.live.bufferMaxBytes);
    const open = await this.hub.open(
      {
        userId: caller.userId,
        lastEventId: lastEventIdOf(request.headers['last-event-id'], q.lastEventId),
        expiresAt: caller.expiresAt ?? new Date(Date.now() + this.config.auth.accessTokenTtlSeconds * 1000),
      },
      sink,
    );
    // From here the response is ours: Fastify sends nothing, and its onSend hooks do not run, so
    // the headers the request hooks set (security headers, X-Request-Id) are copied over.
    reply.hijack();
    const raw = reply.raw;
    raw.on('close', () => open.close());
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (typeof value === 'string') headers[name] = value;
    sink.attach(raw, { ...headers, ...STREAM_HEADERS });
    // The client may have gone while the stream opened.
    if (request.raw.destroyed || raw.destroyed) open.close();
  }

  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A short-lived token for the event stream (for EventSource)',
    description:
      'Browsers\' EventSource cannot send an Authorization header: open `GET /v1/events?access_token=<streamToken>` instead. ' +
      'The token is good only there (another audience and type than access tokens, which are refused in the URL), and never outlives the access token that asked for it.',
  })
  @ApiResponse({ status: 200, description: 'The stream token', standardSchema: StreamTokenResponse, example: STREAM_TOKEN_EXAMPLE })
  @ApiProblems(401)
  token(@CurrentCaller() caller: Caller) {
    const issued = this.streamTokens.issue(caller.userId, caller.expiresAt);
    return { streamToken: issued.token, expiresInSeconds: issued.expiresInSeconds };
  }
}

/** The header wins over the query; anything sent that is not one of our ids is `invalid` (the stream starts with reset). */
function lastEventIdOf(header: string | string[] | undefined, query: string | undefined): number | 'invalid' | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') return EVENT_ID.test(value.trim()) ? Number(value.trim()) : 'invalid';
  return query === undefined ? null : Number(query);
}
