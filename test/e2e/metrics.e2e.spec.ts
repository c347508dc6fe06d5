import { v7 } from 'uuid';
import { COMMAND_QUEUE, type CommandQueue } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { TaskCommandTypes } from '@ln/tasks/application/queued-writes/command-catalog';
import { OpsServer } from '@app/api';
import { EVENT_CONSUMERS } from '@app/worker';
import { EVENT_TRANSPORT, type EventTransport } from '@ln/kernel/application/ports/event-transport.port';
import { type TestApp, startTestApp } from '../support/app';
import { SERVICES, describeWithService } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

/** The worker's subscriptions without an LLM configured (coach.wording subscribes only with one). */
const SUBSCRIPTIONS = EVENT_CONSUMERS.filter((name) => name !== 'coach.wording');
/** The subscriptions an `ln_event_dead_letters` series is reported for, with its value. */
const deadLetterSeries = (text: string) =>
  Object.fromEntries([...text.matchAll(/^ln_event_dead_letters\{subscription="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])]));

const value = (text: string, series: RegExp) => Number(text.split('\n').find((l) => series.test(l))?.split(' ').pop() ?? NaN);

/** Prometheus metrics of the api and of the worker role, both in one embedded process, on the operations port (METRICS_PORT). */
describe('GET /metrics [embedded]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t?.close());

  const scrape = async () => {
    const res = await t.app.get(OpsServer).inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  };

  it('counts requests by route pattern, commands by outcome, and reports the outbox backlog', async () => {
    const post = (url: string, body: unknown, token?: string) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) });
    const user = (await post('/v1/auth/register', { email: 'metrics@example.com', password: 'long enough' })).json();
    const token = (await post('/v1/auth/login', { email: 'metrics@example.com', password: 'long enough' })).json().accessToken;
    const created = (await post('/v1/tasks', { title: 'measured' }, token)).json();
    await t.app.inject({ method: 'GET', url: `/v1/tasks/${created.id}`, headers: { authorization: `Bearer ${token}` } });

    // A queued command, as the api will send them, applied by the worker in this process.
    await t.app.get<CommandQueue>(COMMAND_QUEUE).send({
      commandId: v7(),
      userId: user.id,
      type: TaskCommandTypes.Complete,
      payload: { id: created.id },
      issuedAt: new Date().toISOString(),
    });
    let text = await scrape();
    for (let i = 0; i < 100 && !(value(text, /^ln_commands_total\{outcome="applied"\}/) >= 1); i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await scrape();
    }
    expect(value(text, /^ln_commands_total\{outcome="applied"\}/)).toBe(1);
    expect(value(text, /^ln_command_batch_size_count/)).toBeGreaterThanOrEqual(1);
    // Route patterns, never raw ids.
    expect(value(text, /^ln_http_request_duration_seconds_count\{method="GET",route="\/v1\/tasks\/:id",status="200"\}/)).toBe(1);
    expect(text).not.toContain(created.id);
    expect(text).toMatch(/^ln_outbox_pending_events \d+/m);
    expect(text).toMatch(/^ln_outbox_oldest_pending_seconds /m);
    expect(text).toMatch(/^ln_process_cpu_seconds_total /m);
    // The command queue, counted at scrape time: the applied command is no longer waiting.
    expect(value(text, /^ln_command_persistence_lag_seconds_count /)).toBe(1);
    for (let p = 0; p < 4; p++) expect(text).toMatch(new RegExp(`^ln_command_queue_depth\\{partition="${p}"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^ln_command_dead_letters 0$/m);
    expect(text).toMatch(/^ln_command_queue_stats_up 1$/m);
    // Counts are cached for a second: an earlier scrape may still show the command waiting.
    await eventually('the depth to drop to 0', async () => sum(await scrape(), /^ln_command_queue_depth\{/) === 0);
  });

  it('counts the dead-lettered events of each subscription of the worker stage', async () => {
    let text = await scrape();
    expect(deadLetterSeries(text)).toEqual(Object.fromEntries(SUBSCRIPTIONS.map((name) => [name, 0])));
    expect(text).toMatch(/^ln_event_dead_letter_stats_up 1$/m);

    // A subscription of our own on the process's transport whose handler always throws: its event is
    // dead-lettered (in memory, embedded), and counted for it alone.
    const transport = t.app.get<EventTransport>(EVENT_TRANSPORT);
    const poison = await transport.subscribe('metrics.poison', ['metrics.poison.v1'], async () => {
      throw new Error('always fails');
    });
    try {
      await transport.publish([
        {
          eventId: v7(),
          type: 'metrics.poison.v1',
          aggregateType: 'metrics',
          aggregateId: v7(),
          userId: v7(),
          version: 1,
          occurredAt: new Date().toISOString(),
          payload: {},
        },
      ]);
      await eventually('the dead letter to be counted', async () => {
        text = await scrape();
        return deadLetterSeries(text)['metrics.poison'] === 1;
      });
      expect(deadLetterSeries(text)).toEqual({ ...Object.fromEntries(SUBSCRIPTIONS.map((name) => [name, 0])), 'metrics.poison': 1 });
    } finally {
      await poison.close();
    }
  });

  it('reports cache hits and misses per query, failures by reason, the pool, requests in flight, build info and a 0.8 s bucket', async () => {
    const call = (method: 'GET' | 'POST', url: string, body?: unknown, token?: string) =>
      t.app.inject({
        method,
        url,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body ? { payload: JSON.stringify(body) } : {}),
      });
    await call('POST', '/v1/auth/register', { email: 'gauges@example.com', password: 'long enough' });
    const token = (await call('POST', '/v1/auth/login', { email: 'gauges@example.com', password: 'long enough' })).json().accessToken;
    const task = (await call('POST', '/v1/tasks', { title: 'too big to do' }, token)).json();
    const before = await scrape();
    const counted = (text: string, name: string, query: string) => value(text, new RegExp(`^${name}\\{query="${query}"\\}`)) || 0;
    // Twice the same read: the first loads (a miss), the second is served from the cache (a hit).
    for (let i = 0; i < 2; i++) expect((await call('GET', `/v1/tasks/${task.id}`, undefined, token)).statusCode).toBe(200);
    const after = await scrape();
    expect(counted(after, 'ln_read_cache_misses_total', 'task') - counted(before, 'ln_read_cache_misses_total', 'task')).toBe(1);
    expect(counted(after, 'ln_read_cache_hits_total', 'task') - counted(before, 'ln_read_cache_hits_total', 'task')).toBe(1);

    // Every reason starts at 0; a failure is counted under its reason once the worker stage saw it.
    expect(after).toMatch(/^ln_task_failures_total\{reason="no_time"\} 0$/m);
    expect((await call('POST', `/v1/tasks/${task.id}/fail`, { reason: 'too_big' }, token)).statusCode).toBe(200);
    await eventually('the failure to be counted', async () => value(await scrape(), /^ln_task_failures_total\{reason="too_big"\}/) === 1);

    // PGlite: one session behind a lock, busy or not (the scrape itself counts the outbox in it).
    expect(after).toMatch(/^ln_db_pool_connections_max 1$/m);
    expect(value(after, /^ln_db_pool_connections_in_use /) + value(after, /^ln_db_pool_connections_idle /)).toBe(1);
    expect(value(after, /^ln_db_pool_waiting /)).toBeGreaterThanOrEqual(0);
    // No request in flight between two of ours (each was answered before the next started).
    expect(after).toMatch(/^ln_http_requests_in_flight 0$/m);
    expect(after).toMatch(/^ln_build_info\{version="\d+\.\d+\.\d+[^"]*",revision="[0-9a-f]{12}",role="all",node_version="v\d+[^"]*"\} 1$/m);
    expect(after).toMatch(/^ln_http_request_duration_seconds_bucket\{le="0\.8",method="GET",route="\/v1\/tasks\/:id",status="200"\} \d+$/m);
  });
});

const sum = (text: string, series: RegExp) =>
  text
    .split('\n')
    .filter((l) => series.test(l))
    .reduce((total, l) => total + Number(l.split(' ').pop()), 0);

async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The api and the worker as separate roles on RabbitMQ: what waits is counted by both. */
describeWithService('rabbitmq', 'GET /metrics: command queue depth and persistence lag [services]', () => {
  let api: TestApp | undefined;
  let worker: TestApp | undefined;
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const scrape = async (t: TestApp) => {
    const res = await t.app.get(OpsServer).inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('counts commands published and not yet consumed per partition, then the worker applies them and observes their lag', async () => {
    api = await startTestApp('services', { ROLE: 'api', COMMAND_PARTITIONS: '3' });
    const post = (url: string, body: unknown, token?: string) =>
      api!.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) });
    const user = (await post('/v1/auth/register', { email: 'depth@example.com', password: 'long enough' })).json();
    const token = (await post('/v1/auth/login', { email: 'depth@example.com', password: 'long enough' })).json().accessToken;
    const task = (await post('/v1/tasks', { title: 'to complete' }, token)).json();

    // No worker yet: three commands wait in the user's partition.
    const queue = api.app.get<CommandQueue>(COMMAND_QUEUE);
    const issuedAt = new Date().toISOString();
    for (let i = 0; i < 3; i++) {
      await queue.send({ commandId: v7(), userId: user.id, type: TaskCommandTypes.Complete, payload: { id: task.id }, issuedAt });
    }
    let text = '';
    await eventually('the api to count 3 waiting commands', async () => {
      text = await scrape(api!);
      return sum(text, /^ln_command_queue_depth\{/) === 3;
    });
    expect(text.split('\n').filter((l) => /^ln_command_queue_depth\{partition="\d"\} /.test(l))).toHaveLength(3);
    expect(text).toMatch(/^ln_command_dead_letters 0$/m);

    // A worker process on the same database and queues, with its own metrics endpoint.
    const env = api.env;
    worker = await startTestApp('services', {
      ROLE: 'worker',
      COMMAND_PARTITIONS: '3',
      DATABASE_URL: env.DATABASE_URL,
      REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
      COMMAND_QUEUE_NAME: env.COMMAND_QUEUE_NAME,
      JWT_SECRET: env.JWT_SECRET,
    });
    await eventually('the worker to decide the 3 commands', async () => {
      text = await scrape(worker!);
      return sum(text, /^ln_command_persistence_lag_seconds_count /) === 3;
    });
    // One applied, two rejected (already done): each observed after its batch committed.
    expect(sum(text, /^ln_commands_total\{outcome="(applied|rejected)"\}/)).toBe(3);
    // PostgreSQL: pg's pool, DATABASE_POOL_SIZE (10) at most (the scrape's own outbox count may be using one).
    expect(text).toMatch(/^ln_db_pool_connections_max 10$/m);
    expect(value(text, /^ln_db_pool_connections_in_use /) + value(text, /^ln_db_pool_connections_idle /)).toBeLessThanOrEqual(10);
    expect(value(text, /^ln_db_pool_waiting /)).toBeGreaterThanOrEqual(0);
    await eventually('both roles to count an empty queue', async () => {
      const [a, w] = await Promise.all([scrape(api!), scrape(worker!)]);
      return [a, w].every((t) => sum(t, /^ln_command_queue_depth\{/) === 0 && /^ln_command_queue_stats_up 1$/m.test(t));
    });

    // Dead-lettered events, counted by RabbitMQ: by the worker for each of its subscriptions, not by
    // the api (it opens none, so it has neither the series nor their up gauge).
    const [a, w] = await Promise.all([scrape(api), scrape(worker)]);
    expect(deadLetterSeries(w)).toEqual(Object.fromEntries(SUBSCRIPTIONS.map((name) => [name, 0])));
    expect(w).toMatch(/^ln_event_dead_letter_stats_up 1$/m);
    expect(a).not.toMatch(/^ln_event_dead_letter/m);
  });
});

/**
 * What is public and what is not (issue 12): the API port answers no `/metrics` and only `{status}`
 * on `/health/ready`; the operations port (METRICS_PORT) has the metrics and each dependency's
 * state with its reason.
 */
describe('the operations port and the public probes [embedded]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t?.close());

  it('the API port has no /metrics, and its readiness says only {status}', async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(404);
    expect(metrics.json().code).toBe('route_not_found');
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect({ status: ready.statusCode, body: ready.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
  });

  it('the operations port serves the metrics and the detailed readiness, and nothing of the API', async () => {
    const ops = t.app.get(OpsServer);
    const metrics = await ops.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^ln_process_cpu_seconds_total /m);
    expect(metrics.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    const ready = await ops.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json()).toEqual({ status: 'ok', checks: { 'database (pglite)': { status: 'up' } } });
    expect((await ops.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
    for (const url of ['/v1/me', '/docs', '/v1/tasks']) {
      const res = await ops.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode, code: res.json().code }).toEqual({ url, status: 404, code: 'route_not_found' });
    }
    const post = await ops.inject({ method: 'POST', url: '/metrics' });
    expect({ status: post.statusCode, allow: post.headers.allow, code: post.json().code }).toEqual({ status: 405, allow: 'GET, HEAD', code: 'method_not_allowed' });
  });
});

describeWithService('redis', 'readiness with a dependency down: terse in public, detailed on the operations port', () => {
  let t: TestApp | undefined;
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
  });

  it('public: 503 {status: unavailable} with Retry-After and no host, port or error text; operations port: which dependency and why', async () => {
    const redis = new URL(SERVICES.redis);
    proxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    t = await startTestApp('services', { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    await proxy.cut();
    const ops = t.app.get(OpsServer);
    await eventually('redis to be reported down', async () => (await ops.inject({ method: 'GET', url: '/health/ready' })).statusCode === 503);

    const detailed = await ops.inject({ method: 'GET', url: '/health/ready' });
    expect(detailed.json()).toMatchObject({ status: 'unavailable', checks: { redis: { status: 'down', error: expect.any(String) } } });
    const pub = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect({ status: pub.statusCode, body: pub.json(), retryAfter: pub.headers['retry-after'] }).toEqual({ status: 503, body: { status: 'unavailable' }, retryAfter: '5' });
    expect(pub.body).not.toContain(String(proxy.port));
    expect(pub.body).not.toContain('redis');
  }, 60_000);
});
