import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OpsServer } from '@app/api';
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

  it('an address is one account whatever its Unicode form: NFD after NFC is 409, login in NFD finds the NFC account', async () => {
    const local = `jos\u00e9-${randomUUID()}`;
    const reg = await json('POST', '/v1/auth/register', { email: `${local}@example.com`, password: 'long enough' });
    expect(reg.statusCode).toBe(201);
    expect(reg.json().email).toBe(`${local}@example.com`);
    const nfd = `${local.normalize('NFD').toUpperCase()}@EXAMPLE.COM`;
    expect(nfd).not.toBe(`${local}@example.com`.toUpperCase());
    expectProblem(await json('POST', '/v1/auth/register', { email: nfd, password: 'long enough' }), 409, 'email_taken');
    expect((await json('POST', '/v1/auth/login', { email: nfd, password: 'long enough' })).statusCode).toBe(200);
  });

  it.each([
    ['a Cyrillic letter among Latin ones', `p\u0430ypal-${randomUUID()}@example.com`],
    ['a zero-width joiner', `ad\u200da-${randomUUID()}@example.com`],
    ['full-width letters', `\uff41\uff44\uff41-${randomUUID()}@example.com`],
  ])('register refuses an address with %s: 400 invalid_email', async (_label, address) => {
    const problem = expectProblem(await json('POST', '/v1/auth/register', { email: address, password: 'long enough' }), 400, 'invalid_email');
    expect(problem.errors).toEqual([{ field: 'email', message: expect.any(String) }]);
  });

  it.each([
    ['eight spaces', () => ' '.repeat(8)],
    ['the address itself', (e: string) => e],
    ['the local part', (e: string) => e.split('@')[0]],
    ['a common password', () => 'Password1'],
  ])('register refuses %s as the password: 400 weak_password naming the field', async (_label, password) => {
    const e = email();
    const problem = expectProblem(await json('POST', '/v1/auth/register', { email: e, password: password(e) }), 400, 'weak_password');
    expect(problem.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
    expectProblem(await json('POST', '/v1/auth/login', { email: e, password: password(e) }), 401, 'invalid_credentials');
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

  it('logout with an empty object ends every session of the user', async () => {
    const s = await registerAndLogin();
    expect((await json('POST', '/v1/auth/logout', {}, s.accessToken)).statusCode).toBe(204);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
  });

  it('logout with no body at all (and no Content-Type) ends every session of the user, as documented', async () => {
    const s = await registerAndLogin();
    const other = (await json('POST', '/v1/auth/login', { email: s.email, password: 'correct horse' })).json();
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { authorization: `Bearer ${s.accessToken}` } });
    expect(res.statusCode).toBe(204);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: other.refreshToken })).statusCode).toBe(401);
    const doc = (await json('GET', '/docs-json')).json();
    expect(doc.paths['/v1/auth/logout'].post.requestBody?.required).not.toBe(true);
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

    it('a token issued in the future (beyond 30 s of clock skew), signed with the real key -> 401', async () => {
      const s = await registerAndLogin();
      const key = t.env.JWT_SECRET ?? readFileSync(path.join(t.env.DATA_DIR, 'jwt-secret'), 'utf8').trim();
      const claims = JSON.parse(Buffer.from(parts(s.accessToken)[1], 'base64url').toString());
      const sign = (body: object) => {
        const input = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64(body)}`;
        return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
      };
      const now = Math.floor(Date.now() / 1000);
      // The same claims issued now are accepted: the key and the rest are right.
      expect((await json('GET', '/v1/me', undefined, sign({ ...claims, jti: randomUUID(), iat: now, exp: now + 600 }))).statusCode).toBe(200);
      expectProblem(await json('GET', '/v1/me', undefined, sign({ ...claims, jti: randomUUID(), iat: now + 3600, exp: now + 3600 + 600 })), 401, 'invalid_token');
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
      // The probe gives each dependency 1 s: on a host this busy, embedded mode's one connection can
      // be held longer by the worker's stages just after start. Ready within 15 s, or the test fails.
      let ready = await json('GET', '/health/ready');
      for (let i = 0; i < 30 && ready.statusCode !== 200; i++) {
        await new Promise((r) => setTimeout(r, 500));
        ready = await json('GET', '/health/ready');
      }
      expect(ready.statusCode).toBe(200);
      // Each dependency by name: on the operations port (METRICS_PORT); the public answer is {status}.
      expect(ready.json()).toEqual({ status: 'ok' });
      const detailed = await t.app.get(OpsServer).inject({ method: 'GET', url: '/health/ready' });
      const checks = Object.keys(detailed.json().checks);
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
        '/v1/events',
        '/v1/events/token',
        '/v1/insights',
        '/v1/me',
        '/v1/plans/{id}',
        '/v1/plans/{id}/accept',
        '/v1/plans/{id}/reject',
        '/v1/sync',
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

  // Last: in embedded mode this suite's second app shares the process's one PGlite instance
  // (typeorm-pglite keeps a singleton), and closing it closes that instance under the first app.
  describe('abuse limits (ADR 20, docs/security.md): behind a trusted proxy', () => {
    // Its own app: small limits, and the inject peer (127.0.0.1) is a trusted proxy, so each test
    // speaks for clients of its own through X-Forwarded-For (documentation addresses, RFC 5737).
    let a: TestApp;
    beforeAll(async () => {
      a = await startTestApp(mode, {
        LOGIN_MAX_FAILURES: '3',
        LOGIN_MAX_FAILURES_PER_CLIENT: '6',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
        REGISTER_PER_CLIENT_PER_HOUR: '3',
        TRUSTED_PROXIES: '127.0.0.1,::1',
      });
    });
    afterAll(async () => {
      await a?.close();
    });

    let n = 0;
    const client = () => `198.51.100.${++n}`;
    const from = (forwardedFor: string, url: string, body: unknown, peer = '127.0.0.1') =>
      a.app.inject({ method: 'POST', url, remoteAddress: peer, headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, payload: JSON.stringify(body) });
    async function account(registeredFrom = client()) {
      const e = email();
      expect((await from(registeredFrom, '/v1/auth/register', { email: e, password: 'correct horse' })).statusCode).toBe(201);
      return e;
    }

    it("an attacker's failures lock only the attacker's client: the owner logs in from another at once", async () => {
      const e = await account();
      const attacker = client();
      for (let i = 0; i < 3; i++) expectProblem(await from(attacker, '/v1/auth/login', { email: e, password: `guess ${i}` }), 401, 'invalid_credentials');
      const locked = await from(attacker, '/v1/auth/login', { email: e, password: 'correct horse' });
      expectProblem(locked, 429, 'too_many_attempts');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await from(client(), '/v1/auth/login', { email: e, password: 'correct horse' })).statusCode).toBe(200);
    });

    it('X-Forwarded-For is believed only from a trusted proxy: a forged header from anyone else changes no client', async () => {
      const e = await account();
      // 127.0.0.2 is not a trusted proxy: its requests are 127.0.0.2's, whatever they claim.
      for (let i = 0; i < 3; i++) expectProblem(await from(client(), '/v1/auth/login', { email: e, password: `guess ${i}` }, '127.0.0.2'), 401, 'invalid_credentials');
      expectProblem(await from(client(), '/v1/auth/login', { email: e, password: 'correct horse' }, '127.0.0.2'), 429, 'too_many_attempts');
      // Through the trusted proxy the forwarded address is the client, also when the header has a chain.
      expect((await from(`203.0.113.9, ${client()}`, '/v1/auth/login', { email: e, password: 'correct horse' })).statusCode).toBe(200);
    });

    it('a guesser spread over many clients meets the per-account ceiling; a client that logged in before still can', async () => {
      const known = client();
      const e = await account();
      expect((await from(known, '/v1/auth/login', { email: e, password: 'correct horse' })).statusCode).toBe(200);
      // 5 failures per account at most: 3 from one client, 2 from a second; the second's third is over.
      const [first, second] = [client(), client()];
      for (let i = 0; i < 3; i++) expectProblem(await from(first, '/v1/auth/login', { email: e, password: `guess ${i}` }), 401, 'invalid_credentials');
      for (let i = 0; i < 2; i++) expectProblem(await from(second, '/v1/auth/login', { email: e, password: `guess ${i}` }), 401, 'invalid_credentials');
      expectProblem(await from(second, '/v1/auth/login', { email: e, password: 'guess 2' }), 429, 'too_many_attempts');
      const stranger = await from(client(), '/v1/auth/login', { email: e, password: 'correct horse' });
      expectProblem(stranger, 429, 'too_many_attempts');
      expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(0);
      expect((await from(known, '/v1/auth/login', { email: e, password: 'correct horse' })).statusCode).toBe(200);
    });

    it('one client guessing across many accounts meets the per-client limit; other clients do not', async () => {
      const sprayer = client();
      for (let i = 0; i < 6; i++) expectProblem(await from(sprayer, '/v1/auth/login', { email: email(), password: 'Summer2026!' }), 401, 'invalid_credentials');
      expectProblem(await from(sprayer, '/v1/auth/login', { email: email(), password: 'Summer2026!' }), 429, 'too_many_attempts');
      expectProblem(await from(client(), '/v1/auth/login', { email: email(), password: 'Summer2026!' }), 401, 'invalid_credentials');
    });

    it('registration is limited per client (every attempt counts): 429 too_many_registrations with Retry-After; other clients go on', async () => {
      const busy = client();
      const taken = await account(busy);
      expectProblem(await from(busy, '/v1/auth/register', { email: taken, password: 'correct horse' }), 409, 'email_taken');
      expect((await from(busy, '/v1/auth/register', { email: email(), password: 'correct horse' })).statusCode).toBe(201);
      const refused = await from(busy, '/v1/auth/register', { email: email(), password: 'correct horse' });
      expectProblem(refused, 429, 'too_many_registrations');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
      // Past the limit a taken address is not revealed either.
      expectProblem(await from(busy, '/v1/auth/register', { email: taken, password: 'correct horse' }), 429, 'too_many_registrations');
      expect((await from(client(), '/v1/auth/register', { email: email(), password: 'correct horse' })).statusCode).toBe(201);
    });
  });
}

describe('auth over HTTP [embedded]', () => authSuite('embedded'));
describeWithService('postgres', 'auth over HTTP (services)', () => authSuite('services'));
