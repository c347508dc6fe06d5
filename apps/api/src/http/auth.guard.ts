import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_TOKENS, type AccessTokens, STREAM_TOKENS } from '@ln/identity/application/ports/access-tokens.port';
import type { FastifyRequest } from 'fastify';
import { Unauthenticated } from './http-errors';

const IS_PUBLIC = 'ln:public';
/** Opts a route out of the global authentication guard. Every other route needs a valid access token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Whether a route is `@Public()` (on the handler or its controller): the guard and the OpenAPI document (`security: []`) both ask this. */
export function isPublicRoute(reflector: Reflector, handler: object, controller: object): boolean {
  return reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler as never, controller as never]) === true;
}

export interface Caller {
  readonly userId: string;
  /** When the token that proved it expires. */
  readonly expiresAt?: Date;
}

const STREAM_TOKEN_ROUTE = 'ln:stream-token';
/**
 * The route also takes a stream token (`POST /v1/events/token`) in `?access_token=`, for browsers'
 * EventSource, which cannot send headers. Only there, and only a stream token: an access token in
 * the URL is refused (it would end up in logs and histories with the whole API's reach), and a
 * stream token in the Authorization header is refused too (ADR 28).
 */
export const AcceptsStreamToken = () => SetMetadata(STREAM_TOKEN_ROUTE, true);

type AuthedRequest = FastifyRequest & { caller?: Caller };

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_TOKENS) private readonly tokens: AccessTokens,
    @Inject(STREAM_TOKENS) private readonly streamTokens: AccessTokens,
  ) {}

  /** Whether a handler is public never changes: looked up once per handler, not per request. */
  private readonly publicByHandler = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let isPublic = this.publicByHandler.get(handler);
    if (isPublic === undefined) {
      isPublic = isPublicRoute(this.reflector, handler, context.getClass());
      this.publicByHandler.set(handler, isPublic);
    }
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    const query = (request.query as Record<string, unknown> | undefined)?.access_token;
    if (query !== undefined && this.reflector.get<boolean>(STREAM_TOKEN_ROUTE, handler) === true) {
      if (header) throw new Unauthenticated('invalid_token', 'send either the Authorization header or access_token, not both');
      const claims = typeof query === 'string' ? this.streamTokens.verify(query) : null;
      if (!claims) throw new Unauthenticated('invalid_token', 'the stream token is invalid or expired');
      request.caller = { userId: claims.userId, expiresAt: claims.expiresAt };
      return true;
    }
    if (!header) throw new Unauthenticated('missing_token', 'an access token is required (Authorization: Bearer ...)');
    const caller = callerFrom(header, this.tokens);
    if (!caller) throw new Unauthenticated('invalid_token', 'the access token is invalid or expired');
    request.caller = caller;
    return true;
  }
}

/** The caller an Authorization header proves, or null (missing, malformed, invalid or expired). */
export function callerFrom(header: string | undefined, tokens: AccessTokens): Caller | null {
  const match = header ? BEARER.exec(header) : null;
  const claims = match ? tokens.verify(match[1]) : null;
  return claims ? { userId: claims.userId, expiresAt: claims.expiresAt } : null;
}

/** The authenticated caller; only on routes behind the guard. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthedRequest>().caller;
  if (!caller) throw new Unauthenticated('missing_token', 'an access token is required');
  return caller;
});
