import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';

/**
 * GET /v1/insights end to end: writes go through the real write path, the outbox relay publishes
 * the events, the worker's learning projection consumes them, and the insights are read back.
 */
function insightsSuite(mode: Mode) {
  let t: TestApp;
  let app: NestFastifyApplication;
  const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

  async function user(email: string, timezone = 'Europe/Berlin'): Promise<string> {
    await app.inject({ method: 'POST', url: '/v1/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'long enough', timezone }) });
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'long enough' }) });
    return res.json().accessToken as string;
  }

  /** Writes a task and waits until it is in storage (the queued path answers 202 first). */
  async function write(token: string, method: 'POST', url: string, body: unknown): Promise<{ id: string }> {
    const res = await app.inject({ method, url, headers: auth(token), payload: JSON.stringify(body) });
    expect([200, 201, 202]).toContain(res.statusCode);
    const json = res.json() as { id: string };
    if (res.statusCode === 202) await settled(token, res.headers['command-id'] as string);
    return json;
  }

  async function settled(token: string, commandId: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const s = (await app.inject({ method: 'GET', url: `/v1/commands/${commandId}`, headers: auth(token) })).json() as { status: string };
      if (s.status !== 'accepted') return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`command ${commandId} not decided`);
  }

  async function insights(token: string, query = ''): Promise<Record<string, any>> {
    const res = await app.inject({ method: 'GET', url: `/v1/insights${query}`, headers: auth(token) });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** Polls the insights until `ok` (the projection runs after the commit, in the worker). */
  async function eventually(token: string, ok: (i: Record<string, any>) => boolean, query = ''): Promise<Record<string, any>> {
    let last: Record<string, any> = {};
    for (let i = 0; i < 200; i++) {
      last = await insights(token, query);
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`insights never matched: ${JSON.stringify(last.completion?.overall)}`);
  }

  beforeAll(async () => {
    t = await startTestApp(mode);
    app = t.app;
  }, 60_000);
  afterAll(async () => t?.close());

  it('learns from outcomes: rates with their samples, reasons, calibration, a stated pattern; reopen and delete undo', async () => {
    const token = await user(`insights-${mode}@example.com`);
    const ids: string[] = [];
    // Planted habit: long tasks fail, short ones get done.
    for (let i = 0; i < 10; i++) {
      const { id } = await write(token, 'POST', '/v1/tasks', { title: `long ${i}`, estimateMinutes: 150, scheduledFor: '2026-03-02T20:30:00Z', tags: ['deep'] });
      await write(token, 'POST', `/v1/tasks/${id}/fail`, { reason: i % 3 === 0 ? 'no_time' : 'too_big' });
      ids.push(id);
    }
    for (let i = 0; i < 12; i++) {
      const { id } = await write(token, 'POST', '/v1/tasks', { title: `short ${i}`, estimateMinutes: 15, scheduledFor: '2026-03-03' });
      await write(token, 'POST', `/v1/tasks/${id}/complete`, { actualMinutes: 30 });
    }
    const i = await eventually(token, (x) => x.completion.overall.samples === 22);
    expect(i.completion.overall).toMatchObject({ done: 12, failed: 10, samples: 22 });
    const sizes = Object.fromEntries((i.completion.bySize as any[]).map((s) => [s.key, s]));
    expect(sizes.gt120).toMatchObject({ done: 0, failed: 10, samples: 10 });
    expect(sizes.le15).toMatchObject({ done: 12, failed: 0, samples: 12 });
    // 20:30 UTC in Berlin (UTC+1 in March) is 21:30: the night part of the day.
    expect(i.completion.byHour).toEqual([expect.objectContaining({ key: '21', samples: 10, done: 0 })]);
    expect(i.failureReasons).toEqual([
      { reason: 'too_big', count: 6, share: 0.6 },
      { reason: 'no_time', count: 4, share: 0.4 },
    ]);
    // The done tasks had estimate 15 and took 30: twice as long as planned.
    expect(i.calibration.overall).toEqual({ samples: 12, ratio: 2 });
    expect(i.patterns.length).toBeGreaterThan(0);
    expect(i.patterns.map((p: any) => `${p.dimension}:${p.key}`)).toEqual(expect.arrayContaining(['size:gt120']));

    // A reopen undoes the outcome it reopens; a delete removes the task from every count.
    await write(token, 'POST', `/v1/tasks/${ids[0]}/reopen`, {});
    await eventually(token, (x) => x.completion.overall.samples === 21);
    const del = await app.inject({ method: 'DELETE', url: `/v1/tasks/${ids[1]}`, headers: { authorization: `Bearer ${token}` } });
    expect([204, 202]).toContain(del.statusCode);
    const after = await eventually(token, (x) => x.completion.overall.samples === 20);
    expect(after.completion.overall).toMatchObject({ done: 12, failed: 8 });
  }, 120_000);

  it('every open task carries a successProbability with its factors on get and list; a closed task none', async () => {
    const token = await user(`predictions-${mode}@example.com`);
    // Planted habit: long tasks fail, short ones get done.
    for (let i = 0; i < 10; i++) {
      const { id } = await write(token, 'POST', '/v1/tasks', { title: `long ${i}`, estimateMinutes: 150 });
      await write(token, 'POST', `/v1/tasks/${id}/fail`, { reason: 'too_big' });
    }
    for (let i = 0; i < 10; i++) {
      const { id } = await write(token, 'POST', '/v1/tasks', { title: `short ${i}`, estimateMinutes: 15 });
      await write(token, 'POST', `/v1/tasks/${id}/complete`, {});
    }
    const long = await write(token, 'POST', '/v1/tasks', { title: 'write the report', estimateMinutes: 180 });
    const short = await write(token, 'POST', '/v1/tasks', { title: 'send the invoice', estimateMinutes: 10 });
    // Scored after the commit (the projection, then the task context's copy): poll until both show one.
    type Shown = { id: string; status: string; successProbability: number | null; factors: { text: string; effect: string }[] };
    let items: Shown[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await app.inject({ method: 'GET', url: '/v1/tasks?status=open&limit=200', headers: auth(token) });
      items = (res.json() as { items: Shown[] }).items;
      if (items.length === 2 && items.every((x) => x.successProbability !== null)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const byId = Object.fromEntries(items.map((x) => [x.id, x]));
    expect(byId[long.id]!.successProbability).toBeLessThan(0.5);
    expect(byId[short.id]!.successProbability).toBeGreaterThan(0.5);
    expect(byId[long.id]!.factors.length).toBeGreaterThanOrEqual(1);
    expect(byId[long.id]!.factors.length).toBeLessThanOrEqual(3);
    expect(byId[long.id]!.factors[0]).toEqual({ text: expect.stringMatching(/\d+ of \d+/), effect: 'hurts' });
    // The single read agrees with the list.
    const one = await app.inject({ method: 'GET', url: `/v1/tasks/${long.id}`, headers: auth(token) });
    expect(one.json()).toMatchObject({ successProbability: byId[long.id]!.successProbability, factors: byId[long.id]!.factors });

    // Done: no prediction on a closed task.
    await write(token, 'POST', `/v1/tasks/${short.id}/complete`, {});
    const done = await app.inject({ method: 'GET', url: `/v1/tasks/${short.id}`, headers: auth(token) });
    expect(done.json()).toMatchObject({ status: 'done', successProbability: null, factors: [] });
  });

  it("another user's outcomes are never in your insights; a bad range is a 400 naming the field", async () => {
    const token = await user(`insights-other-${mode}@example.com`);
    const mine = await insights(token);
    expect(mine.completion.overall.samples).toBe(0);
    for (const [query, field] of [
      ['?from=2026-02-30', 'from'],
      ['?from=2026-13-01', 'from'],
      ['?from=2026-03-05&to=2026-03-01', 'from'],
      ['?from=2023-01-01&to=2026-01-01', 'to'],
      ['?from=0000-01-01', 'from'],
      ['?since=2026-01-01', 'since'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: `/v1/insights${query}`, headers: auth(token) });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'validation_failed', errors: expect.arrayContaining([expect.objectContaining({ field })]) });
    }
    expect((await app.inject({ method: 'GET', url: '/v1/insights' })).statusCode).toBe(401);
  }, 60_000);
}

describe('insights [embedded]', () => insightsSuite('embedded'));
describeWithService('postgres', 'insights [services, sync]', () => insightsSuite('services'));
describeWithService('postgres', 'insights [services, queued]', () => insightsSuite('queued'));
