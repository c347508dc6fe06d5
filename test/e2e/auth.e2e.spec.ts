import { createHmac, randomUUID } from 'node:crypto';
import { describeWithService } from '../support/services';
import { type Mode, type TestApp, startTestApp } from '../support/app';

/** The same suite runs against the embedded product and against the real services. */
function authSuite(mode: Mode) {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode, { LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const email = () => `user-${randomUUID()}@example.com`;
  const json = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, token?: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method,
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  async function registerAndLogin(timezone?: string) {
    const e = email();
    const reg = await json('POST', '/v1/auth/register', { email: e, password: 'correct horse', ...(timezone ? { timezone } : {}) });
    expect(reg.statusCode).toBe(201);
    const login = await json('POST', '/v1/auth/login', { email: e, password: 'correct horse' });
    expect(login.statusCode).toBe(200);
    return { email: e, id: reg.json().id as string, ...(login.json() as { accessToken: string; refreshToken: string; expiresIn: number }) };
  }

  function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, code });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    return body;
  }

  it('register -> login -> GET /v1/me', async () => {
    const s = await registerAndLogin('Europe/Berlin');
    expect(s.expiresIn).toBeGreaterThan(0);
    const me = await json('GET', '/v1/me', undefined, s.accessToken);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      id: s.id,
      email: s.email,
      timezone: 'Europe/Berlin',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(me.json()).not.toHaveProperty('passwordHash');
  });

  it('register answers 201 with Location and normalises the email', async () => {
    const e = email();
    const res = await json('POST', '/v1/auth/register', { email: `  ${e.toUpperCase()} `, password: 'long enough' });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe('/v1/me');
    expect(res.json().email).toBe(e);
    expect(res.json().timezone).toBe('UTC');
  });

  it('a second registration of the same email is 409 email_taken', async () => {
    const e = email();
    expect((await json('POST', '/v1/auth/register', { email: e, password: 'long enough' })).statusCode).toBe(201);
    expectProblem(await json('POST', '/v1/auth/register', { email: e.toUpperCase(), password: 'other password' }), 409, 'email_taken');
  });

  it('concurrent registrations of one email: exactly one wins', async () => {
    const e = email();
    const results = await Promise.all([1, 2, 3].map(() => json('POST', '/v1/auth/register', { email: e, password: 'long enough' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough' }, ['email']],
    [{ email: 'a@b.co', password: 'short' }, ['password']],
    [{ email: 'a@b.co', password: 'x'.repeat(129) }, ['password']],
    [{ email: 'a@b.co', password: 'long enough', timezone: 'Mars/Olympus' }, ['timezone']],
    [{ email: 'a@b.co', password: 'long enough', role: 'admin' }, ['role']],
    [{ password: 'long enough' }, ['email']],
    [[1, 2], ['body']],
  ])('register rejects %j naming %j', async (body, fields) => {
    const problem = expectProblem(await json('POST', '/v1/auth/register', body), 400, expect.stringMatching(/validation_failed|invalid_email|invalid_timezone/) as never);
    expect(problem.errors.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(fields));
  });

  it('login failures do not reveal whether the email exists', async () => {
    const s = await registerAndLogin();
    const wrongPassword = await json('POST', '/v1/auth/login', { email: s.email, password: 'wrong password' });
    const noSuchUser = await json('POST', '/v1/auth/login', { email: email(), password: 'wrong password' });
    const a = expectProblem(wrongPassword, 401, 'invalid_credentials');
    const b = expectProblem(noSuchUser, 401, 'invalid_credentials');
    expect(a.detail).toBe(b.detail);
  });

  it('repeated login failures are rate limited with 429 and Retry-After, even with the right password', async () => {
    const s = await registerAndLogin();
    for (let i = 0; i < 3; i++) {
      expectProblem(await json('POST', '/v1/auth/login', { email: s.email, password: `wrong ${i}` }), 401, 'invalid_credentials');
    }
    const limited = await json('POST', '/v1/auth/login', { email: s.email, password: 'correct horse' });
    expectProblem(limited, 429, 'too_many_attempts');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('refresh rotates the token; reusing the old one revokes the family', async () => {
    const s = await registerAndLogin();
    const first = await json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken });
    expect(first.statusCode).toBe(200);
    const rotated = first.json().refreshToken as string;
    expect(rotated).not.toBe(s.refreshToken);
    expect((await json('GET', '/v1/me', undefined, first.json().accessToken)).statusCode).toBe(200);

    expectProblem(await json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken }), 401, 'refresh_token_reused');
    // The family is gone: even the newest token of that login no longer works.
    expectProblem(await json('POST', '/v1/auth/refresh', { refreshToken: rotated }), 401, 'refresh_token_reused');
  });

  it('concurrent refreshes of one token: one succeeds', async () => {
    const s = await registerAndLogin();
    const results = await Promise.all([1, 2].map(() => json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('an unknown refresh token is 401 invalid_refresh_token', async () => {
    expectProblem(await json('POST', '/v1/auth/refresh', { refreshToken: 'A'.repeat(43) }), 401, 'invalid_refresh_token');
  });

  it('logout ends that login: its refresh token stops working; another login survives', async () => {
    const s = await registerAndLogin();
    const other = await json('POST', '/v1/auth/login', { email: s.email, password: 'correct horse' });
    const res = await json('POST', '/v1/auth/logout', { refreshToken: s.refreshToken }, s.accessToken);
    expect(res.statusCode).toBe(204);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: other.json().refreshToken })).statusCode).toBe(200);
    // Idempotent.
    expect((await json('POST', '/v1/auth/logout', { refreshToken: s.refreshToken }, s.accessToken)).statusCode).toBe(204);
  });

  it("logout cannot revoke another user's login", async () => {
    const victim = await registerAndLogin();
    const attacker = await registerAndLogin();
    expect((await json('POST', '/v1/auth/logout', { refreshToken: victim.refreshToken }, attacker.accessToken)).statusCode).toBe(204);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: victim.refreshToken })).statusCode).toBe(200);
  });

  it('logout without a body ends every session of the user', async () => {
    const s = await registerAndLogin();
    expect((await json('POST', '/v1/auth/logout', {}, s.accessToken)).statusCode).toBe(204);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
  });

  it('PATCH /v1/me changes the timezone and validates it', async () => {
    const s = await registerAndLogin();
    const res = await json('PATCH', '/v1/me', { timezone: 'Asia/Seoul' }, s.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.json().timezone).toBe('Asia/Seoul');
    expect((await json('GET', '/v1/me', undefined, s.accessToken)).json().timezone).toBe('Asia/Seoul');
    expectProblem(await json('PATCH', '/v1/me', { timezone: 'Nowhere/Special' }, s.accessToken), 400, 'invalid_timezone');
    expectProblem(await json('PATCH', '/v1/me', { email: 'x@y.zz' }, s.accessToken), 400, 'validation_failed');
    expectProblem(await json('PATCH', '/v1/me', {}, s.accessToken), 400, 'validation_failed');
  });

  describe('access tokens (RFC 8725)', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const parts = (token: string) => token.split('.');

    it('no token -> 401 missing_token with WWW-Authenticate', async () => {
      const res = await json('GET', '/v1/me');
      expectProblem(res, 401, 'missing_token');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it.each(['garbage', 'Bearer', 'Bearer a.b', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c'])('malformed Authorization %s -> 401', async (header) => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: header } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });

    it('alg none -> 401', async () => {
      const s = await registerAndLogin();
      const [, payload] = parts(s.accessToken);
      const forged = `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`;
      expectProblem(await json('GET', '/v1/me', undefined, forged), 401, 'invalid_token');
    });

    it('a tampered payload -> 401', async () => {
      const s = await registerAndLogin();
      const victim = await registerAndLogin();
      const [header, payload, sig] = parts(s.accessToken);
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = `${header}.${b64({ ...claims, sub: victim.id })}.${sig}`;
      expectProblem(await json('GET', '/v1/me', undefined, forged), 401, 'invalid_token');
    });

    it('signed with another key, another algorithm, audience, issuer or typ -> 401; expired -> 401', async () => {
      const s = await registerAndLogin();
      const claims = JSON.parse(Buffer.from(parts(s.accessToken)[1], 'base64url').toString());
      const sign = (header: object, body: object, key = 'x'.repeat(32), alg = 'sha256') => {
        const input = `${b64(header)}.${b64(body)}`;
        return `${input}.${createHmac(alg, key).update(input).digest('base64url')}`;
      };
      const now = Math.floor(Date.now() / 1000);
      const cases = [
        sign({ alg: 'HS256', typ: 'at+jwt' }, claims), // another key
        sign({ alg: 'HS512', typ: 'at+jwt' }, claims, 'x'.repeat(32), 'sha512'),
        sign({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, aud: 'someone-else' }),
        sign({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, iss: 'someone-else' }),
        sign({ alg: 'HS256', typ: 'JWT' }, claims),
        sign({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, iat: now - 7200, exp: now - 3600 }),
      ];
      for (const token of cases) {
        expectProblem(await json('GET', '/v1/me', undefined, token), 401, 'invalid_token');
      }
    });
  });

  describe('the edge', () => {
    it('a body over 64 KB -> 413 payload_too_large', async () => {
      const res = await json('POST', '/v1/auth/register', { email: 'a@b.co', password: 'p'.repeat(70 * 1024) });
      expectProblem(res, 413, 'payload_too_large');
    });

    it('malformed JSON -> 400 malformed_json; other media types -> 415', async () => {
      const bad = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
      expectProblem(bad, 400, 'malformed_json');
      const text = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
      expectProblem(text, 415, 'unsupported_media_type');
    });

    it('unknown routes are 404 problem+json; every answer carries a request id', async () => {
      const res = await json('GET', '/v1/nothing-here');
      expectProblem(res, 404, 'route_not_found');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      const echoed = await json('GET', '/health/live', undefined, undefined, { 'x-request-id': 'trace-123' });
      expect(echoed.headers['x-request-id']).toBe('trace-123');
    });

    it('health: live, and ready checks every dependency of the mode', async () => {
      expect((await json('GET', '/health/live')).json()).toEqual({ status: 'ok' });
      const ready = await json('GET', '/health/ready');
      expect(ready.statusCode).toBe(200);
      const checks = Object.keys(ready.json().checks);
      expect(checks).toEqual(mode === 'embedded' ? ['database (pglite)'] : ['database (postgresql)', 'redis', 'rabbitmq']);
    });

    it('the OpenAPI document lists every route with the bearer scheme and problem responses', async () => {
      const doc = (await json('GET', '/docs-json')).json();
      expect(Object.keys(doc.paths).sort()).toEqual([
        '/v1/auth/login',
        '/v1/auth/logout',
        '/v1/auth/refresh',
        '/v1/auth/register',
        '/v1/commands/{id}',
        '/v1/insights',
        '/v1/me',
        '/v1/plans/{id}',
        '/v1/plans/{id}/accept',
        '/v1/plans/{id}/reject',
        '/v1/tasks',
        '/v1/tasks/{id}',
        '/v1/tasks/{id}/complete',
        '/v1/tasks/{id}/drop',
        '/v1/tasks/{id}/fail',
        '/v1/tasks/{id}/plans',
        '/v1/tasks/{id}/postpone',
        '/v1/tasks/{id}/reopen',
      ]);
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.schemas).toHaveProperty('Problem');
      expect(doc.components.schemas).toHaveProperty('RegisterRequest');
      expect(doc.paths['/v1/me'].get.responses['401'].content).toHaveProperty('application/problem+json');
      expect(doc.paths['/v1/me'].get.security).toEqual([{ bearer: [] }]);
    });
  });
}

describe('auth over HTTP [embedded]', () => authSuite('embedded'));
describeWithService('postgres', 'auth over HTTP (services)', () => authSuite('services'));
