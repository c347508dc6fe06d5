import type { FastifyInstance } from 'fastify';
import { problem } from './problem';
import { sendProblem } from './problem.filter';
import { API_HEADERS, DOCS_HEADERS, isDocsUrl } from './security-headers';

/**
 * `application/json` and the structured-syntax suffix `application/<anything>+json` (RFC 6839),
 * with or without parameters. Anchored, as Fastify asks of a content-type RegExp.
 */
export const JSON_SUFFIX_MEDIA_TYPE = /^application\/[a-z0-9!#$&^_.-]+\+json(?:\s*;|$)/i;

/**
 * The API reads JSON bodies only. Fastify keeps its own `application/json` parser; the framework's
 * `application/x-www-form-urlencoded` parser is never registered (the app is created with
 * `bodyParser: false`) and `text/plain` is removed: a body of any other type is 415
 * `unsupported_media_type` before a route runs. This is what keeps a cross-site HTML form (which
 * needs no CORS preflight) from reaching any route with a body. A request without a body needs no
 * Content-Type (logout, the task transitions).
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['text/plain']);
  if (!fastify.hasContentTypeParser(JSON_SUFFIX_MEDIA_TYPE)) {
    fastify.addContentTypeParser(JSON_SUFFIX_MEDIA_TYPE, { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));
  }
}

/**
 * One request hook for what every answer carries: the request id, and the security headers
 * (ADR 21): Swagger UI's under `/docs`, the API's everywhere else. Callback style, no allocation:
 * it runs on every request.
 */
export function secureAnswers(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id).headers(isDocsUrl(request.url) ? DOCS_HEADERS : API_HEADERS);
    done();
  });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The methods some route answers for this URL (empty: no route has its path). */
export function allowedMethods(fastify: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0];
  return METHODS.filter((method) => {
    const route = fastify.findRoute({ method, url: path });
    if (route === null) return false;
    // @fastify/cors's catch-all OPTIONS route (CORS_ORIGINS set) is the preflight's, not this path's.
    if (method === 'OPTIONS' && route.params !== undefined && '*' in route.params) return false;
    // The framework sends an empty path parameter (`/v1/tasks//fail`) to the not-found handler.
    return Object.values(route.params ?? {}).every((value) => value !== '');
  });
}

/**
 * A path the API serves, asked with a method it does not serve there, is 405
 * `method_not_allowed` with `Allow` (RFC 9110 15.5.6), not 404. Looked up only for requests the
 * router did not match (`is404`), so a served request pays one property read.
 */
export function answerWrongMethods(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const allow = allowedMethods(fastify, request.url);
    if (allow.length === 0) return done();
    const detail = `${request.method} is not served here; this path answers ${allow.join(', ')}`;
    sendProblem(reply, {
      problem: problem(405, 'method_not_allowed', detail, { instance: request.url.split('?')[0], requestId: request.id }),
      headers: { allow: allow.join(', ') },
    });
  });
}
