import { randomUUID } from 'node:crypto';
import { type TestApp, startTestApp } from '../support/app';

/**
 * CORS (CORS_ORIGINS, @fastify/cors): off unless configured; when configured, a preflight from a
 * listed origin is answered with what a browser needs to send the request, and one from any
 * other origin is not answered as a preflight at all. Embedded mode; one app at a time (they
 * share the process's PGlite instance).
 */
const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

function preflight(t: TestApp, origin: string, url = '/v1/tasks', method = 'POST') {
  return t.app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
  });
}

describe('CORS, off by default (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers no preflight and sends no CORS header, so a browser lets no other site read an answer', async () => {
    const res = await preflight(t, ALLOWED);
    expect(res.statusCode).toBe(405);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const read = await t.app.inject({ method: 'GET', url: '/health/live', headers: { origin: ALLOWED } });
    expect(read.statusCode).toBe(200);
    expect(Object.keys(read.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

describe('CORS with CORS_ORIGINS (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a preflight from a listed origin is allowed: 204 with the origin, methods, request headers and max age, and the security headers', async () => {
    const res = await preflight(t, ALLOWED, `/v1/tasks/${randomUUID()}`, 'PATCH');
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers': 'authorization, content-type, idempotency-key, if-match, last-event-id, x-request-id',
      'access-control-max-age': '600',
      vary: expect.stringMatching(/origin/i),
      'x-content-type-options': 'nosniff',
    });
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect((await preflight(t, 'http://localhost:5173')).headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('the actual request from a listed origin carries Allow-Origin and exposes the headers a client reads (ETag, Location, Retry-After, X-Request-Id, Command-Id)', async () => {
    const email = `cors-${randomUUID()}@example.com`;
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/register', headers: { origin: ALLOWED, 'content-type': 'application/json' }, payload: { email, password: 'correct horse' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['access-control-expose-headers']).split(', ')).toEqual(expect.arrayContaining(['etag', 'location', 'retry-after', 'x-request-id', 'command-id']));
  });

  it('a preflight from any other origin (or a look-alike of a listed one) is refused: no CORS header, a problem+json 404', async () => {
    for (const origin of [OTHER, 'https://app.example.com.evil.net', 'http://app.example.com', 'null']) {
      const res = await preflight(t, origin);
      expect({ origin, status: res.statusCode, type: res.headers['content-type'] }).toEqual({ origin, status: 404, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      // The request itself (sent without a preflight) is answered, but a browser will not show it to that page.
      const read = await t.app.inject({ method: 'GET', url: '/health/live', headers: { origin } });
      expect(read.statusCode).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('the catch-all preflight route changes nothing else: a wrong method is still 405 with its Allow, an unknown path 404', async () => {
    const wrong = await t.app.inject({ method: 'PUT', url: '/v1/tasks' });
    expect({ status: wrong.statusCode, allow: wrong.headers.allow }).toEqual({ status: 405, allow: 'GET, HEAD, POST' });
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/nothing-here' })).statusCode).toBe(404);
  });
});
