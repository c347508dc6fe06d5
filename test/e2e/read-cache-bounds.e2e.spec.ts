import type { ReadCacheMemory } from '@ln/kernel/adapters/cache/read-cache-memory';
import { READ_CACHE_MEMORY } from '@ln/kernel/kernel.module';
import { describeWithService } from '../support/services';
import { type Mode, type TestApp, startTestApp } from '../support/app';

const LIMITS = { maxBytes: 1 << 20, maxBytesPerUser: 256 * 1024, maxEntryBytes: 16 * 1024 };

/**
 * The READ_CACHE_* bounds reach the running product (ADR 19): the entries the process keeps (the
 * embedded cache, or the near cache before Redis) are the ones the configuration allows.
 */
function boundsSuite(mode: Mode) {
  let t: TestApp;
  let token: string;
  let userId: string;
  let memory: ReadCacheMemory;

  beforeAll(async () => {
    t = await startTestApp(mode, {
      READ_CACHE_MAX_BYTES: String(LIMITS.maxBytes),
      READ_CACHE_MAX_BYTES_PER_USER: String(LIMITS.maxBytesPerUser),
      READ_CACHE_MAX_ENTRY_BYTES: String(LIMITS.maxEntryBytes),
    });
    memory = t.app.get<ReadCacheMemory>(READ_CACHE_MEMORY);
    const post = (url: string, body: unknown, auth?: string) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, payload: JSON.stringify(body) });
    const registered = await post('/v1/auth/register', { email: `bounds-${mode}@example.com`, password: 'long enough password' });
    userId = registered.json().id;
    token = (await post('/v1/auth/login', { email: `bounds-${mode}@example.com`, password: 'long enough password' })).json().accessToken;
    // Six tasks with 4,000-character notes: a page of all six is ~24 KB, over the 16 KB entry cap.
    for (let i = 0; i < 6; i++) expect((await post('/v1/tasks', { title: `task ${i}`, notes: `${i} `.padEnd(4_000, 'notes '), tags: ['big'] }, token)).statusCode).toBe(201);
    // The worker scores the new tasks in the background, and each score invalidates the user's
    // reads (freeing their entries): wait until it is done, so the tests see only their own reads.
    for (const deadline = Date.now() + 30_000; ; ) {
      const page = await t.app.inject({ method: 'GET', url: '/v1/tasks?limit=6', headers: { authorization: `Bearer ${token}` } });
      if ((page.json().items as { successProbability: number | null }[]).every((item) => item.successProbability !== null)) break;
      if (Date.now() > deadline) throw new Error('the new tasks were not scored within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(() => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('the configured limits are the ones the process keeps its cache entries under', () => {
    expect(memory.limits).toEqual(LIMITS);
  });

  it('a page over READ_CACHE_MAX_ENTRY_BYTES is answered in full and not kept; a smaller one is', async () => {
    const before = memory.usage(userId).entries;
    for (let i = 0; i < 2; i++) {
      const big = await get('/v1/tasks?limit=6');
      expect(big.statusCode).toBe(200);
      expect(big.json().items).toHaveLength(6);
      expect(Buffer.byteLength(big.body)).toBeGreaterThan(LIMITS.maxEntryBytes);
      expect(memory.usage(userId).entries).toBe(before);
    }
    const small = await get('/v1/tasks?limit=2');
    expect(small.statusCode).toBe(200);
    expect(small.json().items).toHaveLength(2);
    expect(memory.usage(userId).entries).toBe(before + 1);
  });

  it("one user's distinct queries never hold more than READ_CACHE_MAX_BYTES_PER_USER", async () => {
    const statuses = ['open', 'open,done', 'done,open', 'open,failed', 'failed,open', 'open,dropped', 'dropped,open', 'open,done,failed'];
    let offered = 0;
    let held = 0;
    for (const status of statuses) {
      for (const sort of ['createdAt', '-createdAt']) {
        for (const limit of [2, 3]) {
          const res = await get(`/v1/tasks?status=${status}&sort=${sort}&limit=${limit}`);
          expect(res.statusCode).toBe(200);
          // As counted in memory: 2 bytes a character.
          offered += 2 * res.body.length;
          expect(memory.usage(userId).bytes).toBeLessThanOrEqual(LIMITS.maxBytesPerUser);
          held = Math.max(held, memory.usage(userId).bytes);
        }
      }
    }
    expect(offered).toBeGreaterThan(2 * LIMITS.maxBytesPerUser);
    // Not vacuous: the share was used.
    expect(held).toBeGreaterThan(LIMITS.maxBytesPerUser / 2);
    expect(memory.usage(userId).bytes).toBeGreaterThan(LIMITS.maxBytesPerUser / 2);
    expect(memory.usage().bytes).toBeLessThanOrEqual(LIMITS.maxBytes);
  });
}

describe('read cache bounds [embedded]', () => boundsSuite('embedded'));
describeWithService('redis', 'read cache bounds (services)', () => boundsSuite('services'));
