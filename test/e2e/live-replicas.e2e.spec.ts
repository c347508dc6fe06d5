import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createScratchDatabase, deleteCommandQueues, deleteEventTopology, deleteRedisKeys } from '../support/app';
import { freePort } from '../support/free-port';
import { servicesEnv, startServer, stopServer } from '../support/server-process';
import { describeWithService } from '../support/services';
import { type SseStream, openStream } from '../support/sse-client';

/**
 * Live events across replicas, on real processes: two api processes and a worker on loopback,
 * sharing PostgreSQL, Redis and RabbitMQ. A write through one api (committed there, relayed by the
 * worker) reaches a stream open on the other, woken by the relay's NOTIFY; a client that moves to
 * the other api with Last-Event-ID gets exactly what it missed.
 */
describeWithService('rabbitmq', 'live events across api processes (services)', () => {
  const prefix = `ln.test.live.${randomBytes(4).toString('hex')}`;
  const children: ChildProcess[] = [];
  const streams: SseStream[] = [];
  let drop: () => Promise<void>;
  let apis: string[];

  beforeAll(async () => {
    const db = await createScratchDatabase();
    drop = db.drop;
    const env = servicesEnv(prefix, db.url);
    // The worker first: it migrates; the apis then find nothing to do.
    children.push(await startServer({ ...env, ROLE: 'worker', METRICS_PORT: String(await freePort()) }));
    apis = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      children.push(await startServer({ ...env, ROLE: 'api', PORT: String(port), METRICS_PORT: String(await freePort()) }));
      apis.push(`http://127.0.0.1:${port}`);
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    for (const c of children) await stopServer(c);
    await drop?.();
    await deleteCommandQueues(prefix, 4);
    await deleteEventTopology(`${prefix}.events`);
    await deleteRedisKeys(`test:${prefix}:`);
  });

  async function session(base: string): Promise<string> {
    const email = `replicas-${randomUUID()}@example.com`;
    const post = (url: string, body: unknown) => fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v1/auth/register', { email, password: 'correct horse' })).status).toBe(201);
    return ((await (await post('/v1/auth/login', { email, password: 'correct horse' })).json()) as { accessToken: string }).accessToken;
  }

  const create = async (base: string, token: string, title: string) => {
    const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ title }) });
    expect(res.status).toBe(201);
  };
  const titles = (s: SseStream) => s.events('task.created.v1').map((m) => (JSON.parse(m.data) as { payload: { title: string } }).payload.title);

  it('a write through one api reaches a stream on the other; a client that moves over with Last-Event-ID gets exactly what it missed', async () => {
    const [a, b] = apis;
    // A token from one api is good on the other (one key): the same user on both.
    const token = await session(a);
    const auth = { authorization: `Bearer ${token}` };
    const onB = await openStream(`${b}/v1/events`, auth);
    const onA = await openStream(`${a}/v1/events`, auth);
    streams.push(onB, onA);
    await create(a, token, 'written through A');
    await create(b, token, 'written through B');
    for (const s of [onA, onB]) await s.until(() => titles(s).length === 2);
    expect(titles(onB).sort()).toEqual(['written through A', 'written through B']);
    expect(onB.events('task.created.v1').map((m) => m.id)).toEqual(onA.events('task.created.v1').map((m) => m.id));
    // The client on A drops; meanwhile writes land through both; it reconnects to B.
    const last = onA.events('task.created.v1').at(-1)!.id!;
    onA.close();
    await create(b, token, 'missed 1');
    await create(a, token, 'missed 2');
    await onB.until(() => titles(onB).length === 4);
    const moved = await openStream(`${b}/v1/events`, { ...auth, 'last-event-id': last });
    streams.push(moved);
    await moved.until(() => titles(moved).length === 2);
    await create(a, token, 'after');
    await moved.until(() => titles(moved).length === 3);
    expect(titles(moved)).toEqual(['missed 1', 'missed 2', 'after']);
    expect(moved.events('reset')).toEqual([]);
  });
});
