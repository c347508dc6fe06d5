import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';

// Where @HttpCode keeps its status (Nest's constant, not exported from the package root).
const HTTP_CODE_METADATA = '__httpCode__';
import { Reflector } from '@nestjs/core';
import { CLOCK, type Clock, IDEMPOTENCY_STORE, type IdempotencyStore } from '@ln/application';
import { DomainError, type FieldIssue } from '@ln/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, from, of, throwError } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import type { Caller } from './auth.guard';

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

/**
 * `Idempotency-Key` on authenticated POSTs: the first request with a key runs and its answer is
 * stored (per user, 24 h); a retry gets the stored answer; a retry while the first still runs
 * gets 409; the same key on a different request gets 422. A request that fails is forgotten so
 * it can be retried. Public POSTs (register, login) have no user to scope a key by: they ignore it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { caller?: Caller }>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined || !request.caller) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) return throwError(() => new IdempotencyKeyInvalid());
    const userId = request.caller.userId;
    const reply = http.getResponse<FastifyReply>();
    const print = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('base64url');
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;

    return from(this.store.begin(userId, key, print, this.clock.now())).pipe(
      mergeMap((begun) => {
        switch (begun.outcome) {
          case 'mismatch':
            return throwError(() => new IdempotencyKeyReused());
          case 'in_progress':
            return throwError(() => new IdempotencyKeyInProgress());
          case 'replay':
            void reply.code(begun.response.status).headers({ ...begun.response.headers, 'idempotent-replayed': 'true' }).type('application/json');
            return of(begun.response.body);
          default:
            return next.handle().pipe(
              mergeMap(async (body: unknown) => {
                const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
                const headers: Record<string, string> = {};
                for (const h of REPLAYED_HEADERS) {
                  const v = reply.getHeader(h);
                  if (typeof v === 'string') headers[h] = v;
                }
                // A queued write answers 202 (set by the handler) where the route's own code says 201 or 200.
                const answered = reply.statusCode === 202 ? 202 : status;
                await this.store.complete(userId, key, { status: answered, headers, body: text }, this.clock.now(), begun.claim);
                return body;
              }),
              catchError((error: unknown) =>
                from(this.store.release(userId, key, begun.claim).catch(() => undefined)).pipe(mergeMap(() => throwError(() => error))),
              ),
            );
        }
      }),
    );
  }
}
