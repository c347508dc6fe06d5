import { randomBytes, randomUUID } from 'node:crypto';
import { withoutPrediction } from '../support/task-views';
import { describeWithService } from '../support/services';
import { type Mode, type TestApp, startTestApp } from '../support/app';

/**
 * The tasks resource over HTTP, end to end: every route, every error code, the idempotency and
 * ownership rules, reads through the cache. One suite, run against the embedded product and the
 * real services.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Res {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): any;
}

interface Session {
  id: string;
  email: string;
  token: string;
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A client-made UUIDv7 (RFC 9562): 48-bit ms timestamp, version 7, variant 10. */
function uuidv7(): string {
  const b = randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function tasksSuite(mode: Mode) {
  let t: TestApp;
  /** Every 5xx any request of this suite got; the last test asserts there were none. */
  const serverErrors: string[] = [];
  let alice: Session;
  let bob: Session;

  // Opening a fresh PGlite (its initdb) takes 3-5 s on a quiet host and over 30 s on a busy one.
  beforeAll(async () => {
    t = await startTestApp(mode);
    [alice, bob] = await Promise.all([register(), register()]);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  async function call(
    method: Method,
    url: string,
    opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const existed = knownIds.has(url.split('/')[3] ?? '');
    const res = await t.app.inject({
      method,
      url,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      payload: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    if (res.statusCode >= 500) {
      const line = `${method} ${url} -> ${res.statusCode} ${res.body.slice(0, 500)}`;
      serverErrors.push(line);
      throw new Error(`server error: ${line}`);
    }
    if (mode === 'queued' && res.statusCode === 202) {
      const out = await settled(method, url, res, opts.token!, existed);
      noteIds(out);
      return stateOnly(out);
    }
    noteIds(res);
    return stateOnly(res);
  }

  /** The answer with tasks compared on their own state (test/support/task-views.ts). */
  function stateOnly(res: Res): Res {
    const json = res.json.bind(res);
    return Object.assign(Object.create(Object.getPrototypeOf(res)), res, { json: () => withoutPrediction(json()) });
  }

  /** Every task id an answer mentioned before a request was sent: a PUT to one of them replaces, to another creates. */
  const knownIds = new Set<string>();
  function noteIds(res: { headers: Res['headers']; body: string }) {
    if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return;
    const body = JSON.parse(res.body) as { id?: string; items?: { id: string }[] };
    if (typeof body?.id === 'string') knownIds.add(body.id);
    for (const item of body?.items ?? []) knownIds.add(item.id);
  }

  /**
   * The queued write path answers 202 at once; the suite asserts on the outcome, which is the same
   * in both write paths: it waits for the worker to decide the command, then reads a rejection as
   * the problem it carries and an application as the synchronous status. (What the 202 itself
   * promises is tested in queued-writes.e2e.spec.ts.)
   */
  async function settled(method: Method, url: string, res: Res, token: string, existed: boolean): Promise<Res> {
    const commandId = res.headers['command-id'] as string;
    expect(commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toMatch(/^\/v1\/tasks\/[0-9a-f-]{36}$/);
    for (let i = 0; ; i++) {
      const status = await t.app.inject({ method: 'GET', url: `/v1/commands/${commandId}`, headers: { authorization: `Bearer ${token}` } });
      expect(status.statusCode).toBe(200);
      const s = status.json();
      if (s.status === 'rejected') {
        return { ...res, statusCode: s.problem.status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(s.problem), json: () => s.problem };
      }
      if (s.status === 'applied') {
        const sync = method === 'DELETE' ? 204 : method === 'PUT' ? (existed ? 200 : 201) : method === 'POST' && url === '/v1/tasks' ? 201 : 200;
        // The synchronous answer names the resource (Location) only when it creates it.
        const headers = { ...res.headers };
        if (sync !== 201) delete headers.location;
        return { ...res, statusCode: sync, headers, json: () => JSON.parse(res.body) };
      }
      if (i > 1000) throw new Error(`command ${commandId} still ${s.status} after 10 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function register(): Promise<Session> {
    const email = `tasks-${randomUUID()}@example.com`;
    const reg = await call('POST', '/v1/auth/register', { body: { email, password: 'correct horse' } });
    expect(reg.statusCode).toBe(201);
    const login = await call('POST', '/v1/auth/login', { body: { email, password: 'correct horse' } });
    expect(login.statusCode).toBe(200);
    return { id: reg.json().id, email, token: login.json().accessToken };
  }

  const as = (s: Session) => ({
    get: (url: string, headers?: Record<string, string>) => call('GET', url, { token: s.token, headers }),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => call('POST', url, { token: s.token, body, headers }),
    put: (url: string, body: unknown, headers?: Record<string, string>) => call('PUT', url, { token: s.token, body, headers }),
    patch: (url: string, body: unknown, headers?: Record<string, string>) => call('PATCH', url, { token: s.token, body, headers }),
    del: (url: string, headers?: Record<string, string>) => call('DELETE', url, { token: s.token, headers }),
  });

  function expectProblem(res: Res, status: number, code: string | RegExp, fields?: (string | RegExp)[]) {
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, code: typeof code === 'string' ? code : expect.stringMatching(code) });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    if (fields) {
      const named = ((body.errors ?? []) as { field: string }[]).map((e) => e.field);
      for (const f of fields) expect(named).toContainEqual(typeof f === 'string' ? f : expect.stringMatching(f));
    }
    return body;
  }

  async function create(s: Session, body: Record<string, unknown>): Promise<any> {
    const res = await as(s).post('/v1/tasks', body);
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 201 });
    return res.json();
  }

  async function getTask(s: Session, id: string): Promise<Res> {
    return as(s).get(`/v1/tasks/${id}`);
  }

  async function listAll(s: Session, query = ''): Promise<any[]> {
    const res = await as(s).get(`/v1/tasks?limit=200${query ? `&${query}` : ''}`);
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().nextCursor).toBeNull();
    return res.json().items;
  }

  const ids = (items: { id: string }[]) => items.map((i) => i.id);

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/tasks', () => {
    it('creates a task: 201, Location, ETag "1", server UUIDv7 id and the defaults', async () => {
      const res = await as(alice).post('/v1/tasks', { title: 'Write the report', tags: ['Work', 'work', ' WORK ', 'home', 'Home'] });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const task = res.json();
      expect(task.id).toMatch(V7);
      expect(res.headers.location).toBe(`/v1/tasks/${task.id}`);
      expect(res.headers.etag).toBe('"1"');
      expect(task).toEqual({
        id: task.id,
        title: 'Write the report',
        notes: null,
        scheduledFor: null,
        dueAt: null,
        estimateMinutes: null,
        actualMinutes: null,
        priority: 4,
        tags: ['Work', 'home'],
        parentId: null,
        status: 'open',
        failure: null,
        deferrals: 0,
        replanOf: null,
        version: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: task.createdAt,
        closedAt: null,
      });
      // What was answered is what is stored.
      const read = await getTask(alice, task.id);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(task);
    });

    it('stores every field a client may set', async () => {
      const task = await create(alice, {
        title: 'Call the dentist',
        notes: 'ask about Tuesday',
        scheduledFor: '2026-11-27',
        dueAt: '2026-11-27T17:00:00+02:00',
        estimateMinutes: 15,
        priority: 1,
        tags: ['health'],
      });
      expect(task).toMatchObject({
        notes: 'ask about Tuesday',
        scheduledFor: '2026-11-27',
        dueAt: '2026-11-27T15:00:00.000Z',
        estimateMinutes: 15,
        priority: 1,
        tags: ['health'],
        status: 'open',
        version: 1,
      });
      const moment = await create(alice, { title: 'Standup', scheduledFor: '2026-11-27T09:30:00Z' });
      expect(moment.scheduledFor).toBe('2026-11-27T09:30:00.000Z');
    });

    it('a client-chosen UUIDv7 makes the create idempotent; a different body under that id is 409 task_id_conflict', async () => {
      const carol = await register();
      const id = uuidv7();
      const body = { id, title: 'Optimistic', tags: ['a'], priority: 2 };
      const first = await as(carol).post('/v1/tasks', body);
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ id, version: 1 });
      expect(first.headers.location).toBe(`/v1/tasks/${id}`);

      // Same body with the keys in another order: still the same create.
      const retry = await as(carol).post('/v1/tasks', { priority: 2, tags: ['a'], title: 'Optimistic', id });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers.location).toBe(`/v1/tasks/${id}`);
      expect(retry.headers.etag).toBe('"1"');
      expect(retry.json()).toEqual(first.json());
      expect(ids(await listAll(carol))).toEqual([id]);

      expectProblem(await as(carol).post('/v1/tasks', { ...body, title: 'Something else' }), 409, 'task_id_conflict');
      expect((await getTask(carol, id)).json()).toEqual(first.json());
      expect(await listAll(carol)).toHaveLength(1);
    });

    it('concurrent retries of one client-id create: all answer the same task, exactly one exists', async () => {
      const carol = await register();
      const id = uuidv7();
      const results = await Promise.all(Array.from({ length: 5 }, () => as(carol).post('/v1/tasks', { id, title: 'raced create' })));
      const outcome = (r: Res) => (r.statusCode < 300 ? r.statusCode : `${r.statusCode} ${r.body}`);
      expect(results.map(outcome)).toEqual([201, 201, 201, 201, 201]);
      for (const r of results) expect(r.json()).toMatchObject({ id, version: 1, title: 'raced create' });
      expect(ids(await listAll(carol))).toEqual([id]);

      const putId = uuidv7();
      const puts = await Promise.all(Array.from({ length: 5 }, () => as(carol).put(`/v1/tasks/${putId}`, { title: 'raced put' })));
      // A queued PUT's 202 does not say whether it creates (the worker decides): only the outcome is the same.
      if (mode === 'queued') for (const r of puts) expect([200, 201]).toContain(r.statusCode);
      else expect(puts.map(outcome).sort()).toEqual([200, 200, 200, 200, 201]);
      for (const r of puts) expect(r.json()).toMatchObject({ id: putId, version: 1 });
      expect(ids(await listAll(carol))).toEqual([id, putId]);
    });

    it('a client id that is not a UUIDv7 -> 400 naming id', async () => {
      expectProblem(await as(alice).post('/v1/tasks', { id: randomUUID(), title: 'v4 id' }), 400, 'validation_failed', ['id']);
      expectProblem(await as(alice).post('/v1/tasks', { id: 'not-a-uuid', title: 'bad id' }), 400, 'validation_failed', ['id']);
    });

    it('an unknown field -> 400 naming it', async () => {
      expectProblem(await as(alice).post('/v1/tasks', { title: 'x', colour: 'red' }), 400, 'validation_failed', ['colour']);
    });

    it.each([
      ['status', 'done'],
      ['version', 7],
      ['ownerId', randomUUID()],
      ['deferrals', 3],
      ['createdAt', '2026-01-01T00:00:00Z'],
      ['closedAt', '2026-01-01T00:00:00Z'],
      ['failure', { reason: 'other', note: null, at: '2026-01-01T00:00:00Z' }],
    ])('the server-owned field %s cannot be set -> 400 naming it', async (field, value) => {
      const carol = await register();
      expectProblem(await as(carol).post('/v1/tasks', { title: 'sneaky', [field]: value }), 400, 'validation_failed', [field]);
      expect(await listAll(carol)).toEqual([]);
    });

    it.each<[string, Record<string, unknown>, string | RegExp]>([
      ['an empty title', { title: '' }, 'title'],
      ['a blank title', { title: '   ' }, 'title'],
      ['no title', { notes: 'x' }, 'title'],
      ['a 501-char title', { title: 'x'.repeat(501) }, 'title'],
      ['10,001 chars of notes', { title: 'x', notes: 'n'.repeat(10_001) }, 'notes'],
      ['21 tags', { title: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
      ['a 51-char tag', { title: 'x', tags: ['ok', 't'.repeat(51)] }, /^tags(\.1)?$/],
      ['an empty tag', { title: 'x', tags: [''] }, /^tags(\.0)?$/],
      ['estimateMinutes 0', { title: 'x', estimateMinutes: 0 }, 'estimateMinutes'],
      ['estimateMinutes 1441', { title: 'x', estimateMinutes: 1441 }, 'estimateMinutes'],
      ['estimateMinutes 1.5', { title: 'x', estimateMinutes: 1.5 }, 'estimateMinutes'],
      ['estimateMinutes "30"', { title: 'x', estimateMinutes: '30' }, 'estimateMinutes'],
      ['priority 0', { title: 'x', priority: 0 }, 'priority'],
      ['priority 5', { title: 'x', priority: 5 }, 'priority'],
      ['dueAt without an offset', { title: 'x', dueAt: '2026-11-27T17:00:00' }, 'dueAt'],
      ['dueAt in 1999', { title: 'x', dueAt: '1999-12-31T23:00:00Z' }, 'dueAt'],
      ['dueAt that is not a date', { title: 'x', dueAt: 'tomorrow' }, 'dueAt'],
      ['scheduledFor 2026-02-30', { title: 'x', scheduledFor: '2026-02-30' }, 'scheduledFor'],
      ['scheduledFor 2026-02-30T10:00:00Z', { title: 'x', scheduledFor: '2026-02-30T10:00:00Z' }, 'scheduledFor'],
      ['scheduledFor in 2101', { title: 'x', scheduledFor: '2101-01-01' }, 'scheduledFor'],
      ['a parentId that is not a uuid', { title: 'x', parentId: 'abc' }, 'parentId'],
    ])('%s -> 400 naming the field', async (_, body, field) => {
      expectProblem(await as(alice).post('/v1/tasks', body), 400, /^(validation_failed|invalid_[a-z_]+)$/, [field]);
    });

    it('the limits themselves are accepted (500-char title, 10,000 notes, 20 tags of 50, 1 and 1440 minutes)', async () => {
      const big = await create(alice, {
        title: 'x'.repeat(500),
        notes: 'n'.repeat(10_000),
        tags: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(50, 'z')),
        estimateMinutes: 1440,
      });
      expect(big.title).toHaveLength(500);
      expect(big.tags).toHaveLength(20);
      expect((await create(alice, { title: 'tiny', estimateMinutes: 1 })).estimateMinutes).toBe(1);
    });

    it('a body over 64 KB -> 413 payload_too_large', async () => {
      expectProblem(await as(alice).post('/v1/tasks', { title: 'x', notes: 'n'.repeat(70 * 1024) }), 413, 'payload_too_large');
    });

    it("a parentId of another user's task or of no task -> 400 unknown_task_reference naming parentId", async () => {
      const bobs = await create(bob, { title: 'bob parent' });
      expectProblem(await as(alice).post('/v1/tasks', { title: 'step', parentId: bobs.id }), 400, 'unknown_task_reference', ['parentId']);
      expectProblem(await as(alice).post('/v1/tasks', { title: 'step', parentId: uuidv7() }), 400, 'unknown_task_reference', ['parentId']);
      expect((await getTask(bob, bobs.id)).json()).toEqual(bobs);
    });

    it('steps nest two deep: task -> step -> sub-step; a third level -> 400 steps_too_deep', async () => {
      const root = await create(alice, { title: 'move house' });
      const step = await create(alice, { title: 'pack', parentId: root.id });
      const sub = await create(alice, { title: 'pack the kitchen', parentId: step.id });
      expect(step.parentId).toBe(root.id);
      expect(sub.parentId).toBe(step.id);
      expectProblem(await as(alice).post('/v1/tasks', { title: 'pack the forks', parentId: sub.id }), 400, 'steps_too_deep', ['parentId']);
      expect(ids(await listAll(alice, `parentId=${sub.id}`))).toEqual([]);
    });

    it("replanOf referencing the user's failed task is stored and echoed", async () => {
      const failed = await create(alice, { title: 'write the whole thesis' });
      expect((await as(alice).post(`/v1/tasks/${failed.id}/fail`, { reason: 'too_big' })).statusCode).toBe(200);
      const replan = await create(alice, { title: 'write chapter 1', replanOf: failed.id });
      expect(replan.replanOf).toBe(failed.id);
      expect((await getTask(alice, replan.id)).json().replanOf).toBe(failed.id);
      expectProblem(await as(alice).post('/v1/tasks', { title: 'x', replanOf: uuidv7() }), 400, 'unknown_task_reference', ['replanOf']);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('GET /v1/tasks/{id}', () => {
    it('200 with the ETag equal to the quoted version, which follows every change', async () => {
      const task = await create(alice, { title: 'etag me' });
      const first = await getTask(alice, task.id);
      expect(first.statusCode).toBe(200);
      expect(first.headers.etag).toBe('"1"');
      expect(first.headers['content-type']).toMatch(/^application\/json/);
      expect((await as(alice).patch(`/v1/tasks/${task.id}`, { priority: 2 })).statusCode).toBe(200);
      const second = await getTask(alice, task.id);
      expect(second.headers.etag).toBe('"2"');
      expect(second.json()).toMatchObject({ version: 2, priority: 2 });
    });

    it('an unknown id -> 404 task_not_found; a malformed id -> 400', async () => {
      expectProblem(await getTask(alice, uuidv7()), 404, 'task_not_found');
      expectProblem(await getTask(alice, 'not-a-uuid'), 400, 'validation_failed');
      expectProblem(await getTask(alice, '123'), 400, 'validation_failed');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('PUT /v1/tasks/{id}', () => {
    it('creates with a new UUIDv7 (201 + Location), is idempotent, replaces on change', async () => {
      const id = uuidv7();
      // Values the server normalises (offset, tag duplicates): replaying them must still be a no-op.
      const body = {
        title: 'put me',
        notes: 'first notes',
        tags: ['x', 'X', 'y'],
        priority: 2,
        estimateMinutes: 20,
        scheduledFor: '2026-06-01T09:00:00+02:00',
        dueAt: '2026-06-02T18:00:00-05:00',
      };
      const created = await as(alice).put(`/v1/tasks/${id}`, body);
      expect(created.statusCode).toBe(201);
      expect(created.headers.location).toBe(`/v1/tasks/${id}`);
      expect(created.headers.etag).toBe('"1"');
      expect(created.json()).toMatchObject({
        id,
        title: 'put me',
        notes: 'first notes',
        tags: ['x', 'y'],
        priority: 2,
        scheduledFor: '2026-06-01T07:00:00.000Z',
        dueAt: '2026-06-02T23:00:00.000Z',
        version: 1,
        status: 'open',
      });

      const again = await as(alice).put(`/v1/tasks/${id}`, body);
      expect(again.statusCode).toBe(200);
      expect(again.headers.location).toBeUndefined();
      expect(again.headers.etag).toBe('"1"');
      expect(again.json()).toEqual(created.json());
      expect((await getTask(alice, id)).json().version).toBe(1);

      const changed = await as(alice).put(`/v1/tasks/${id}`, { ...body, title: 'put me, changed' });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).toBe('"2"');
      expect(changed.json()).toMatchObject({ title: 'put me, changed', notes: 'first notes', version: 2 });

      // Whatever a replacement leaves out is reset.
      const bare = await as(alice).put(`/v1/tasks/${id}`, { title: 'put me, changed' });
      expect(bare.statusCode).toBe(200);
      expect(bare.json()).toMatchObject({ notes: null, tags: [], priority: 4, estimateMinutes: null, scheduledFor: null, dueAt: null, version: 3 });
      expect((await getTask(alice, id)).json()).toEqual(bare.json());
    });

    it('If-Match: the current version works, a stale one -> 412 version_mismatch', async () => {
      const task = await create(alice, { title: 'conditional put' });
      expectProblem(await as(alice).put(`/v1/tasks/${task.id}`, { title: 'stale' }, { 'if-match': '"7"' }), 412, 'version_mismatch');
      expect((await getTask(alice, task.id)).json()).toEqual(task);
      const ok = await as(alice).put(`/v1/tasks/${task.id}`, { title: 'fresh' }, { 'if-match': '"1"' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ title: 'fresh', version: 2 });
      expectProblem(await as(alice).put(`/v1/tasks/${task.id}`, { title: 'stale again' }, { 'if-match': '"1"' }), 412, 'version_mismatch');
    });

    it('a different parentId than the current one -> 400 parent_immutable', async () => {
      const p1 = await create(alice, { title: 'parent 1' });
      const p2 = await create(alice, { title: 'parent 2' });
      const step = await create(alice, { title: 'a step', parentId: p1.id });
      expectProblem(await as(alice).put(`/v1/tasks/${step.id}`, { title: 'a step', parentId: p2.id }), 400, 'parent_immutable', ['parentId']);
      expectProblem(await as(alice).put(`/v1/tasks/${step.id}`, { title: 'a step' }), 400, 'parent_immutable', ['parentId']);
      expectProblem(await as(alice).put(`/v1/tasks/${p1.id}`, { title: 'parent 1', parentId: p2.id }), 400, 'parent_immutable', ['parentId']);
      const same = await as(alice).put(`/v1/tasks/${step.id}`, { title: 'a step', parentId: p1.id, notes: 'n' });
      expect(same.statusCode).toBe(200);
      expect(same.json()).toMatchObject({ parentId: p1.id, notes: 'n', version: 2 });
    });

    it('an id that is not a UUIDv7 -> 400; a body that breaks the rules -> 400 naming the field', async () => {
      const v4 = randomUUID();
      expectProblem(await as(alice).put(`/v1/tasks/${v4}`, { title: 'v4' }), 400, 'validation_failed');
      expectProblem(await getTask(alice, v4), 404, 'task_not_found');
      expectProblem(await as(alice).put('/v1/tasks/nope', { title: 'v4' }), 400, 'validation_failed');
      expectProblem(await as(alice).put(`/v1/tasks/${uuidv7()}`, { title: 'x', status: 'done' }), 400, 'validation_failed', ['status']);
      expectProblem(await as(alice).put(`/v1/tasks/${uuidv7()}`, { title: 'x', priority: 9 }), 400, 'validation_failed', ['priority']);
    });

    it('a bad id in the path is named `id` in errors[].field', async () => {
      const v4 = randomUUID();
      const cases: (() => Promise<Res>)[] = [
        () => as(alice).put(`/v1/tasks/${v4}`, { title: 'x' }),
        () => as(alice).get('/v1/tasks/not-a-uuid'),
        () => as(alice).patch('/v1/tasks/not-a-uuid', { title: 'x' }),
        () => as(alice).del('/v1/tasks/not-a-uuid'),
        () => as(alice).post('/v1/tasks/not-a-uuid/complete'),
      ];
      for (const send of cases) expectProblem(await send(), 400, 'validation_failed', ['id']);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('PATCH /v1/tasks/{id}', () => {
    it('changes only the given fields, bumps the version and the ETag', async () => {
      const task = await create(alice, { title: 'patch me', notes: 'keep', tags: ['keep'], priority: 3, estimateMinutes: 45, scheduledFor: '2026-07-01' });
      const res = await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'patched', priority: 1 });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toEqual({ ...task, title: 'patched', priority: 1, version: 2, updatedAt: expect.stringMatching(ISO) });
      expect((await getTask(alice, task.id)).json()).toEqual(res.json());
      // null clears a nullable field, still leaving the others alone.
      const cleared = await as(alice).patch(`/v1/tasks/${task.id}`, { notes: null });
      expect(cleared.json()).toMatchObject({ title: 'patched', notes: null, tags: ['keep'], estimateMinutes: 45, version: 3 });
      // Rescheduling by an edit is a correction, not a deferral.
      const moved = await as(alice).patch(`/v1/tasks/${task.id}`, { scheduledFor: '2026-07-09' });
      expect(moved.json()).toMatchObject({ scheduledFor: '2026-07-09', deferrals: 0, version: 4 });
    });

    it('If-Match with the current ETag works, a stale one -> 412 version_mismatch, * always works', async () => {
      const task = await create(alice, { title: 'conditional patch' });
      const etag = (await getTask(alice, task.id)).headers.etag as string;
      const ok = await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'v2' }, { 'if-match': etag });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'lost update' }, { 'if-match': etag }), 412, 'version_mismatch');
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'garbage etag' }, { 'if-match': 'W/"2"' }), 412, 'version_mismatch');
      expect((await getTask(alice, task.id)).json()).toMatchObject({ title: 'v2', version: 2 });
      const star = await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'v3' }, { 'if-match': '*' });
      expect(star.statusCode).toBe(200);
      expect(star.json()).toMatchObject({ title: 'v3', version: 3 });
    });

    it('concurrent PATCHes with the same If-Match: exactly one wins, no update is lost silently', async () => {
      const task = await create(alice, { title: 'contended' });
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) => as(alice).patch(`/v1/tasks/${task.id}`, { title: `writer ${i}` }, { 'if-match': '"1"' })),
      );
      const winners = results.filter((r) => r.statusCode === 200);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) {
        // The loser's precondition no longer holds: 412 (or 409 when it lost only at commit).
        expectProblem(r, r.statusCode, /^(version_mismatch|concurrent_modification)$/);
        expect([409, 412]).toContain(r.statusCode);
      }
      expect((await getTask(alice, task.id)).json()).toMatchObject({ title: winners[0].json().title, version: 2 });
    });

    // RFC 9110: a request whose If-Match does not hold when it is applied is a 412, whether the
    // version moved before our load or between our load and our commit.
    it(
      'concurrent PATCHes with the same If-Match: every loser gets 412 version_mismatch',
      async () => {
        for (let round = 0; round < 5; round++) {
          const task = await create(alice, { title: `contended ${round}` });
          const results = await Promise.all(
            Array.from({ length: 4 }, (_, i) => as(alice).patch(`/v1/tasks/${task.id}`, { title: `writer ${i}` }, { 'if-match': '"1"' })),
          );
          expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
          for (const r of results.filter((x) => x.statusCode !== 200)) expectProblem(r, 412, 'version_mismatch');
        }
      },
    );

    it('an empty body -> 400; an empty title -> 400; a forbidden field -> 400; nothing changes', async () => {
      const task = await create(alice, { title: 'no-op patch' });
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, {}), 400, 'validation_failed');
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { title: '' }), 400, 'validation_failed', ['title']);
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { status: 'done' }), 400, 'validation_failed', ['status']);
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { parentId: uuidv7() }), 400, 'validation_failed', ['parentId']);
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { dueAt: '2026-01-01' }), 400, /^(validation_failed|invalid_[a-z_]+)$/, ['dueAt']);
      expect((await getTask(alice, task.id)).json()).toEqual(task);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('DELETE /v1/tasks/{id}', () => {
    it('204; then GET 404, gone from the list, DELETE again 404, and the id is never reused', async () => {
      const task = await create(alice, { title: 'delete me' });
      expect(ids(await listAll(alice))).toContain(task.id);
      const res = await as(alice).del(`/v1/tasks/${task.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectProblem(await getTask(alice, task.id), 404, 'task_not_found');
      expect(ids(await listAll(alice))).not.toContain(task.id);
      expectProblem(await as(alice).del(`/v1/tasks/${task.id}`), 404, 'task_not_found');
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'zombie' }), 404, 'task_not_found');
      expectProblem(await as(alice).put(`/v1/tasks/${task.id}`, { title: 'zombie' }), 404, 'task_not_found');
    });

    it('a parent with steps -> 409 task_has_steps; without them it goes', async () => {
      const parent = await create(alice, { title: 'parent' });
      const step = await create(alice, { title: 'step', parentId: parent.id });
      expectProblem(await as(alice).del(`/v1/tasks/${parent.id}`), 409, 'task_has_steps');
      expect((await getTask(alice, parent.id)).statusCode).toBe(200);
      expect((await as(alice).del(`/v1/tasks/${step.id}`)).statusCode).toBe(204);
      expect((await as(alice).del(`/v1/tasks/${parent.id}`)).statusCode).toBe(204);
    });

    it('a stale If-Match -> 412 and the task stays; the current one deletes', async () => {
      const task = await create(alice, { title: 'conditional delete' });
      await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'v2' });
      expectProblem(await as(alice).del(`/v1/tasks/${task.id}`, { 'if-match': '"1"' }), 412, 'version_mismatch');
      expect((await getTask(alice, task.id)).statusCode).toBe(200);
      expect((await as(alice).del(`/v1/tasks/${task.id}`, { 'if-match': '"2"' })).statusCode).toBe(204);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('actions', () => {
    it('complete -> done with closedAt; again -> 409 task_not_open', async () => {
      const task = await create(alice, { title: 'finish me' });
      const res = await as(alice).post(`/v1/tasks/${task.id}/complete`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({ id: task.id, status: 'done', closedAt: expect.stringMatching(ISO), version: 2, failure: null });
      expect((await getTask(alice, task.id)).json()).toEqual(res.json());
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/complete`), 409, 'task_not_open');
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/fail`, { reason: 'other' }), 409, 'task_not_open');
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/drop`), 409, 'task_not_open');
    });

    it('complete {actualMinutes} keeps how long it took: answered, read back, listed; reopen clears it', async () => {
      const tag = `timed-${randomUUID().slice(0, 8)}`;
      const task = await create(alice, { title: 'timed', estimateMinutes: 30, tags: [tag] });
      expect(task.actualMinutes).toBeNull();
      const res = await as(alice).post(`/v1/tasks/${task.id}/complete`, { actualMinutes: 45 });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({ id: task.id, status: 'done', actualMinutes: 45, estimateMinutes: 30, version: 2 });
      expect((await getTask(alice, task.id)).json()).toEqual(res.json());
      expect(await listAll(alice, `tag=${tag}`)).toEqual([res.json()]);
      const reopened = await as(alice).post(`/v1/tasks/${task.id}/reopen`);
      expect(reopened.json()).toMatchObject({ status: 'open', actualMinutes: null, closedAt: null, version: 3 });
      expect((await getTask(alice, task.id)).json()).toEqual(reopened.json());
      // The limits themselves; and without a body it stays null.
      for (const minutes of [1, 1440]) {
        const limit = await create(alice, { title: `limit ${minutes}` });
        expect((await as(alice).post(`/v1/tasks/${limit.id}/complete`, { actualMinutes: minutes })).json()).toMatchObject({ status: 'done', actualMinutes: minutes });
        expect((await getTask(alice, limit.id)).json().actualMinutes).toBe(minutes);
      }
      expect((await as(alice).post(`/v1/tasks/${task.id}/complete`)).json()).toMatchObject({ status: 'done', actualMinutes: null, version: 4 });
    });

    it.each([
      ['0', 0],
      ['1441', 1441],
      ['1.5', 1.5],
      ['"30"', '30'],
      ['null', null],
      ['-5', -5],
    ])('complete {actualMinutes: %s} -> 400 validation_failed naming actualMinutes; the task stays open', async (_, actualMinutes) => {
      const task = await create(alice, { title: 'badly timed' });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/complete`, { actualMinutes }), 400, 'validation_failed', ['actualMinutes']);
      expect((await getTask(alice, task.id)).json()).toEqual(task);
    });

    it('a stale If-Match on an action -> 412, the current one works', async () => {
      const task = await create(alice, { title: 'conditional complete' });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/complete`, undefined, { 'if-match': '"5"' }), 412, 'version_mismatch');
      expect((await as(alice).post(`/v1/tasks/${task.id}/complete`, undefined, { 'if-match': '"1"' })).json().status).toBe('done');
    });

    it('a parent with an open step -> 409 task_has_open_steps; once the step is done the parent completes', async () => {
      const parent = await create(alice, { title: 'parent' });
      const step = await create(alice, { title: 'step', parentId: parent.id });
      expectProblem(await as(alice).post(`/v1/tasks/${parent.id}/complete`), 409, 'task_has_open_steps');
      expect((await getTask(alice, parent.id)).json().status).toBe('open');
      expect((await as(alice).post(`/v1/tasks/${step.id}/complete`)).statusCode).toBe(200);
      const done = await as(alice).post(`/v1/tasks/${parent.id}/complete`);
      expect(done.statusCode).toBe(200);
      expect(done.json().status).toBe('done');
    });

    it('fail {reason, note} -> failed with failure {reason, note, at}; an unknown reason -> 400 naming reason', async () => {
      const task = await create(alice, { title: 'run a marathon' });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/fail`, { reason: 'lazy' }), 400, 'validation_failed', ['reason']);
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/fail`, {}), 400, 'validation_failed', ['reason']);
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/fail`), 400, 'validation_failed');
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/fail`, { reason: 'other', note: 'n'.repeat(2001) }), 400, 'validation_failed', ['note']);
      const res = await as(alice).post(`/v1/tasks/${task.id}/fail`, { reason: 'low_energy', note: 'slept badly' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'failed',
        failure: { reason: 'low_energy', note: 'slept badly', at: expect.stringMatching(ISO) },
        closedAt: expect.stringMatching(ISO),
        version: 2,
      });
      expect((await getTask(alice, task.id)).json()).toEqual(res.json());
      const noNote = await create(alice, { title: 'no note' });
      expect((await as(alice).post(`/v1/tasks/${noNote.id}/fail`, { reason: 'forgot' })).json().failure).toEqual({ reason: 'forgot', note: null, at: expect.stringMatching(ISO) });
    });

    it('postpone moves scheduledFor later and counts a deferral; earlier -> 400 postpone_not_later; a done task -> 409', async () => {
      const task = await create(alice, { title: 'dentist', scheduledFor: '2026-05-01' });
      const res = await as(alice).post(`/v1/tasks/${task.id}/postpone`, { scheduledFor: '2026-05-03' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'open', scheduledFor: '2026-05-03', deferrals: 1, version: 2 });
      const twice = await as(alice).post(`/v1/tasks/${task.id}/postpone`, { scheduledFor: '2026-05-03T10:00:00Z' });
      expect(twice.json()).toMatchObject({ scheduledFor: '2026-05-03T10:00:00.000Z', deferrals: 2, version: 3 });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/postpone`, { scheduledFor: '2026-04-01' }), 400, 'postpone_not_later', ['scheduledFor']);
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/postpone`, { scheduledFor: '2026-02-30' }), 400, /^(validation_failed|invalid_[a-z_]+)$/, ['scheduledFor']);
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/postpone`, {}), 400, 'validation_failed', ['scheduledFor']);
      expect((await getTask(alice, task.id)).json()).toMatchObject({ deferrals: 2, version: 3 });

      const unscheduled = await create(alice, { title: 'someday' });
      expect((await as(alice).post(`/v1/tasks/${unscheduled.id}/postpone`, { scheduledFor: '2026-05-01' })).json()).toMatchObject({ scheduledFor: '2026-05-01', deferrals: 1 });

      await as(alice).post(`/v1/tasks/${unscheduled.id}/complete`);
      expectProblem(await as(alice).post(`/v1/tasks/${unscheduled.id}/postpone`, { scheduledFor: '2026-06-01' }), 409, 'task_not_open');
    });

    it('reopen: a failed task -> open with failure null; an open one -> 409; drop -> dropped; a dropped one cannot be reopened', async () => {
      const task = await create(alice, { title: 'try again' });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/reopen`), 409, 'task_cannot_be_reopened');
      await as(alice).post(`/v1/tasks/${task.id}/fail`, { reason: 'blocked', note: 'waiting on Bob' });
      const reopened = await as(alice).post(`/v1/tasks/${task.id}/reopen`);
      expect(reopened.statusCode).toBe(200);
      expect(reopened.json()).toMatchObject({ status: 'open', failure: null, closedAt: null, version: 3 });
      expect((await getTask(alice, task.id)).json()).toEqual(reopened.json());

      const done = await create(alice, { title: 'done then reopened' });
      await as(alice).post(`/v1/tasks/${done.id}/complete`);
      expect((await as(alice).post(`/v1/tasks/${done.id}/reopen`)).json()).toMatchObject({ status: 'open', closedAt: null });

      const dropped = await as(alice).post(`/v1/tasks/${task.id}/drop`);
      expect(dropped.statusCode).toBe(200);
      expect(dropped.json()).toMatchObject({ status: 'dropped', closedAt: expect.stringMatching(ISO), version: 4 });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/reopen`), 409, 'task_cannot_be_reopened');
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/drop`), 409, 'task_not_open');
      expect((await getTask(alice, task.id)).json().status).toBe('dropped');
    });

    it.each(['complete', 'reopen', 'drop'])('%s accepts no body and {}, rejects {"x":1}', async (action) => {
      const make = async () => {
        const task = await create(alice, { title: `${action} body` });
        if (action === 'reopen') await as(alice).post(`/v1/tasks/${task.id}/complete`);
        return task;
      };
      const a = await make();
      expectProblem(await as(alice).post(`/v1/tasks/${a.id}/${action}`, { x: 1 }), 400, 'validation_failed', ['x']);
      expect((await as(alice).post(`/v1/tasks/${a.id}/${action}`)).statusCode).toBe(200);
      const b = await make();
      expect((await as(alice).post(`/v1/tasks/${b.id}/${action}`, {})).statusCode).toBe(200);
    });

    it('fail and postpone reject unknown fields', async () => {
      const task = await create(alice, { title: 'strict bodies', scheduledFor: '2026-01-01' });
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/fail`, { reason: 'other', x: 1 }), 400, 'validation_failed', ['x']);
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/postpone`, { scheduledFor: '2026-02-01', x: 1 }), 400, 'validation_failed', ['x']);
      expect((await getTask(alice, task.id)).json()).toEqual(task);
    });

    it.each(['complete', 'fail', 'postpone', 'reopen', 'drop'])('%s on an unknown or malformed id -> 404 / 400', async (action) => {
      const body = action === 'fail' ? { reason: 'other' } : action === 'postpone' ? { scheduledFor: '2027-01-01' } : undefined;
      expectProblem(await as(alice).post(`/v1/tasks/${uuidv7()}/${action}`, body), 404, 'task_not_found');
      expectProblem(await as(alice).post(`/v1/tasks/not-an-id/${action}`, body), 400, 'validation_failed');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('GET /v1/tasks (filters, sorts, pagination)', () => {
    let lister: Session;
    const fx: Record<string, any> = {};

    beforeAll(async () => {
      lister = await register();
      fx.overdue = await create(lister, { title: 'overdue', scheduledFor: '2026-03-01', dueAt: '2020-01-01T00:00:00Z', tags: ['Work'] });
      fx.doneLate = await create(lister, { title: 'done late', scheduledFor: '2026-03-05', dueAt: '2020-01-02T00:00:00Z', tags: ['home'] });
      fx.future = await create(lister, { title: 'future', scheduledFor: '2026-03-10', dueAt: '2099-01-01T00:00:00Z', tags: ['WORK', 'urgent'] });
      fx.moment = await create(lister, { title: 'moment', scheduledFor: '2026-03-10T09:00:00Z' });
      fx.failed = await create(lister, { title: 'failed, unscheduled' });
      fx.step = await create(lister, { title: 'step of future', parentId: fx.future.id, scheduledFor: '2026-03-20' });
      fx.dropped = await create(lister, { title: 'dropped', scheduledFor: '2026-02-01' });
      await as(lister).post(`/v1/tasks/${fx.doneLate.id}/complete`);
      await as(lister).post(`/v1/tasks/${fx.failed.id}/fail`, { reason: 'unclear' });
      await as(lister).post(`/v1/tasks/${fx.dropped.id}/drop`);
    });

    const names = async (query: string) => (await listAll(lister, query)).map((i) => i.title as string);

    it('no filter: every task of the user, oldest first by default', async () => {
      expect(await names('')).toEqual(['overdue', 'done late', 'future', 'moment', 'failed, unscheduled', 'step of future', 'dropped']);
    });

    it('status: one, a comma list, repeated, and an invalid one -> 400', async () => {
      expect(await names('status=open')).toEqual(['overdue', 'future', 'moment', 'step of future']);
      expect(await names('status=done,failed')).toEqual(['done late', 'failed, unscheduled']);
      // Repeated is OpenAPI's default form for a query array (what Swagger UI and generated clients send).
      expect(await names('status=done&status=failed')).toEqual(['done late', 'failed, unscheduled']);
      expect(await names('status=done&status=failed,dropped')).toEqual(['done late', 'failed, unscheduled', 'dropped']);
      expectProblem(await as(lister).get('/v1/tasks?status=open&status=finished'), 400, 'validation_failed', [/^status/]);
      expectProblem(await as(lister).get(`/v1/tasks?${'status=open&'.repeat(5)}`), 400, 'validation_failed', [/^status/]);
      expect(await names('status=dropped')).toEqual(['dropped']);
      expectProblem(await as(lister).get('/v1/tasks?status=finished'), 400, 'validation_failed', [/^status/]);
      expectProblem(await as(lister).get('/v1/tasks?status=open,'), 400, 'validation_failed', [/^status/]);
    });

    it('scheduledFrom / scheduledTo: inclusive days', async () => {
      expect(await names('scheduledFrom=2026-03-05&scheduledTo=2026-03-10')).toEqual(['done late', 'future', 'moment']);
      expect(await names('scheduledFrom=2026-03-10')).toEqual(['future', 'moment', 'step of future']);
      expect(await names('scheduledTo=2026-03-01')).toEqual(['overdue', 'dropped']);
      expectProblem(await as(lister).get('/v1/tasks?scheduledFrom=2026-3-1'), 400, 'validation_failed', ['scheduledFrom']);
    });

    it('dueFrom / dueTo: inclusive instants', async () => {
      expect(await names('dueFrom=2020-01-01T00:00:00Z&dueTo=2020-01-02T00:00:00Z')).toEqual(['overdue', 'done late']);
      expect(await names('dueFrom=2020-01-01T00:00:01Z')).toEqual(['done late', 'future']);
      expectProblem(await as(lister).get('/v1/tasks?dueFrom=2020-01-01'), 400, 'validation_failed', ['dueFrom']);
    });

    it('overdue=true: open and past due (a done task with a past dueAt is not overdue)', async () => {
      expect(await names('overdue=true')).toEqual(['overdue']);
      expect(await names('overdue=false')).not.toContain('overdue');
      expectProblem(await as(lister).get('/v1/tasks?overdue=yes'), 400, 'validation_failed', ['overdue']);
    });

    it('tag: case-insensitive', async () => {
      expect(await names('tag=work')).toEqual(['overdue', 'future']);
      expect(await names('tag=URGENT')).toEqual(['future']);
      expect(await names('tag=nothing')).toEqual([]);
    });

    it('parentId=<id> and parentId=none', async () => {
      expect(await names(`parentId=${fx.future.id}`)).toEqual(['step of future']);
      expect(await names('parentId=none')).toEqual(['overdue', 'done late', 'future', 'moment', 'failed, unscheduled', 'dropped']);
      expectProblem(await as(lister).get('/v1/tasks?parentId=abc'), 400, 'validation_failed', ['parentId']);
    });

    it("scheduled days are the user's local days: a moment is found under its local date", async () => {
      const email = `tz-${randomUUID()}@example.com`;
      expect((await call('POST', '/v1/auth/register', { body: { email, password: 'correct horse', timezone: 'Pacific/Auckland' } })).statusCode).toBe(201);
      const kiwi: Session = { id: '', email, token: (await call('POST', '/v1/auth/login', { body: { email, password: 'correct horse' } })).json().accessToken };
      // 20:00 UTC on 10 March is the morning of 11 March in Auckland.
      const task = await create(kiwi, { title: 'early swim', scheduledFor: '2026-03-10T20:00:00Z' });
      expect(ids(await listAll(kiwi, 'scheduledFrom=2026-03-11&scheduledTo=2026-03-11'))).toEqual([task.id]);
      expect(await listAll(kiwi, 'scheduledTo=2026-03-10')).toEqual([]);
    });

    it('filters combine', async () => {
      expect(await names('status=open&tag=work&parentId=none&scheduledFrom=2026-03-02')).toEqual(['future']);
    });

    it('sorts: createdAt, -createdAt, scheduledFor, -scheduledFor', async () => {
      const created = await names('sort=createdAt');
      expect(created).toEqual(['overdue', 'done late', 'future', 'moment', 'failed, unscheduled', 'step of future', 'dropped']);
      expect(await names('sort=-createdAt')).toEqual([...created].reverse());
      // Whole days sort at the start of the day; unscheduled tasks come after every scheduled one.
      const scheduled = await names('sort=scheduledFor');
      expect(scheduled).toEqual(['dropped', 'overdue', 'done late', 'future', 'moment', 'step of future', 'failed, unscheduled']);
      expect(await names('sort=-scheduledFor')).toEqual([...scheduled].reverse());
      expectProblem(await as(lister).get('/v1/tasks?sort=title'), 400, 'validation_failed', ['sort']);
    });

    it('unknown query parameter, bad limits -> 400', async () => {
      expectProblem(await as(lister).get('/v1/tasks?colour=red'), 400, 'validation_failed', ['colour']);
      expectProblem(await as(lister).get('/v1/tasks?ownerId=' + alice.id), 400, 'validation_failed', ['ownerId']);
      for (const limit of ['0', '201', 'abc', '-1', '1.5']) {
        expectProblem(await as(lister).get(`/v1/tasks?limit=${limit}`), 400, 'validation_failed', ['limit']);
      }
      const one = await as(lister).get('/v1/tasks?limit=1');
      expect(one.json().items).toHaveLength(1);
      expect(one.json().nextCursor).toEqual(expect.any(String));
      expect((await as(lister).get('/v1/tasks?limit=200')).statusCode).toBe(200);
    });

    it('a cursor from another sort -> 400 invalid_cursor; a garbage cursor -> 400', async () => {
      const page = (await as(lister).get('/v1/tasks?limit=2&sort=createdAt')).json();
      expect(page.nextCursor).toEqual(expect.any(String));
      expectProblem(await as(lister).get(`/v1/tasks?limit=2&sort=-createdAt&cursor=${page.nextCursor}`), 400, 'invalid_cursor', ['cursor']);
      expectProblem(await as(lister).get(`/v1/tasks?limit=2&sort=scheduledFor&cursor=${page.nextCursor}`), 400, 'invalid_cursor', ['cursor']);
      expectProblem(await as(lister).get('/v1/tasks?cursor=garbage'), 400, 'invalid_cursor', ['cursor']);
      expectProblem(await as(lister).get('/v1/tasks?cursor=%7B%7D'), 400, 'invalid_cursor', ['cursor']);
      expectProblem(await as(lister).get(`/v1/tasks?cursor=${'A'.repeat(600)}`), 400, /^(validation_failed|invalid_cursor)$/, ['cursor']);
    });

    // A cursor is opaque but client-held: a tampered one must be refused like any other bad input.
    // Raw inject, so that a 500 here is reported by this test's own assertion, not the request helper.
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const withForgedCursor = (sort: string, c: unknown) =>
      t.app.inject({ method: 'GET', url: `/v1/tasks?sort=${sort}&cursor=${forge(c)}`, headers: { authorization: `Bearer ${lister.token}` } });

    it.each<[string, unknown[]]>([
      ['createdAt', ['createdAt', 'not-a-time', uuidv7()]],
      ['createdAt', ['createdAt', '2026-01-01T00:00:00.000000Z', 'not-a-uuid']],
      ['createdAt', ['createdAt', 12345, uuidv7()]],
      ['createdAt', ['createdAt', '2026-01-01T00:00:00.000Z']],
      ['scheduledFor', ['scheduledFor', "x' OR 1=1 --", uuidv7()]],
      ['-scheduledFor', ['-scheduledFor', '2026-01-01|', 'zzz']],
    ])('a forged cursor (sort %s, %j) -> 400 invalid_cursor, never a 500', async (sort, cursor) => {
      expectProblem(await withForgedCursor(sort, cursor), 400, 'invalid_cursor', ['cursor']);
    });

    // decodeCursor checks the key's shape with a regex only; Postgres then fails to cast an impossible
    // date such as 2026-02-30 or month 13 ("date/time field value out of range") and the request is a 500.
    it('a forged createdAt cursor with an impossible date (shape ok) -> 400 invalid_cursor', async () => {
      expectProblem(await withForgedCursor('createdAt', ['createdAt', '2026-02-30T00:00:00Z', uuidv7()]), 400, 'invalid_cursor', ['cursor']);
      expectProblem(await withForgedCursor('-createdAt', ['-createdAt', '2026-13-45T25:61:61Z', uuidv7()]), 400, 'invalid_cursor', ['cursor']);
    });
  });

  describe('cursor pagination', () => {
    it('25 tasks by 10: 10, 10, 5, nextCursor null at the end, no duplicates or gaps, in both directions', async () => {
      const pager = await register();
      for (let i = 0; i < 25; i++) await create(pager, { title: `p${String(i).padStart(2, '0')}`, scheduledFor: `2026-01-${String(25 - i).padStart(2, '0')}` });
      const reference = await listAll(pager);
      expect(reference.map((x) => x.title)).toEqual(Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`));
      for (const sort of ['createdAt', '-createdAt', 'scheduledFor', '-scheduledFor']) {
        const all = await listAll(pager, `sort=${sort}`);
        const sizes: number[] = [];
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: Res = await as(pager).get(`/v1/tasks?limit=10&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(res.statusCode).toBe(200);
          const page = res.json();
          sizes.push(page.items.length);
          seen.push(...ids(page.items));
          cursor = page.nextCursor;
        } while (cursor && sizes.length < 10);
        expect({ sort, sizes }).toEqual({ sort, sizes: [10, 10, 5] });
        expect(seen).toEqual(ids(all));
        expect(new Set(seen).size).toBe(25);
      }
      // scheduledFor runs backwards to creation here, so the two sorts really differ.
      expect(ids(await listAll(pager, 'sort=scheduledFor'))).toEqual(ids(reference).reverse());
    });

    it('stays correct while tasks are added and deleted between pages', async () => {
      const pager = await register();
      for (let i = 0; i < 25; i++) await create(pager, { title: `q${i}` });
      const before = ids(await listAll(pager));
      const p1 = (await as(pager).get('/v1/tasks?limit=10')).json();
      expect(ids(p1.items)).toEqual(before.slice(0, 10));

      // Between pages: one task already seen and one not yet seen go, a new one comes.
      const seenGone = before[3];
      const unseenGone = before[17];
      expect((await as(pager).del(`/v1/tasks/${seenGone}`)).statusCode).toBe(204);
      expect((await as(pager).del(`/v1/tasks/${unseenGone}`)).statusCode).toBe(204);
      const added = await create(pager, { title: 'added between pages' });

      const p2 = (await as(pager).get(`/v1/tasks?limit=10&cursor=${p1.nextCursor}`)).json();
      // Continues right after the last item of page 1.
      expect(ids(p2.items)).toEqual(before.slice(10, 21).filter((id) => id !== unseenGone));
      const p3 = (await as(pager).get(`/v1/tasks?limit=10&cursor=${p2.nextCursor}`)).json();
      expect(p3.nextCursor).toBeNull();
      const all = [...ids(p1.items), ...ids(p2.items), ...ids(p3.items)];
      expect(new Set(all).size).toBe(all.length);
      const throughout = before.filter((id) => id !== seenGone && id !== unseenGone);
      for (const id of throughout) expect(all).toContain(id);
      expect(all).not.toContain(unseenGone);
      expect(ids(p3.items)).toEqual([...before.slice(21), added.id]);

      // Newest first, a new task made during paging is simply not in the remaining pages.
      const d1 = (await as(pager).get('/v1/tasks?limit=10&sort=-createdAt')).json();
      const newer = await create(pager, { title: 'newer still' });
      const d2 = (await as(pager).get(`/v1/tasks?limit=10&sort=-createdAt&cursor=${d1.nextCursor}`)).json();
      expect(ids(d2.items)).not.toContain(newer.id);
      expect(ids(d2.items)[0]).toBe(ids(await listAll(pager, 'sort=-createdAt'))[11]);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('read-your-writes through the cache', () => {
    it('20 quick write -> read cycles: every change is visible at once, in the list and in the task', async () => {
      const reader = await register();
      const live = new Map<string, any>();
      const check = async () => {
        const items = await listAll(reader);
        expect(items.map((i) => [i.id, i.version, i.title, i.status]).sort()).toEqual(
          [...live.values()].map((i) => [i.id, i.version, i.title, i.status]).sort(),
        );
      };
      for (let i = 0; i < 20; i++) {
        await check(); // the cache now holds this state
        const existing = [...live.values()];
        const kind = existing.length < 2 ? 'create' : ['create', 'edit', 'complete', 'delete'][i % 4];
        if (kind === 'create') {
          const task = await create(reader, { title: `cycle ${i}` });
          live.set(task.id, task);
        } else if (kind === 'edit') {
          const target = existing[0];
          const res = await as(reader).patch(`/v1/tasks/${target.id}`, { title: `edited in ${i}` });
          expect(res.statusCode).toBe(200);
          live.set(target.id, res.json());
        } else if (kind === 'complete' && existing.some((x) => x.status === 'open')) {
          const target = existing.find((x) => x.status === 'open')!;
          const res = await as(reader).post(`/v1/tasks/${target.id}/complete`);
          expect(res.statusCode).toBe(200);
          live.set(target.id, res.json());
        } else if (kind === 'delete') {
          const target = existing[existing.length - 1];
          expect((await as(reader).del(`/v1/tasks/${target.id}`)).statusCode).toBe(204);
          live.delete(target.id);
          expectProblem(await getTask(reader, target.id), 404, 'task_not_found');
        }
        await check();
        for (const task of live.values()) {
          const one = await getTask(reader, task.id);
          expect(one.json()).toEqual(task);
          expect(one.headers.etag).toBe(`"${task.version}"`);
        }
      }
    });

    it('a cached 404 does not outlive the create that fills the id', async () => {
      const id = uuidv7();
      expectProblem(await getTask(alice, id), 404, 'task_not_found');
      expect((await as(alice).put(`/v1/tasks/${id}`, { title: 'now it exists' })).statusCode).toBe(201);
      expect((await getTask(alice, id)).json().title).toBe('now it exists');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('Idempotency-Key', () => {
    it('same key + same body on POST /v1/tasks: the stored answer, replayed, and no second task', async () => {
      const dana = await register();
      const key = `create-${randomUUID()}`;
      const body = { title: 'idempotent', tags: ['once'] };
      const first = await as(dana).post('/v1/tasks', body, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const replay = await as(dana).post('/v1/tasks', body, { 'idempotency-key': key });
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers.location).toBe(first.headers.location);
      expect(replay.headers.etag).toBe(first.headers.etag);
      expect(replay.headers['content-type']).toMatch(/^application\/json/);
      expect(replay.body).toBe(first.body);
      expect(ids(await listAll(dana))).toEqual([first.json().id]);

      // Another body under the same key is refused; still one task.
      expectProblem(await as(dana).post('/v1/tasks', { ...body, title: 'other' }, { 'idempotency-key': key }), 422, 'idempotency_key_reused');
      expect(await listAll(dana)).toHaveLength(1);

      // Keys are per user: Bob's request with Dana's key runs as his own.
      const bobs = await as(bob).post('/v1/tasks', body, { 'idempotency-key': key });
      expect(bobs.statusCode).toBe(201);
      expect(bobs.headers['idempotent-replayed']).toBeUndefined();
      expect(bobs.json().id).not.toBe(first.json().id);
      expect((await getTask(bob, bobs.json().id)).statusCode).toBe(200);
      expect(await listAll(dana)).toHaveLength(1);
    });

    it('an invalid key -> 400 and nothing happens', async () => {
      const erin = await register();
      for (const key of ['k'.repeat(256), 'k'.repeat(300), 'has space', 'tab\tinside']) {
        const res = await as(erin).post('/v1/tasks', { title: 'bad key' }, { 'idempotency-key': key });
        expectProblem(res, 400, 'invalid_idempotency_key', ['Idempotency-Key']);
      }
      // On an action too.
      const task = await create(erin, { title: 'key on action' });
      expectProblem(await as(erin).post(`/v1/tasks/${task.id}/complete`, undefined, { 'idempotency-key': 'has space' }), 400, 'invalid_idempotency_key');
      expect((await getTask(erin, task.id)).json().status).toBe('open');
      await as(erin).del(`/v1/tasks/${task.id}`);
      expect(await listAll(erin)).toEqual([]);
    });

    it('concurrent requests with one key: one runs, the others replay or get 409 idempotency_key_in_progress; one task', async () => {
      const fred = await register();
      const key = `race-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 5 }, () => as(fred).post('/v1/tasks', { title: 'raced' }, { 'idempotency-key': key })));
      const created = results.filter((r) => r.statusCode === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.json().id)).size).toBe(1);
      expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 201)) {
        expectProblem(r, 409, 'idempotency_key_in_progress');
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(ids(await listAll(fred))).toEqual([created[0].json().id]);
      // Once settled, a retry replays.
      const later = await as(fred).post('/v1/tasks', { title: 'raced' }, { 'idempotency-key': key });
      expect(later.statusCode).toBe(201);
      expect(later.headers['idempotent-replayed']).toBe('true');
      expect(later.json().id).toBe(created[0].json().id);
    });

    it('a key whose request failed (400) is forgotten: the corrected retry under the same key runs', async () => {
      const gina = await register();
      const key = `fix-${randomUUID()}`;
      expectProblem(await as(gina).post('/v1/tasks', { title: '' }, { 'idempotency-key': key }), 400, 'validation_failed', ['title']);
      expectProblem(await as(gina).post('/v1/tasks', { title: 'x', priority: 9 }, { 'idempotency-key': key }), 400, 'validation_failed', ['priority']);
      // Refused by the use case (not the schema): forgotten as well.
      expectProblem(await as(gina).post('/v1/tasks', { title: 'x', parentId: uuidv7() }, { 'idempotency-key': key }), 400, 'unknown_task_reference');
      const ok = await as(gina).post('/v1/tasks', { title: 'fixed' }, { 'idempotency-key': key });
      expect(ok.statusCode).toBe(201);
      expect(ok.headers['idempotent-replayed']).toBeUndefined();
      expect(ok.json().title).toBe('fixed');
      const replay = await as(gina).post('/v1/tasks', { title: 'fixed' }, { 'idempotency-key': key });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(ids(await listAll(gina))).toEqual([ok.json().id]);
    });

    it('on the actions: a replay returns the stored answer instead of running again', async () => {
      const task = await create(alice, { title: 'idempotent actions' });
      const key = `complete-${randomUUID()}`;
      const first = await as(alice).post(`/v1/tasks/${task.id}/complete`, undefined, { 'idempotency-key': key });
      expect(first.statusCode).toBe(200);
      const replay = await as(alice).post(`/v1/tasks/${task.id}/complete`, undefined, { 'idempotency-key': key });
      // Without the key this would be 409 task_not_open.
      expect(replay.statusCode).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers.etag).toBe('"2"');
      expect(replay.body).toBe(first.body);
      expectProblem(await as(alice).post(`/v1/tasks/${task.id}/complete`), 409, 'task_not_open');

      // The same key on another task (another request) -> 422.
      const other = await create(alice, { title: 'other task' });
      expectProblem(await as(alice).post(`/v1/tasks/${other.id}/complete`, undefined, { 'idempotency-key': key }), 422, 'idempotency_key_reused');
      expect((await getTask(alice, other.id)).json().status).toBe('open');

      const failKey = `fail-${randomUUID()}`;
      const failed = await as(alice).post(`/v1/tasks/${other.id}/fail`, { reason: 'no_time' }, { 'idempotency-key': failKey });
      expect(failed.statusCode).toBe(200);
      const failedAgain = await as(alice).post(`/v1/tasks/${other.id}/fail`, { reason: 'no_time' }, { 'idempotency-key': failKey });
      expect(failedAgain.statusCode).toBe(200);
      expect(failedAgain.body).toBe(failed.body);
      expectProblem(await as(alice).post(`/v1/tasks/${other.id}/fail`, { reason: 'blocked' }, { 'idempotency-key': failKey }), 422, 'idempotency_key_reused');

      const postponeKey = `postpone-${randomUUID()}`;
      const p = await create(alice, { title: 'postpone once', scheduledFor: '2026-09-01' });
      const p1 = await as(alice).post(`/v1/tasks/${p.id}/postpone`, { scheduledFor: '2026-09-02' }, { 'idempotency-key': postponeKey });
      const p2 = await as(alice).post(`/v1/tasks/${p.id}/postpone`, { scheduledFor: '2026-09-02' }, { 'idempotency-key': postponeKey });
      expect([p1.statusCode, p2.statusCode]).toEqual([200, 200]);
      expect(p2.headers['idempotent-replayed']).toBe('true');
      expect((await getTask(alice, p.id)).json()).toMatchObject({ deferrals: 1, version: 2 });

      for (const action of ['reopen', 'drop'] as const) {
        const k = `${action}-${randomUUID()}`;
        const target = await create(alice, { title: action });
        if (action === 'reopen') await as(alice).post(`/v1/tasks/${target.id}/complete`);
        const a = await as(alice).post(`/v1/tasks/${target.id}/${action}`, {}, { 'idempotency-key': k });
        const b = await as(alice).post(`/v1/tasks/${target.id}/${action}`, {}, { 'idempotency-key': k });
        expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
        expect(b.headers['idempotent-replayed']).toBe('true');
        expect(b.body).toBe(a.body);
      }
    });

    it('PUT, PATCH and DELETE honour the key too: a retry replays, the key on another request is 422 and changes nothing (#12)', async () => {
      const task = await create(alice, { title: 'one' });
      const k = `edit-${randomUUID()}`;
      const first = await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'two' }, { 'idempotency-key': k });
      expect(first.statusCode).toBe(200);
      const again = await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'two' }, { 'idempotency-key': k });
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expectProblem(await as(alice).patch(`/v1/tasks/${task.id}`, { title: 'three' }, { 'idempotency-key': k }), 422, 'idempotency_key_reused');
      expect((await getTask(alice, task.id)).json()).toMatchObject({ title: 'two', version: 2 });

      const pk = `put-${randomUUID()}`;
      const put = await as(alice).put(`/v1/tasks/${task.id}`, { title: 'four' }, { 'idempotency-key': pk });
      expect(put.statusCode).toBe(200);
      expect((await as(alice).put(`/v1/tasks/${task.id}`, { title: 'four' }, { 'idempotency-key': pk })).headers['idempotent-replayed']).toBe('true');
      expectProblem(await as(alice).put(`/v1/tasks/${task.id}`, { title: 'five' }, { 'idempotency-key': pk }), 422, 'idempotency_key_reused');
      expect((await getTask(alice, task.id)).json()).toMatchObject({ title: 'four', version: 3 });

      const other = await create(alice, { title: 'keep me' });
      const dk = `delete-${randomUUID()}`;
      expect((await as(alice).del(`/v1/tasks/${task.id}`, { 'idempotency-key': dk })).statusCode).toBe(204);
      const replayed = await as(alice).del(`/v1/tasks/${task.id}`, { 'idempotency-key': dk });
      expect(replayed.statusCode).toBe(204);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expectProblem(await as(alice).del(`/v1/tasks/${other.id}`, { 'idempotency-key': dk }), 422, 'idempotency_key_reused');
      expect((await getTask(alice, other.id)).statusCode).toBe(200);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('ownership', () => {
    let mine: any;
    let step: any;

    beforeAll(async () => {
      mine = await create(alice, { title: "alice's secret", notes: 'private', tags: ['mine'], scheduledFor: '2026-08-01', dueAt: '2026-08-02T00:00:00Z' });
      step = await create(alice, { title: "alice's step", parentId: mine.id });
    });

    const bobAttempts: [string, () => Promise<Res>][] = [
      ['GET', () => as(bob).get(`/v1/tasks/${mine.id}`)],
      ['PUT', () => as(bob).put(`/v1/tasks/${mine.id}`, { title: 'taken over' })],
      ['PUT with If-Match', () => as(bob).put(`/v1/tasks/${mine.id}`, { title: 'taken over' }, { 'if-match': '"1"' })],
      ['PATCH', () => as(bob).patch(`/v1/tasks/${mine.id}`, { title: 'taken over' })],
      ['PATCH with If-Match *', () => as(bob).patch(`/v1/tasks/${mine.id}`, { title: 'taken over' }, { 'if-match': '*' })],
      ['DELETE', () => as(bob).del(`/v1/tasks/${step.id}`)],
      ['complete', () => as(bob).post(`/v1/tasks/${step.id}/complete`)],
      ['fail', () => as(bob).post(`/v1/tasks/${mine.id}/fail`, { reason: 'other' })],
      ['postpone', () => as(bob).post(`/v1/tasks/${mine.id}/postpone`, { scheduledFor: '2026-12-01' })],
      ['reopen', () => as(bob).post(`/v1/tasks/${mine.id}/reopen`)],
      ['drop', () => as(bob).post(`/v1/tasks/${mine.id}/drop`)],
      ['complete with an Idempotency-Key', () => as(bob).post(`/v1/tasks/${step.id}/complete`, {}, { 'idempotency-key': `bob-${randomUUID()}` })],
    ];

    it.each(bobAttempts.map(([name]) => [name]))("%s on another user's task -> 404 task_not_found, and it is unchanged", async (name) => {
      const attempt = bobAttempts.find(([n]) => n === name)![1];
      expectProblem(await attempt(), 404, 'task_not_found');
      expect((await getTask(alice, mine.id)).json()).toEqual(mine);
      expect((await getTask(alice, step.id)).json()).toEqual(step);
    });

    it("PUT on another user's id created nothing for the intruder", async () => {
      expectProblem(await getTask(bob, mine.id), 404, 'task_not_found');
      expect(ids(await listAll(bob))).not.toContain(mine.id);
    });

    it("another user's list never shows the task, even filtered by its parent or tag", async () => {
      const aliceIds = ids(await listAll(alice));
      expect(aliceIds).toEqual(expect.arrayContaining([mine.id, step.id]));
      const bobIds = ids(await listAll(bob));
      for (const id of aliceIds) expect(bobIds).not.toContain(id);
      expect(await listAll(bob, `parentId=${mine.id}`)).toEqual([]);
      expect(await listAll(bob, 'tag=mine')).toEqual([]);
      expect(await listAll(bob, 'overdue=true')).toEqual([]);
    });

    it("parentId / replanOf pointing at another user's task -> 400 unknown_task_reference", async () => {
      expectProblem(await as(bob).post('/v1/tasks', { title: 'x', parentId: mine.id }), 400, 'unknown_task_reference', ['parentId']);
      expectProblem(await as(bob).post('/v1/tasks', { title: 'x', replanOf: mine.id }), 400, 'unknown_task_reference', ['replanOf']);
      expectProblem(await as(bob).put(`/v1/tasks/${uuidv7()}`, { title: 'x', parentId: mine.id }), 400, 'unknown_task_reference', ['parentId']);
      expectProblem(await as(bob).put(`/v1/tasks/${uuidv7()}`, { title: 'x', replanOf: mine.id }), 400, 'unknown_task_reference', ['replanOf']);
      expect((await getTask(alice, mine.id)).json()).toEqual(mine);
    });

    it("the owner's task is untouched after every attempt", async () => {
      const now = (await getTask(alice, mine.id)).json();
      expect(now).toEqual(mine);
      expect(now.version).toBe(1);
      expect((await getTask(alice, step.id)).json()).toEqual(step);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('authentication', () => {
    const id = '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b';
    it.each<[Method, string, unknown]>([
      ['GET', '/v1/tasks', undefined],
      ['POST', '/v1/tasks', { title: 'x' }],
      ['GET', `/v1/tasks/${id}`, undefined],
      ['PUT', `/v1/tasks/${id}`, { title: 'x' }],
      ['PATCH', `/v1/tasks/${id}`, { title: 'x' }],
      ['DELETE', `/v1/tasks/${id}`, undefined],
      ['POST', `/v1/tasks/${id}/complete`, undefined],
      ['POST', `/v1/tasks/${id}/fail`, { reason: 'other' }],
      ['POST', `/v1/tasks/${id}/postpone`, { scheduledFor: '2026-01-01' }],
      ['POST', `/v1/tasks/${id}/reopen`, undefined],
      ['POST', `/v1/tasks/${id}/drop`, undefined],
    ])('%s %s without a token -> 401; with a bad one -> 401', async (method, url, body) => {
      const none = await call(method, url, { body });
      expectProblem(none, 401, 'missing_token');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expectProblem(await call(method, url, { body, headers: { authorization: 'Bearer a.b.c' } }), 401, 'invalid_token');
    });
  });

  // ---------------------------------------------------------------------------------------------
  it('no request in this suite was answered with a 5xx', () => {
    expect(serverErrors).toEqual([]);
  });
}

describe('tasks over HTTP [embedded]', () => tasksSuite('embedded'));
describeWithService('postgres', 'tasks over HTTP (services)', () => tasksSuite('services'));
describeWithService('rabbitmq', 'tasks over HTTP (services, queued writes)', () => tasksSuite('queued'));
