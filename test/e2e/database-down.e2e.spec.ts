import { randomBytes } from 'node:crypto';
import { OpsServer } from '@app/api';
import { createScratchDatabase, type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * PostgreSQL unreachable: requests that need it answer 503 problem+json with Retry-After (never
 * 500), cached reads still answer, readiness says so, and everything recovers when it is back.
 */
describeWithService('postgres', 'when PostgreSQL is unreachable (services)', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let drop: () => Promise<void>;
  let token: string;

  beforeAll(async () => {
    const db = await createScratchDatabase();
    drop = db.drop;
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    t = await startTestApp('services', { ROLE: 'api', DATABASE_URL: viaProxy.toString(), JWT_SECRET: randomBytes(32).toString('base64url') });
    const post = (url: string, body: unknown) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    await post('/v1/auth/register', { email: 'pgdown@example.com', password: 'long enough' });
    token = (await post('/v1/auth/login', { email: 'pgdown@example.com', password: 'long enough' })).json().accessToken;
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await drop?.();
  });

  const as = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      payload: body ? JSON.stringify(body) : undefined,
    });

  it('answers 503 with Retry-After for what needs the database, serves cached reads, and recovers', async () => {
    const created = await as('POST', '/v1/tasks', { title: 'before the outage' });
    expect(created.statusCode).toBe(201);
    const cachedList = await as('GET', '/v1/tasks');
    expect(cachedList.statusCode).toBe(200);

    await proxy.cut();
    for (const res of [
      await as('GET', '/v1/me'),
      await as('POST', '/v1/tasks', { title: 'during the outage' }),
      await as('PATCH', `/v1/tasks/${created.json().id}`, { title: 'renamed' }),
      await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'pgdown@example.com', password: 'long enough' }) }),
    ]) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().code).toBe('dependency_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // A cached read holds no connection, so it still answers.
    const duringOutage = await as('GET', '/v1/tasks');
    expect(duringOutage.statusCode).toBe(200);
    expect(duringOutage.body).toBe(cachedList.body);
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    // Which dependency is down: on the operations port only (the public answer is {status}).
    const detailed = await t.app.get(OpsServer).inject({ method: 'GET', url: '/health/ready' });
    expect(detailed.json().checks['database (postgresql)'].status).toBe('down');

    await proxy.restore();
    let after = await as('POST', '/v1/tasks', { title: 'after the outage' });
    for (let i = 0; i < 20 && after.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await as('POST', '/v1/tasks', { title: 'after the outage' });
    }
    expect(after.statusCode).toBe(201);
    const titles = (await as('GET', '/v1/tasks')).json().items.map((x: { title: string }) => x.title);
    expect(titles).toEqual(['before the outage', 'after the outage']);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  }, 60_000);
});
