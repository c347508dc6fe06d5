import { Database } from '@ln/kernel/adapters/persistence/database';
import { type TestApp, startTestApp } from '../support/app';

/**
 * The embedded process's PostgreSQL (PGlite) runs with the buffer pool the configuration sets
 * (ADR 19): PGlite's own 128MB is most of why the process did not fit in 300 MB.
 */
describe('embedded memory settings reach the running database', () => {
  const settings = async (t: TestApp) =>
    t.app.get(Database).run(async (m) => {
      const rows: { name: string; setting: string }[] = await m.query(
        `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('shared_buffers', 'wal_buffers', 'shared_memory_size') ORDER BY name`,
      );
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    });

  // One app at a time: typeorm-pglite keeps one PGlite per process, closed with its app.
  it('by default PGlite runs with shared_buffers 16MB (its own default is 128MB)', async () => {
    const t = await startTestApp('embedded');
    try {
      const s = await settings(t);
      expect(s.shared_buffers).toBe('16MB');
      // What follows from it: WAL buffers are 1/32 of it, and the shared memory PostgreSQL allocates is small.
      expect(s.wal_buffers).toBe('512kB');
      expect(Number.parseInt(s.shared_memory_size, 10)).toBeLessThan(64);
      // And the product works on it: a user registers, writes a task with long notes and reads it back.
      const post = (url: string, body: unknown, token?: string) =>
        t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) });
      expect((await post('/v1/auth/register', { email: 'memory@example.com', password: 'long enough password' })).statusCode).toBe(201);
      const token = (await post('/v1/auth/login', { email: 'memory@example.com', password: 'long enough password' })).json().accessToken;
      const notes = 'long notes '.padEnd(10_000, 'lorem ipsum ');
      expect((await post('/v1/tasks', { title: 'fits', notes }, token)).statusCode).toBe(201);
      const list = await t.app.inject({ method: 'GET', url: '/v1/tasks', headers: { authorization: `Bearer ${token}` } });
      expect(list.json().items.map((i: { title: string; notes: string }) => [i.title, i.notes])).toEqual([['fits', notes]]);
    } finally {
      await t.close();
    }
  });

  it('PGLITE_SHARED_BUFFERS sets it', async () => {
    const t = await startTestApp('embedded', { PGLITE_SHARED_BUFFERS: '8MB' });
    try {
      expect((await settings(t)).shared_buffers).toBe('8MB');
    } finally {
      await t.close();
    }
  });
});
