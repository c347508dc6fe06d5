import { randomUUID } from 'node:crypto';
import { ACCESS_TOKENS, type AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';

/**
 * Inputs a client can send that once reached PostgreSQL (or a date conversion) unchecked and came
 * back as 500 (issue 12, item 2). Each must be a 4xx problem+json with a stable code, on every
 * engine. The spec-driven fuzz suite (test/fuzz) looks for more of these; this file pins the ones
 * found.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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
      const before = (await call('GET', '/v1/tasks?limit=200', undefined, token)).body;
      await call('POST', '/v1/tasks', '{"title":"\\ud800"}', token);
      await call('PATCH', `/v1/tasks/${taskId}`, '{"title":"\\ud800"}', token);
      expect((await call('GET', '/v1/tasks?limit=200', undefined, token)).body).toBe(before);
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
      for (const url of ['/v1/tasks/%C0%AE', '/v1/tasks/%ZZ', '/v1/tasks/%E2%82', '/v1/%FF%FE']) {
        const res = await call('GET', url, undefined, token);
        expectProblem(res, 400, 'malformed_url');
        expect(res.headers['x-request-id']).toEqual(expect.any(String));
      }
      expectProblem(await call('GET', `/v1/tasks/${'a'.repeat(150)}`, undefined, token), 414, 'uri_too_long');
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
