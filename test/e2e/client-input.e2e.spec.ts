import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { ACCESS_TOKENS, type AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';
import { withoutPrediction } from '../support/task-views';

/**
 * Inputs a client can send that once reached PostgreSQL (or a date conversion) unchecked and came
 * back as 500 (issue 12, item 2). Each must be a 4xx problem+json with a stable code, on every
 * engine. The spec-driven fuzz suite (test/fuzz) looks for more of these; this file pins the ones
 * found.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Writes bytes as they are (no HTTP client would send these) and reads until the server closes. */
function exchangeRaw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (b) => (answer += b.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer within 5 s to ${JSON.stringify(request.slice(0, 40))}`)));
  });
}

function clientInputSuite(mode: Mode) {
  let t: TestApp;
  let token: string;
  let taskId: string;

  beforeAll(async () => {
    t = await startTestApp(mode);
    const email = `input-${randomUUID()}@example.com`;
    expect((await call('POST', '/v1/auth/register', { email, password: 'correct horse' })).statusCode).toBe(201);
    token = (await call('POST', '/v1/auth/login', { email, password: 'correct horse' })).json().accessToken;
    const task = await call('POST', '/v1/tasks', { title: 'probe' }, token);
    expect(task.statusCode).toBeLessThan(300);
    taskId = task.json().id;
  });
  afterAll(() => t?.close());

  /** `body` is sent as given when it is a string (JSON written by hand keeps its escapes). */
  function call(method: Method, url: string, body?: unknown, bearer?: string) {
    return t.app.inject({
      method,
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string, field?: string) {
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(res.body);
    expect(problem.code).toBe(code);
    if (field) expect(problem.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
  }

  describe('a lone surrogate in any JSON string -> 400 invalid_character naming the field', () => {
    // Written by hand: JSON.stringify would escape the same way, but this is exactly what a client sends.
    it.each([
      ['POST', '/v1/tasks', '{"title":"\\ud800"}', 'title'],
      ['POST', '/v1/tasks', '{"title":"a\\udc00b"}', 'title'],
      ['POST', '/v1/tasks', '{"title":"ok","notes":"x\\udbff"}', 'notes'],
      ['POST', '/v1/tasks', '{"title":"ok","tags":["fine","\\ud83d"]}', 'tags.1'],
      ['POST', '/v1/tasks', '{"title":"ok","scheduledFor":"2026-12-01\\ud800"}', 'scheduledFor'],
    ] as const)('%s %s %s', async (method, url, body, field) => {
      expectProblem(await call(method, url, body, token), 400, 'invalid_character', field);
    });

    it('on every write with a body: PUT, PATCH, fail, postpone', async () => {
      expectProblem(await call('PATCH', `/v1/tasks/${taskId}`, '{"notes":"\\ud800"}', token), 400, 'invalid_character', 'notes');
      expectProblem(await call('PUT', `/v1/tasks/${taskId}`, '{"title":"x","tags":["\\udfff"]}', token), 400, 'invalid_character', 'tags.0');
      expectProblem(await call('POST', `/v1/tasks/${taskId}/fail`, '{"reason":"other","note":"\\ud800"}', token), 400, 'invalid_character', 'note');
      expectProblem(await call('POST', `/v1/tasks/${taskId}/postpone`, '{"scheduledFor":"\\ud800"}', token), 400, 'invalid_character', 'scheduledFor');
      expectProblem(await call('PATCH', '/v1/me', '{"timezone":"Europe/\\ud800"}', token), 400, 'invalid_character', 'timezone');
    });

    it('in accounts: register and login email, password', async () => {
      expectProblem(await call('POST', '/v1/auth/register', '{"email":"\\ud800@example.com","password":"long enough"}'), 400, 'invalid_character', 'email');
      expectProblem(await call('POST', '/v1/auth/register', '{"email":"ok@example.com","password":"long \\ud800 enough"}'), 400, 'invalid_character', 'password');
      expectProblem(await call('POST', '/v1/auth/login', '{"email":"\\ud800@example.com","password":"long enough"}'), 400, 'invalid_character', 'email');
      expectProblem(await call('POST', '/v1/auth/login', '{"email":"a\\u0000@example.com","password":"long enough"}'), 400, 'invalid_character', 'email');
    });

    it('well-formed pairs (emoji, astral characters) are still accepted and kept as sent', async () => {
      const res = await call('POST', '/v1/tasks', '{"title":"\\ud83d\\ude80 launch \\ud834\\udd1e","tags":["\\ud83c\\udf89"]}', token);
      expect(res.statusCode).toBeLessThan(300);
      expect(res.json()).toMatchObject({ title: '🚀 launch 𝄞', tags: ['🎉'] });
    });

    it('nothing of a refused write is stored', async () => {
      // The tasks' own state: a prediction may land between the two reads (scored after each commit).
      const tasksNow = async () => withoutPrediction(JSON.parse((await call('GET', '/v1/tasks?limit=200', undefined, token)).body));
      const before = await tasksNow();
      await call('POST', '/v1/tasks', '{"title":"\\ud800"}', token);
      await call('PATCH', `/v1/tasks/${taskId}`, '{"title":"\\ud800"}', token);
      expect(await tasksNow()).toEqual(before);
    });
  });

  describe('list filters: NUL, impossible dates, instants PostgreSQL cannot hold -> 400', () => {
    it.each([
      ['tag=%00', 'invalid_character', 'tag'],
      ['tag=a%00b', 'invalid_character', 'tag'],
      ['scheduledFrom=2026-02-30', 'validation_failed', 'scheduledFrom'],
      ['scheduledFrom=9999-99-99', 'validation_failed', 'scheduledFrom'],
      ['scheduledTo=2026-13-01', 'validation_failed', 'scheduledTo'],
      ['scheduledFrom=0000-01-01', 'validation_failed', 'scheduledFrom'],
      ['dueFrom=0000-01-01T00:00:00Z', 'validation_failed', 'dueFrom'],
      ['dueTo=2026-02-30T00:00:00Z', 'validation_failed', 'dueTo'],
      // Valid as written, but the instant (UTC) falls in year 0 or 10000.
      ['dueFrom=0001-01-01T00:00:00%2B01:00', 'validation_failed', 'dueFrom'],
      ['dueTo=9999-12-31T23:30:00-01:00', 'validation_failed', 'dueTo'],
    ])('?%s -> 400 %s', async (query, code, field) => {
      expectProblem(await call('GET', `/v1/tasks?${query}`, undefined, token), 400, code, field);
    });

    it('the widest range PostgreSQL holds is still accepted', async () => {
      for (const query of [
        'scheduledFrom=0001-01-01&scheduledTo=9999-12-31',
        'dueFrom=0001-01-01T00:00:00Z&dueTo=9999-12-31T23:59:59.999Z',
        'dueFrom=0001-01-01T00:00:00-01:00&dueTo=9999-12-31T23:59:59%2B01:00',
        'scheduledFrom=2028-02-29',
      ]) {
        const res = await call('GET', `/v1/tasks?${query}`, undefined, token);
        expect({ query, status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
      }
    });

    it('a cursor whose instant is in year 0000 (or 10000, or 2026-02-30) -> 400 invalid_cursor', async () => {
      const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
      const id = '019a0000-0000-7000-8000-000000000000';
      for (const [sort, key] of [
        ['createdAt', '0000-01-01T00:00:00Z'],
        ['-createdAt', '0000-12-31T23:59:59.999Z'],
        ['createdAt', '2026-02-30T00:00:00Z'],
        ['scheduledFor', '0000-01-01|'],
        ['-scheduledFor', '2026-01-01|0000-01-01T00:00:00.000Z'],
      ]) {
        const res = await call('GET', `/v1/tasks?sort=${sort}&cursor=${cursor([sort, key, id])}`, undefined, token);
        expectProblem(res, 400, 'invalid_cursor', 'cursor');
      }
      const fine = await call('GET', `/v1/tasks?sort=createdAt&cursor=${cursor(['createdAt', '0001-01-01T00:00:00Z', id])}`, undefined, token);
      expect(fine.statusCode).toBe(200);
    });
  });

  describe('insights from/to', () => {
    it.each(['from=2026-02-30', 'to=9999-99-99', 'from=0000-01-01', 'to=%00', 'from=2026-01-01%00', 'from=\ud800'.replace('\ud800', '%ED%A0%80')])(
      '?%s -> 400',
      async (query) => {
        const res = await call('GET', `/v1/insights?${query}`, undefined, token);
        expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 400 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      },
    );

    it('the far end of the calendar is an empty answer, not an error', async () => {
      for (const query of ['from=9998-01-01&to=9999-12-31', 'from=1970-01-01&to=1971-12-31']) {
        const res = await call('GET', `/v1/insights?${query}`, undefined, token);
        expect({ query, status: res.statusCode, body: res.body.slice(0, 300) }).toMatchObject({ status: 200 });
      }
    });
  });

  describe('what the fuzz suite found besides', () => {
    it('a body nested thousands deep -> 400 validation_failed, with or without Idempotency-Key (was a 500: stack overflow in the key fingerprint)', async () => {
      for (const payload of ['['.repeat(32_000) + ']'.repeat(32_000), `{"title":"x","tags":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, `{"title":"x","notes":${'{"a":'.repeat(8_000)}1${'}'.repeat(8_000)}}`]) {
        for (const key of [undefined, `deep-${randomUUID()}`]) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/v1/tasks',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
            payload,
          });
          expectProblem(res, 400, 'validation_failed', 'body');
        }
      }
      // Nesting a schema allows is not refused for its depth.
      expect((await call('POST', '/v1/tasks', { title: 'shallow', tags: ['a'] }, token)).statusCode).toBeLessThan(300);
    });

    it('a URL the router cannot decode -> 400 malformed_url; a path segment past the router limit -> 414 uri_too_long (both problem+json)', async () => {
      for (const url of ['/v1/tasks/%C0%AE', '/v1/tasks/%ZZ', '/v1/%ZZ', '/v1/tasks/%E2%82', '/v1/%FF%FE']) {
        const res = await call('GET', url, undefined, token);
        expectProblem(res, 400, 'malformed_url');
        expect(res.headers['x-request-id']).toEqual(expect.any(String));
      }
      expectProblem(await call('GET', `/v1/tasks/${'a'.repeat(150)}`, undefined, token), 414, 'uri_too_long');
    });
  });

  describe('the HTTP edge (issue 12, item 6)', () => {
    type Doc = { paths: Record<string, Record<string, unknown>> };
    const raw = (method: Method | 'OPTIONS' | 'HEAD', url: string, headers: Record<string, string> = {}, payload?: string) => t.app.inject({ method, url, headers, payload });
    const authed = (headers: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...headers });
    const SECURITY = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
    /** The app on a real port, for what inject cannot send (it normalizes URLs and always speaks valid HTTP). */
    let port: number | undefined;
    async function listening(): Promise<number> {
      if (port === undefined) {
        await t.app.listen({ port: 0, host: '127.0.0.1' });
        port = (t.app.getHttpServer().address() as AddressInfo).port;
      }
      return port;
    }

    it('a form body (what a cross-site HTML form sends without a preflight) is 415 unsupported_media_type on every operation that takes a body, and changes nothing', async () => {
      const doc = (await raw('GET', '/docs-json')).json() as Doc;
      const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
        Object.keys(item)
          .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => [m.toUpperCase() as Method, p.replace(/\{id\}/g, taskId)] as const),
      );
      expect(operations.length).toBeGreaterThanOrEqual(12);
      // The tasks' own state: a prediction may land between the two reads (scored after each commit).
      const tasksNow = async () => withoutPrediction(JSON.parse((await call('GET', '/v1/tasks?limit=200', undefined, token)).body));
      const before = await tasksNow();
      for (const [method, url] of operations) {
        for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
          const body = type.startsWith('multipart') ? '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--x--\r\n' : 'title=from+a+form&email=f%40example.com&password=long+enough';
          const res = await raw(method, url, authed({ 'content-type': type }), body);
          expect({ operation: `${method} ${url}`, type, status: res.statusCode }).toEqual({ operation: `${method} ${url}`, type, status: 415 });
          expectProblem(res, 415, 'unsupported_media_type');
        }
      }
      // And the document says so, for each of them.
      const documented = (doc as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths;
      for (const [p, item] of Object.entries(documented)) {
        for (const m of ['post', 'put', 'patch', 'delete']) if (item[m]) expect({ operation: `${m} ${p}`, documents415: '415' in item[m].responses }).toEqual({ operation: `${m} ${p}`, documents415: true });
      }
      // Without credentials too: the type is refused before anything else runs.
      expectProblem(await raw('POST', '/v1/auth/register', { 'content-type': 'application/x-www-form-urlencoded' }, 'email=form%40example.com&password=long+enough+pass'), 415, 'unsupported_media_type');
      expect(await tasksNow()).toEqual(before);
    });

    it('JSON is accepted as application/json and as application/<anything>+json; a request without a body needs no Content-Type', async () => {
      const created = await raw('POST', '/v1/tasks', authed({ 'content-type': 'application/json; charset=utf-8' }), '{"title":"typed"}');
      expect(created.statusCode).toBe(201);
      const merged = await raw('PATCH', `/v1/tasks/${created.json().id}`, authed({ 'content-type': 'application/merge-patch+json' }), '{"notes":"patched"}');
      expect({ status: merged.statusCode, notes: merged.json().notes }).toEqual({ status: 200, notes: 'patched' });
      // Body-less transitions and logout: no Content-Type, no body, no 415.
      expect((await raw('POST', `/v1/tasks/${created.json().id}/complete`, authed())).statusCode).toBe(200);
      const logout = await raw('POST', '/v1/auth/logout', {});
      expect(logout.statusCode).not.toBe(415);
      expectProblem(logout, 401, 'missing_token');
    });

    it('a path the API serves, asked with a method it does not serve there, is 405 method_not_allowed with Allow; an unknown path is still 404', async () => {
      for (const [method, url, allow] of [
        ['DELETE', '/v1/auth/login', 'POST'],
        ['GET', '/v1/auth/register?x=1', 'POST'],
        ['PUT', '/v1/tasks', 'GET, HEAD, POST'],
        ['OPTIONS', `/v1/tasks/${taskId}`, 'GET, HEAD, PUT, PATCH, DELETE'],
        ['GET', `/v1/tasks/${taskId}/fail`, 'POST'],
      ] as const) {
        const res = await raw(method, url, authed());
        expectProblem(res, 405, 'method_not_allowed');
        expect({ url, allow: res.headers.allow }).toEqual({ url, allow });
        expect(res.headers).toMatchObject(SECURITY);
      }
      expectProblem(await raw('DELETE', '/v1/nothing-here', authed()), 404, 'route_not_found');
      // An empty path parameter matches no route for any method.
      expectProblem(await raw('DELETE', '/v1/tasks//fail', authed()), 404, 'route_not_found');
    });

    it('every answer carries nosniff, no-referrer and DENY framing; every API answer Cache-Control: no-store, reads included, and the ETag still works for If-Match', async () => {
      const read = await raw('GET', `/v1/tasks/${taskId}`, authed());
      expect(read.statusCode).toBe(200);
      expect(read.headers).toMatchObject({ ...SECURITY, 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" });
      const etag = String(read.headers.etag);
      expect(etag).toMatch(/^"\d+"$/);
      const conditional = await raw('PATCH', `/v1/tasks/${taskId}`, authed({ 'content-type': 'application/json', 'if-match': etag }), '{"notes":"conditional"}');
      expect(conditional.statusCode).toBe(200);
      expectProblem(await raw('PATCH', `/v1/tasks/${taskId}`, authed({ 'content-type': 'application/json', 'if-match': etag }), '{"notes":"stale"}'), 412, 'version_mismatch');
      for (const res of [
        await raw('GET', '/v1/tasks?limit=1', authed()),
        await raw('GET', '/v1/me', authed()),
        await raw('GET', '/v1/insights', authed()),
        await raw('GET', '/v1/me'),
        await raw('GET', '/v1/nothing-here'),
        await raw('POST', '/v1/auth/login', { 'content-type': 'text/plain' }, 'x'),
        await raw('GET', '/v1/tasks/%ZZ', authed()),
        await raw('GET', '/health/live'),
      ]) {
        expect({ status: res.statusCode, headers: res.headers }).toMatchObject({ headers: { ...SECURITY, 'cache-control': 'no-store' } });
      }
    });

    it("what Node's HTTP parser refuses before any route (headers too large, a malformed request) is problem+json with a code and the security headers", async () => {
      const port = await listening();
      for (const [request, status, code] of [
        [`GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
        ['GARBAGE\r\n\r\n', 400, 'malformed_request'],
        ['GET /v1/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400, 'malformed_request'],
        ['POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'malformed_request'],
      ] as const) {
        const answer = await exchangeRaw(port, request);
        const [head, body] = answer.split('\r\n\r\n');
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        expect({ statusLine, code: JSON.parse(body).code }).toEqual({ statusLine: expect.stringMatching(new RegExp(`^HTTP/1.1 ${status} `)), code });
        expect(headers).toMatchObject({ ...SECURITY, 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' });
        expect(JSON.parse(body)).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
      }
    });

    it('Swagger UI answers with its own Content-Security-Policy, never framed; a path its static files refuse is 403 problem+json `forbidden`', async () => {
      for (const url of ['/docs', '/docs/', '/docs/swagger-ui.css', '/docs-json']) {
        const res = await raw('GET', url);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
        expect(res.headers).toMatchObject(SECURITY);
        expect(String(res.headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
        expect(String(res.headers['content-security-policy'])).toMatch(/script-src 'self'/);
      }
      // Sent as is (inject would resolve the dots first): the static file server refuses to climb out.
      const refused = await exchangeRaw(await listening(), 'GET /docs/%2e%2e/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(refused).toMatch(/^HTTP\/1.1 403 /);
      expect(refused).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 403, code: 'forbidden', title: 'Forbidden' });
    });
  });

  describe('a validly signed access token whose subject is not a user id -> 401 invalid_token', () => {
    let tokens: AccessTokens;
    beforeAll(() => {
      tokens = t.app.get(ACCESS_TOKENS);
    });

    it.each(['not-a-uuid', '', '019a0000-0000-7000-8000-00000000000g', "'; drop table users; --", '\u0000', '019a0000-0000-7000-8000-000000000000\n'])(
      'sub %j',
      async (sub) => {
        const forged = tokens.issue(sub).token;
        expectProblem(await call('GET', '/v1/me', undefined, forged), 401, 'invalid_token');
        expectProblem(await call('GET', '/v1/tasks', undefined, forged), 401, 'invalid_token');
        expectProblem(await call('GET', '/v1/insights', undefined, forged), 401, 'invalid_token');
        expectProblem(await call('POST', '/v1/tasks', { title: 'x' }, forged), 401, 'invalid_token');
        expectProblem(await call('POST', '/v1/auth/logout', {}, forged), 401, 'invalid_token');
        // The Idempotency-Key hook reads the caller before the guard does.
        const keyed = await t.app.inject({
          method: 'POST',
          url: '/v1/tasks',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}`, 'idempotency-key': 'k-1' },
          payload: '{"title":"x"}',
        });
        expectProblem(keyed, 401, 'invalid_token');
      },
    );

    it('a token for a well-formed id that names nobody is still answered as before (no 5xx)', async () => {
      const nobody = tokens.issue(randomUUID()).token;
      expect((await call('GET', '/v1/me', undefined, nobody)).statusCode).toBe(404);
      expect((await call('GET', '/v1/tasks', undefined, nobody)).statusCode).toBe(200);
    });
  });
}

describe('client input that once was a 500 [embedded]', () => clientInputSuite('embedded'));
describeWithService('postgres', 'client input that once was a 500 (services)', () => clientInputSuite('services'));
