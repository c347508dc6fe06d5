import { Database } from '@ln/kernel/adapters/persistence/database';
import type { Pool } from 'pg';
import { describeWithService } from '../support/services';
import { type TestApp, startTestApp } from '../support/app';

/**
 * The original's key read-path decision: the cache is consulted before a database connection is
 * taken, so a hit holds none. Counted at the source: the pg pool's checkouts.
 */
describeWithService('redis', 'cached reads hold no database connection (services)', () => {
  let t: TestApp;
  let token: string;
  let taskId: string;
  let checkouts = 0;

  beforeAll(async () => {
    // ROLE=api: no outbox relay polling the pool in the background, so every checkout counted is a read's.
    t = await startTestApp('services', { ROLE: 'api' });
    const pool = (t.app.get(Database).dataSource.driver as unknown as { master: Pool }).master;
    pool.on('acquire', () => {
      checkouts += 1;
    });
    const json = (url: string, body: unknown, auth?: string) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, payload: JSON.stringify(body) });
    await json('/v1/auth/register', { email: 'cache@example.com', password: 'long enough' });
    token = (await json('/v1/auth/login', { email: 'cache@example.com', password: 'long enough' })).json().accessToken;
    for (let i = 0; i < 20; i++) {
      const res = await json('/v1/tasks', { title: `task ${i}`, tags: ['bench'] }, token);
      taskId = res.json().id;
    }
  });
  afterAll(() => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it.each(['/v1/tasks?limit=50', '/v1/tasks?tag=bench&sort=-createdAt', 'one task'])('%s: the first read fills the cache, the next 50 take no connection', async (route) => {
    const url = route === 'one task' ? `/v1/tasks/${taskId}` : route;
    const first = await get(url);
    expect(first.statusCode).toBe(200);
    const before = checkouts;
    for (let i = 0; i < 50; i++) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(first.body);
    }
    expect(checkouts - before).toBe(0);
  });

  it('a write invalidates: the next read goes to the database once, then hits again', async () => {
    const url = '/v1/tasks?limit=50';
    await get(url);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/tasks/${taskId}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ title: 'renamed' }),
    });
    expect(patched.statusCode).toBe(200);
    const before = checkouts;
    const fresh = await get(url);
    expect(fresh.json().items.find((x: { id: string }) => x.id === taskId).title).toBe('renamed');
    const afterMiss = checkouts;
    expect(afterMiss - before).toBeGreaterThan(0);
    await get(url);
    await get(url);
    expect(checkouts).toBe(afterMiss);
  });

  it('concurrent misses of one hot key refill it once (single flight)', async () => {
    // Invalidate with a write, then fire 40 reads of the same query at once.
    await t.app.inject({
      method: 'POST',
      url: '/v1/tasks',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ title: 'one more' }),
    });
    const before = checkouts;
    const results = await Promise.all(Array.from({ length: 40 }, () => get('/v1/tasks?limit=200&sort=-createdAt')));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body)).size).toBe(1);
    expect(checkouts - before).toBe(1);
  });
});
