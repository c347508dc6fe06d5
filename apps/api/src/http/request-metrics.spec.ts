import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { measureRequests } from './request-metrics';

async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('measureRequests', () => {
  let app: FastifyInstance;
  let metrics: Metrics;
  let base: string;
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;

  beforeEach(async () => {
    metrics = new Metrics();
    app = Fastify({ logger: false });
    measureRequests(app, metrics);
    app.get('/v1/tasks/:id', async () => ({ ok: true }));
    app.get('/slow', async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    release();
    await app.close();
  });

  const inFlight = async () => (await metrics.httpInFlight.get()).values[0]?.value ?? 0;

  it('observes each request under its route pattern and counts it in flight only while it runs', async () => {
    await fetch(`${base}/v1/tasks/0193a0c0-0000-7000-8000-000000000000`);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^ln_http_request_duration_seconds_count\{method="GET",route="\/v1\/tasks\/:id",status="200"\} 1$/m);
    expect(text).not.toContain('0193a0c0');

    const started = new Promise<void>((resolve) => (entered = resolve));
    const slow = fetch(`${base}/slow`);
    await started;
    expect(await inFlight()).toBe(1);
    release();
    await slow;
    await eventually('the gauge back at 0', async () => (await inFlight()) === 0);
  });

  it('a request its client abandoned leaves the in-flight count', async () => {
    const started = new Promise<void>((resolve) => (entered = resolve));
    const req = http.get(`${base}/slow`);
    req.on('error', () => undefined);
    await started;
    expect(await inFlight()).toBe(1);
    req.destroy();
    // (Counted down at onResponse instead, it would stay at 1 for good: Fastify never runs
    // onResponse for a response whose socket closed first.)
    await eventually('the abandoned request to leave the gauge', async () => (await inFlight()) === 0);
    // And it stays at 0 once the handler has answered into the closed socket (a request after it
    // has been answered by then).
    release();
    expect((await fetch(`${base}/v1/tasks/1`)).status).toBe(200);
    expect(await inFlight()).toBe(0);
  });
});
