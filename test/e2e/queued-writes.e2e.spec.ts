import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { loadConfig } from '@ln/config/config';
import { createApp } from '../../apps/server/src/bootstrap';
import { type TestApp, startTestApp } from '../support/app';
import { SERVICES, describeWithService } from '../support/services';
import { withoutPrediction } from '../support/task-views';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * What a 202 promises on the queued write path, with the api and the worker as separate apps so
 * the suite decides when commands get applied: the answer is the resource as it will be; the
 * author reads their pending writes at once (another user never does); the api refuses at once
 * what the pending state makes impossible; the worker stores exactly what was announced; a
 * refusal only the worker can see is readable on the command; a keyed retry is the same command;
 * and with the broker unreachable the answer is 503 and nothing of the write remains.
 */

interface Res {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): any;
}

function uuidv7(): string {
  const b = randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describeWithService('rabbitmq', 'queued writes: the 202, read-your-writes and the command status', () => {
  let api: TestApp;
  let worker: NestFastifyApplication | undefined;
  let alice: string;
  let bob: string;
  let carol: string;

  async function call(method: string, url: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const res = await api.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.statusCode).toBeLessThan(500);
    // Tasks compared on their own state: a prediction arrives after the write (test/support/task-views.ts).
    return { statusCode: res.statusCode, headers: res.headers, body: res.body, json: () => withoutPrediction(res.json()) };
  }

  async function register(): Promise<string> {
    const email = `queued-${randomUUID()}@example.com`;
    expect((await call('POST', '/v1/auth/register', null, { email, password: 'correct horse' })).statusCode).toBe(201);
    return (await call('POST', '/v1/auth/login', null, { email, password: 'correct horse' })).json().accessToken;
  }

  const commandOf = async (token: string, res: Res) => (await call('GET', `/v1/commands/${String(res.headers['command-id'])}`, token)).json();

  async function startWorker(): Promise<void> {
    worker = await createApp(loadConfig({ ...api.env, ROLE: 'worker' }));
    await worker.init();
  }

  async function decided(token: string, res: Res): Promise<any> {
    for (let i = 0; i < 1000; i++) {
      const s = await commandOf(token, res);
      if (s.status !== 'accepted') return s;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('command not decided within 10 s');
  }

  beforeAll(async () => {
    // The api only: nothing applies a command until the suite starts a worker.
    api = await startTestApp('queued', { ROLE: 'api' });
    [alice, bob, carol] = await Promise.all([register(), register(), register()]);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  // Written while no worker runs; checked again once one has applied them.
  const announced = new Map<string, any>();
  const accepted: { token: string; res: Res }[] = [];
  let parent: any;
  let done: any;
  const contested = uuidv7();
  let bobsClaim: Res;
  let carolsClaim: Res;

  it('answers 202 with the task as it will be, its Location and ETag, and a command id that reads accepted', async () => {
    const res = await call('POST', '/v1/tasks', alice, { title: 'Plan the trip', tags: ['Travel'], scheduledFor: '2026-12-01' });
    expect(res.statusCode).toBe(202);
    parent = res.json();
    expect(parent).toMatchObject({ title: 'Plan the trip', tags: ['Travel'], scheduledFor: '2026-12-01', status: 'open', version: 1 });
    expect(res.headers.location).toBe(`/v1/tasks/${parent.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers['command-id']).toMatch(/^[0-9a-f-]{36}$/);
    const status = await commandOf(alice, res);
    expect(status).toMatchObject({ id: res.headers['command-id'], type: 'task.create.v1', status: 'accepted', taskId: parent.id, decidedAt: null, problem: null });
    announced.set(parent.id, parent);
    accepted.push({ token: alice, res });
  });

  it('the author reads pending writes at once (task, list, ETag); another user sees nothing', async () => {
    const edit = await call('PATCH', `/v1/tasks/${parent.id}`, alice, { title: 'Plan the whole trip' }, { 'if-match': '"1"' });
    expect(edit.statusCode).toBe(202);
    expect(edit.json()).toMatchObject({ id: parent.id, title: 'Plan the whole trip', version: 2 });
    parent = edit.json();
    announced.set(parent.id, parent);
    accepted.push({ token: alice, res: edit });

    const read = await call('GET', `/v1/tasks/${parent.id}`, alice);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"2"');
    expect(read.json()).toEqual(parent);

    const other = await call('POST', '/v1/tasks', alice, { title: 'Book the flights' });
    done = (await call('POST', `/v1/tasks/${other.json().id}/complete`, alice)).json();
    expect(done).toMatchObject({ status: 'done', version: 2 });
    announced.set(done.id, done);
    accepted.push({ token: alice, res: other });

    const list = (await call('GET', '/v1/tasks?sort=createdAt', alice)).json();
    expect(list.items).toEqual([parent, done]);
    expect((await call('GET', '/v1/tasks?status=done', alice)).json().items).toEqual([done]);
    expect((await call('GET', '/v1/tasks?tag=travel', alice)).json().items).toEqual([parent]);

    expect((await call('GET', `/v1/tasks/${parent.id}`, bob)).statusCode).toBe(404);
    expect((await call('GET', '/v1/tasks', bob)).json().items).toEqual([]);
    expect((await call('PATCH', `/v1/tasks/${parent.id}`, bob, { title: 'mine now' })).statusCode).toBe(404);
  });

  it('refuses at once what the pending state makes impossible, with the synchronous problem', async () => {
    const stale = await call('PATCH', `/v1/tasks/${parent.id}`, alice, { title: 'stale' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'version_mismatch' });
    expect((await call('POST', `/v1/tasks/${done.id}/complete`, alice)).json()).toMatchObject({ status: 409, code: 'task_not_open' });

    // A pending step under a pending parent: the parent cannot be completed while the step is open.
    const step = await call('POST', '/v1/tasks', alice, { title: 'Pick dates', parentId: parent.id });
    expect(step.statusCode).toBe(202);
    expect(step.json()).toMatchObject({ parentId: parent.id, version: 1 });
    announced.set(step.json().id, step.json());
    expect((await call('POST', `/v1/tasks/${parent.id}/complete`, alice)).json()).toMatchObject({ status: 409, code: 'task_has_open_steps' });
    expect((await call('DELETE', `/v1/tasks/${parent.id}`, alice)).json()).toMatchObject({ status: 409, code: 'task_has_steps' });
    expect((await call('GET', `/v1/tasks?parentId=${parent.id}`, alice)).json().items).toEqual([step.json()]);
  });

  it('a pending delete hides the task from its author at once', async () => {
    const doomed = (await call('POST', '/v1/tasks', alice, { title: 'Cancel the hotel' })).json();
    const del = await call('DELETE', `/v1/tasks/${doomed.id}`, alice);
    expect(del.statusCode).toBe(202);
    expect(del.body).toBe('');
    expect(del.headers.location).toBe(`/v1/tasks/${doomed.id}`);
    expect((await call('GET', `/v1/tasks/${doomed.id}`, alice)).statusCode).toBe(404);
    expect((await call('GET', '/v1/tasks', alice)).json().items.map((t: any) => t.id)).not.toContain(doomed.id);
    accepted.push({ token: alice, res: del });
  });

  it('a keyed retry is the same command: same Command-Id, one effect', async () => {
    const key = { 'idempotency-key': `retry-${randomUUID()}` };
    const first = await call('PATCH', `/v1/tasks/${done.id}`, alice, { priority: 1 }, key);
    const again = await call('PATCH', `/v1/tasks/${done.id}`, alice, { priority: 1 }, key);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.headers['command-id']).toBe(first.headers['command-id']);
    expect(again.json()).toEqual(first.json());
    expect(first.json()).toMatchObject({ priority: 1, version: 3 });
    done = first.json();
    announced.set(done.id, done);
    accepted.push({ token: alice, res: first });
  });

  it('the same key on another request is 422 while its answer is stored, and a new command once it has expired: never acknowledged and dropped (#12)', async () => {
    const k = `reused-${randomUUID()}`;
    const key = { 'idempotency-key': k };
    const first = await call('PATCH', `/v1/tasks/${done.id}`, alice, { priority: 2 }, key);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ priority: 2, version: 4 });
    expect((await call('PATCH', `/v1/tasks/${done.id}`, alice, { priority: 3 }, key)).json()).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    expect((await call('PUT', `/v1/tasks/${done.id}`, alice, { title: 'other' }, key)).json()).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    expect((await call('DELETE', `/v1/tasks/${done.id}`, alice, undefined, key)).json()).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    const replay = await call('PATCH', `/v1/tasks/${done.id}`, alice, { priority: 2 }, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['command-id']).toBe(first.headers['command-id']);

    // The stored answer expires after 24 h: the same key with another body is then another command.
    const db = new Client({ connectionString: api.env.DATABASE_URL });
    await db.connect();
    try {
      expect((await db.query('DELETE FROM idempotency_keys WHERE key = $1', [k])).rowCount).toBe(1);
    } finally {
      await db.end();
    }
    const later = await call('PATCH', `/v1/tasks/${done.id}`, alice, { priority: 3 }, key);
    expect(later.statusCode).toBe(202);
    expect(later.headers['command-id']).not.toBe(first.headers['command-id']);
    expect(later.json()).toMatchObject({ priority: 3, version: 5 });
    expect((await call('GET', `/v1/tasks/${done.id}`, alice)).json()).toMatchObject({ priority: 3, version: 5 });
    done = later.json();
    announced.set(done.id, done);
    accepted.push({ token: alice, res: first }, { token: alice, res: later });
  });

  it('ids are case-insensitive and kept in lower case (a client id in capitals, a path id in capitals)', async () => {
    const id = uuidv7();
    const res = await call('POST', '/v1/tasks', alice, { id: id.toUpperCase(), title: 'Shout the id' });
    expect(res.statusCode).toBe(202);
    expect(res.json().id).toBe(id);
    expect(res.headers.location).toBe(`/v1/tasks/${id}`);
    expect((await call('GET', `/v1/tasks/${id.toUpperCase()}`, alice)).json()).toMatchObject({ id, title: 'Shout the id' });
    announced.set(id, res.json());
    accepted.push({ token: alice, res });
  });

  it('two users claim one client id while both are pending: each is told 202, the worker decides', async () => {
    bobsClaim = await call('POST', '/v1/tasks', bob, { id: contested, title: 'bob was first' });
    carolsClaim = await call('POST', '/v1/tasks', carol, { id: contested, title: 'carol too' });
    expect([bobsClaim.statusCode, carolsClaim.statusCode]).toEqual([202, 202]);
  });

  it('the worker stores exactly what the 202s announced, then reads come from storage', async () => {
    await startWorker();
    for (const { token, res } of accepted) expect(await decided(token, res)).toMatchObject({ status: 'applied', problem: null });
    for (const [id, task] of announced) {
      const read = await call('GET', `/v1/tasks/${id}`, alice);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(task);
      expect(read.headers.etag).toBe(`"${task.version}"`);
    }
    const status = await commandOf(alice, accepted[0].res);
    expect(status).toMatchObject({ status: 'applied', taskId: parent.id, acceptedAt: null, decidedAt: expect.any(String) });
  });

  it('a refusal only the worker can see is recorded on the command, with its problem', async () => {
    // Two users, two partitions: either may be applied first; the other is refused.
    const outcomes = [
      { token: bob, title: 'bob was first', status: await decided(bob, bobsClaim) },
      { token: carol, title: 'carol too', status: await decided(carol, carolsClaim) },
    ];
    const winner = outcomes.find((o) => o.status.status === 'applied')!;
    const loser = outcomes.find((o) => o !== winner)!;
    expect(winner).toBeDefined();
    expect(loser.status).toMatchObject({ status: 'rejected', taskId: contested, problem: { status: 409, code: 'task_id_conflict', title: 'Conflict' } });
    expect((await call('GET', `/v1/tasks/${contested}`, loser.token)).statusCode).toBe(404);
    expect((await call('GET', `/v1/tasks/${contested}`, winner.token)).json()).toMatchObject({ title: winner.title });
    // Status is per user, like everything else.
    expect((await call('GET', `/v1/commands/${String(carolsClaim.headers['command-id'])}`, bob)).json()).toMatchObject({ status: 404, code: 'command_not_found' });
    expect((await call('GET', `/v1/commands/${String(bobsClaim.headers['command-id'])}`, carol)).json()).toMatchObject({ status: 404, code: 'command_not_found' });
    expect((await call('GET', `/v1/commands/${randomUUID()}`, bob)).json()).toMatchObject({ status: 404, code: 'command_not_found' });
    expect((await call('GET', '/v1/commands/not-a-uuid', bob)).statusCode).toBe(400);
  });
});

describeWithService('rabbitmq', 'queued writes while RabbitMQ is unreachable', () => {
  let api: TestApp;
  let worker: NestFastifyApplication | undefined;
  let proxy: TcpProxy;
  let token: string;

  const call = (method: string, url: string, body?: unknown) =>
    api.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    const target = new URL(SERVICES.rabbitmq);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5672) });
    const viaProxy = new URL(SERVICES.rabbitmq);
    viaProxy.port = String(proxy.port);
    api = await startTestApp('queued', { ROLE: 'api', AMQP_URL: viaProxy.toString(), COMMAND_CONFIRM_TIMEOUT_MS: '500' });
    const post = (url: string, body: unknown) => api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    await post('/v1/auth/register', { email: 'mqdown@example.com', password: 'long enough' });
    token = (await post('/v1/auth/login', { email: 'mqdown@example.com', password: 'long enough' })).json().accessToken;
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await proxy?.close();
  });

  it('answers 503 command_queue_unavailable with Retry-After, and nothing of the write remains', async () => {
    const before = await call('POST', '/v1/tasks', { title: 'queued while up' });
    expect(before.statusCode).toBe(202);

    await proxy.cut();
    const lost = uuidv7();
    const res = await call('POST', '/v1/tasks', { id: lost, title: 'never promised' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json()).toMatchObject({ status: 503, code: 'command_queue_unavailable' });
    expect((await call('GET', `/v1/tasks/${lost}`)).statusCode).toBe(404);
    expect((await call('GET', '/v1/tasks')).json().items.map((t: any) => t.title)).toEqual(['queued while up']);

    await proxy.restore();
    let after = await call('POST', '/v1/tasks', { title: 'queued once it is back' });
    for (let i = 0; after.statusCode === 503 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await call('POST', '/v1/tasks', { title: 'queued once it is back' });
    }
    expect(after.statusCode).toBe(202);

    // Once a worker has drained everything, the refused write is nowhere.
    worker = await createApp(loadConfig({ ...api.env, ROLE: 'worker' }));
    await worker.init();
    for (let i = 0; i < 1000; i++) {
      const s = (await call('GET', `/v1/commands/${String(after.headers['command-id'])}`)).json();
      if (s.status === 'applied') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const titles = (await call('GET', '/v1/tasks?sort=createdAt')).json().items.map((t: any) => t.title);
    expect(titles).toEqual(['queued while up', 'queued once it is back']);
    expect((await call('GET', `/v1/tasks/${lost}`)).statusCode).toBe(404);
  });
});

describeWithService('rabbitmq', 'queued writes: a bound on one user\'s pending writes', () => {
  let api: TestApp;
  const tokens: string[] = [];

  const call = (token: string, method: string, url: string, body?: unknown) =>
    api.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    // No worker: nothing gets applied, so pending writes pile up.
    api = await startTestApp('queued', { ROLE: 'api', MAX_PENDING_WRITES_PER_USER: '3' });
    for (const who of ['heavy', 'light']) {
      const email = `${who}-${randomUUID()}@example.com`;
      const post = (url: string, body: unknown) => api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      await post('/v1/auth/register', { email, password: 'long enough' });
      tokens.push((await post('/v1/auth/login', { email, password: 'long enough' })).json().accessToken);
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  it('past the bound a user gets 429 too_many_pending_writes with Retry-After; other users are not held back', async () => {
    const [heavy, light] = tokens;
    for (let i = 0; i < 3; i++) expect((await call(heavy, 'POST', '/v1/tasks', { title: `pending ${i}` })).statusCode).toBe(202);
    const refused = await call(heavy, 'POST', '/v1/tasks', { title: 'one too many' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({ status: 429, code: 'too_many_pending_writes' });
    expect((await call(heavy, 'GET', '/v1/tasks')).json().items.map((t: any) => t.title).sort()).toEqual(['pending 0', 'pending 1', 'pending 2']);
    expect((await call(light, 'POST', '/v1/tasks', { title: 'not held back' })).statusCode).toBe(202);
  });
});

describeWithService('rabbitmq', 'queued writes while Redis is unreachable', () => {
  let api: TestApp;
  let token: string;

  beforeAll(async () => {
    // Nothing listens on port 1: every Redis command fails at once.
    api = await startTestApp('queued', { ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:1' });
    const post = (url: string, body: unknown) => api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    await post('/v1/auth/register', { email: `noredis-${randomUUID()}@example.com`, password: 'long enough' });
    const email = `noredis-${randomUUID()}@example.com`;
    await post('/v1/auth/register', { email, password: 'long enough' });
    token = (await post('/v1/auth/login', { email, password: 'long enough' })).json().accessToken;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('accepts a create (its plan needs no pending writes), refuses a write whose plan needs them with 503; reads go on', async () => {
    const as = (method: string, url: string, body?: unknown) =>
      api.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
    // The broker has it: Redis is never the only copy. Its author cannot see it until a worker applies it.
    const create = await as('POST', '/v1/tasks', { title: 'queued without the overlay' });
    expect(create.statusCode).toBe(202);
    // Planning an edit needs the user's pending writes (the task is one of them): not without them.
    const edit = await as('PATCH', `/v1/tasks/${create.json().id}`, { title: 'edited' });
    expect(edit.statusCode).toBe(503);
    expect(edit.headers['retry-after']).toBeDefined();
    expect(edit.json()).toMatchObject({ status: 503, code: 'dependency_unavailable' });
    const read = await as('GET', '/v1/tasks');
    expect(read.statusCode).toBe(200);
    expect(read.json().items).toEqual([]);
  });
});
