import { createHash } from 'node:crypto';
import { Logger, applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader } from '@nestjs/swagger';
import type { AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import type { Clock } from '@ln/kernel/application/ports/clock.port';
import type { IdempotencyStore } from '@ln/kernel/application/ports/idempotency.port';
import { DomainError, type FieldIssue } from '@ln/kernel/domain/domain-error.base';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerFrom } from './auth.guard';
import { sendProblem, toProblem } from './problem.filter';

const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['location', 'etag', 'command-id'] as const;

class IdempotencyKeyInvalid extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'invalid_idempotency_key';
  override readonly fields: FieldIssue[] = [{ field: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' }];
  constructor() {
    super('Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
}

class IdempotencyKeyInProgress extends DomainError {
  readonly kind = 'conflict' as const;
  readonly code = 'idempotency_key_in_progress';
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('a request with this Idempotency-Key is still being processed');
  }
}

class IdempotencyKeyReused extends DomainError {
  readonly kind = 'unprocessable' as const;
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('this Idempotency-Key was used for a different request');
  }
}

export { IdempotencyKeyInProgress, IdempotencyKeyInvalid, IdempotencyKeyReused };

/** Marks a route (an authenticated write) as taking an Idempotency-Key, for the hooks below and the OpenAPI document. */
export const IdempotencyKey = applyDecorators(
  RouteConfig({ idempotencyKey: true }),
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'A retry with the same key and the same request replays the stored answer for 24 h (per user); the same key on another request is 422 `idempotency_key_reused`.',
    // No example: Swagger UI would send it on every "Try it out" (and replay the first answer).
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: KEY.source },
  }),
);

/**
 * What makes two requests "the same" for an Idempotency-Key: method, path with query, and body as
 * parsed. The queued path binds a keyed command's id to it too, so a key reused for another body
 * after its 24 h record has expired is a new command, never an acknowledged write the worker
 * would drop as a duplicate (#12).
 */
export function requestFingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('base64url');
}

interface Begun {
  readonly userId: string;
  readonly key: string;
  readonly claim: string;
  /** Renews the claim while the request runs (a request that outlives the renewal period). */
  readonly renewal: NodeJS.Timeout;
}

type KeyedRequest = FastifyRequest & { idempotency?: Begun };

const log = new Logger('Idempotency');

/**
 * `Idempotency-Key` on the routes marked with `IdempotencyKey`: the first request with a key runs
 * and its answer is stored (per user, 24 h); a retry gets the stored answer; a retry while the
 * first still runs gets 409; the same key on a different request gets 422. A request that fails
 * (4xx/5xx) is forgotten so it can be retried.
 *
 * Fastify hooks rather than a Nest interceptor: an interceptor puts every request of its routes
 * through an rxjs pipeline, keyed or not, and that cost 0.04 ms of CPU per POST (a third of the
 * whole framework's share, measured in docs/benchmarks.md). Here a request without the header
 * costs one header lookup. The caller is read from the access token as the guard reads it; a
 * request whose token is missing or invalid is left to the guard's 401.
 */
export function handleIdempotencyKeys(
  fastify: FastifyInstance,
  deps: { store: IdempotencyStore; clock: Clock; tokens: AccessTokens; renewEveryMs: number },
): void {
  const { store, clock, tokens, renewEveryMs } = deps;
  /** The claim stays ours while the request runs: the store takes over only a claim nobody renews. */
  const renewing = (userId: string, key: string, claim: string) =>
    setInterval(() => {
      store.renew(userId, key, claim, clock.now()).catch((error: unknown) => log.warn({ err: error }, 'idempotency claim not renewed'));
    }, renewEveryMs).unref();
  const finish = (request: KeyedRequest): Begun | undefined => {
    const begun = request.idempotency;
    request.idempotency = undefined;
    if (begun) clearInterval(begun.renewal);
    return begun;
  };

  fastify.addHook('preHandler', (request: KeyedRequest, reply, done) => {
    const key = request.headers['idempotency-key'];
    if (key === undefined || (request.routeOptions.config as { idempotencyKey?: boolean } | undefined)?.idempotencyKey !== true) return done();
    const caller = callerFrom(request.headers.authorization, tokens);
    if (!caller) return done();
    if (typeof key !== 'string' || !KEY.test(key)) return sendProblem(reply, toProblem(new IdempotencyKeyInvalid(), request));
    store.begin(caller.userId, key, requestFingerprint(request), clock.now()).then(
      (begun) => {
        switch (begun.outcome) {
          case 'mismatch':
            return sendProblem(reply, toProblem(new IdempotencyKeyReused(), request));
          case 'in_progress':
            return sendProblem(reply, toProblem(new IdempotencyKeyInProgress(), request));
          case 'replay':
            void reply.code(begun.response.status).headers({ ...begun.response.headers, 'idempotent-replayed': 'true' });
            // A 204 or a queued DELETE's 202 had no body, and gets none again.
            if (begun.response.body !== '') void reply.type('application/json');
            void reply.send(begun.response.body);
            return;
          default:
            request.idempotency = { userId: caller.userId, key, claim: begun.claim, renewal: renewing(caller.userId, key, begun.claim) };
            done();
        }
      },
      (error: unknown) => sendProblem(reply, toProblem(error, request)),
    );
  });

  // The answer as sent (serialised, with its real status: a queued write's 202 included).
  fastify.addHook('onSend', (request: KeyedRequest, reply: FastifyReply, payload: unknown, done) => {
    const begun = finish(request);
    if (!begun) return done(null, payload);
    if (reply.statusCode >= 400) {
      store.release(begun.userId, begun.key, begun.claim).then(
        () => done(null, payload),
        () => done(null, payload),
      );
      return;
    }
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = reply.getHeader(h);
      if (typeof v === 'string') headers[h] = v;
    }
    const body = typeof payload === 'string' ? payload : payload == null ? '' : String(payload);
    store.complete(begun.userId, begun.key, { status: reply.statusCode, headers, body }, clock.now(), begun.claim).then(
      () => done(null, payload),
      (error: unknown) => {
        // The write is done and this is its answer: the client gets it. A retry with the key finds
        // it still claimed (409) until the claim goes stale, then runs again.
        log.warn({ err: error, requestId: request.id }, 'idempotent answer not stored');
        done(null, payload);
      },
    );
  });

  // A request that ends without an answer being sent (its client went away) stops renewing too:
  // its claim then goes stale and a retry takes it over.
  fastify.addHook('onResponse', (request: KeyedRequest, _reply, done) => {
    finish(request);
    done();
  });
  fastify.addHook('onRequestAbort', (request: KeyedRequest, done) => {
    finish(request);
    done();
  });
}
