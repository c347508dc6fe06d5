import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** What a browser page may send: the credentials are a bearer token, never a cookie. */
// last-event-id: EventSource sends it when it reconnects, and it is not a CORS-safelisted header.
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match', 'last-event-id', 'x-request-id'];
/** The answer headers a page may read besides the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = ['etag', 'location', 'retry-after', 'x-request-id', 'command-id', 'allow'];
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours). */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Lets the pages of `origins` (CORS_ORIGINS, exact `scheme://host[:port]`) call the API from a
 * browser, through @fastify/cors (ADR 21, amendment). Nothing is registered when the list is empty (the
 * default): no CORS header on any answer, so a browser lets no other site read one. A request from
 * another origin gets no `Access-Control-Allow-Origin`; its preflight is not answered as one (the
 * route is not found), so the browser never sends the request. No `Allow-Credentials`: the API
 * reads a bearer token, which a page sends only by choice, never a cookie.
 */
export async function allowCrossOrigin(fastify: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await fastify.register(fastifyCors, {
    // A function, so that a refused origin disables CORS for its request (no preflight answer at all)
    // rather than answering the preflight without Allow-Origin; `Vary: Origin` on every answer.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
    // An OPTIONS request without Access-Control-Request-Method from an allowed origin is answered as
    // a preflight, not with the plugin's text/plain 400 (every refusal here is problem+json).
    strictPreflight: false,
  });
}
