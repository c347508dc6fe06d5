import { Client } from 'pg';
import { type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';

/**
 * A fault of ours (not the client's, not a dependency being down): the answer is a 500
 * problem+json that says nothing of the cause (no SQL, no table, no message), carries the request
 * id the log has, and the service answers again once the fault is gone. The fault is real: the
 * tasks table renamed under the running app, in the suite's own scratch database.
 */
describeWithService('postgres', 'an unexpected error (services)', () => {
  let t: TestApp;
  let token: string;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp('services', { ROLE: 'api' });
    const post = (url: string, body: unknown) => t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    await post('/v1/auth/register', { email: 'fault@example.com', password: 'long enough' });
    token = (await post('/v1/auth/login', { email: 'fault@example.com', password: 'long enough' })).json().accessToken;
    db = new Client({ connectionString: t.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.query(`ALTER TABLE IF EXISTS tasks_elsewhere RENAME TO tasks`).catch(() => undefined);
    await db?.end();
    await t?.close();
  });

  const get = (url: string, requestId?: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) } });

  it('is a 500 internal_error problem that names no cause, with the request id, and the service recovers', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/tasks', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ title: 'kept' }) });
    expect(created.statusCode).toBe(201);

    await db.query(`ALTER TABLE tasks RENAME TO tasks_elsewhere`);
    // A filter never asked before: the read cache cannot answer it, so the query runs.
    const res = await get('/v1/tasks?tag=never-asked', 'fault-trace-1');
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('fault-trace-1');
    const body = res.json();
    expect(body).toEqual({
      type: expect.any(String),
      title: expect.any(String),
      status: 500,
      code: 'internal_error',
      detail: 'an unexpected error occurred; it has been logged',
      instance: '/v1/tasks',
      requestId: 'fault-trace-1',
    });
    for (const leak of ['tasks_elsewhere', 'relation', 'does not exist', 'SELECT', 'QueryFailedError', '42P01', 'at ']) expect(res.body).not.toContain(leak);

    await db.query(`ALTER TABLE tasks_elsewhere RENAME TO tasks`);
    const again = await get('/v1/tasks?tag=never-asked-either');
    expect(again.statusCode).toBe(200);
    expect((await get('/v1/tasks')).json().items.map((x: { title: string }) => x.title)).toEqual(['kept']);
  });
});
