import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { type FakeLlmServer, startFakeLlmServer } from '../support/fake-llm-server';
import { describeWithService } from '../support/services';

/**
 * The coach end to end: a failure goes through the write path, the outbox and the worker's coach
 * stage; a plan appears; accepting it creates its steps as tasks, once.
 */
function coachSuite(mode: Mode) {
  let t: TestApp;
  let app: NestFastifyApplication;
  const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  /** For requests without a body (an empty body declared as JSON is a 400). */
  const bare = (token: string) => ({ authorization: `Bearer ${token}` });
  type Plan = Record<string, any>;

  async function user(email: string, timezone = 'Europe/Berlin'): Promise<string> {
    await app.inject({ method: 'POST', url: '/v1/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'long enough', timezone }) });
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'long enough' }) });
    return res.json().accessToken as string;
  }

  /** A write, waited for until it is in storage (the queued path answers 202 first). */
  async function write(token: string, url: string, body: unknown): Promise<{ id: string }> {
    const res = await app.inject({ method: 'POST', url, headers: auth(token), payload: JSON.stringify(body) });
    expect([200, 201, 202]).toContain(res.statusCode);
    if (res.statusCode === 202) {
      for (let i = 0; ; i++) {
        const s = (await app.inject({ method: 'GET', url: `/v1/commands/${res.headers['command-id']}`, headers: auth(token) })).json() as { status: string };
        if (s.status === 'applied') break;
        if (s.status === 'rejected' || i > 400) throw new Error(`command ${s.status}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    return res.json() as { id: string };
  }

  async function plansOf(token: string, taskId: string): Promise<Plan[]> {
    const res = await app.inject({ method: 'GET', url: `/v1/tasks/${taskId}/plans`, headers: auth(token) });
    expect(res.statusCode).toBe(200);
    return res.json().items;
  }

  async function eventually<T>(read: () => Promise<T>, ok: (x: T) => boolean): Promise<T> {
    let last!: T;
    for (let i = 0; i < 300; i++) {
      last = await read();
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never happened: ${JSON.stringify(last).slice(0, 500)}`);
  }

  beforeAll(async () => {
    t = await startTestApp(mode, { COACH_REQUESTS_PER_HOUR: '2' });
    app = t.app;
  }, 60_000);
  afterAll(async () => t?.close());

  it('a failure gets a plan grounded in your history; accepting creates its steps once, even when retried', async () => {
    const token = await user(`coach-${mode}@example.com`);
    for (let i = 0; i < 10; i++) {
      const long = await write(token, '/v1/tasks', { title: `Write chapter ${i}`, estimateMinutes: 150 });
      await write(token, `/v1/tasks/${long.id}/fail`, { reason: 'too_big' });
      const short = await write(token, '/v1/tasks', { title: `Reply to mail ${i}`, estimateMinutes: 15 });
      await write(token, `/v1/tasks/${short.id}/complete`, {});
    }
    const task = await write(token, '/v1/tasks', { title: 'Write the annual report', estimateMinutes: 180, tags: ['work'] });
    await write(token, `/v1/tasks/${task.id}/fail`, { reason: 'too_big', note: 'ran out of steam' });

    const [plan] = await eventually(() => plansOf(token, task.id), (p) => p.length > 0 && p[0].status === 'proposed');
    expect(plan).toMatchObject({ taskId: task.id, status: 'proposed', trigger: 'failed', generatedBy: 'built-in' });
    expect(plan!.diagnosis[0]).toMatchObject({ kind: 'too_big', stated: true });
    expect(plan!.steps.length).toBeGreaterThanOrEqual(2);
    expect(plan!.steps.length).toBeLessThanOrEqual(8);
    expect(plan!.steps[0].estimateMinutes).toBeLessThanOrEqual(15);
    for (const s of plan!.steps) {
      expect(s.estimateMinutes).toBeLessThanOrEqual(plan!.reliableMinutes);
      expect(s.successProbability).toBeGreaterThanOrEqual(0);
      expect(Date.parse(s.scheduledFor)).toBeGreaterThan(Date.now());
    }
    expect(plan!.successProbability.plan).toBeGreaterThan(plan!.successProbability.original);

    const first = await app.inject({ method: 'POST', url: `/v1/plans/${plan!.id}/accept`, headers: bare(token) });
    expect(first.statusCode).toBe(200);
    expect(first.json().status).toBe('accepted');
    const again = await app.inject({ method: 'POST', url: `/v1/plans/${plan!.id}/accept`, headers: bare(token) });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());

    const steps = (await app.inject({ method: 'GET', url: `/v1/tasks?parentId=${task.id}&limit=200`, headers: auth(token) })).json().items as any[];
    expect(steps.map((s) => s.id).sort()).toEqual(plan!.steps.map((s: any) => s.taskId).sort());
    for (const s of steps) expect(s).toMatchObject({ replanOf: task.id, parentId: task.id, status: 'open', tags: ['work'] });
    expect(steps.find((s) => s.id === plan!.steps[0].taskId)).toMatchObject({ title: plan!.steps[0].title, estimateMinutes: plan!.steps[0].estimateMinutes });

    // A new plan on request: pending at once, made by the worker; the accepted one stays accepted.
    const asked = await app.inject({ method: 'POST', url: `/v1/tasks/${task.id}/plans`, headers: bare(token) });
    expect(asked.statusCode).toBe(202);
    expect(asked.json()).toMatchObject({ status: 'pending', trigger: 'requested' });
    expect(asked.headers.location).toBe(`/v1/plans/${asked.json().id}`);
    const made = await eventually(async () => (await app.inject({ method: 'GET', url: asked.headers.location as string, headers: auth(token) })).json(), (p) => p.status === 'proposed');
    expect(made.steps.length).toBeGreaterThan(0);
    expect((await plansOf(token, task.id)).map((p) => p.status)).toEqual(['proposed', 'accepted']);

    const rejected = await app.inject({ method: 'POST', url: `/v1/plans/${made.id}/reject`, headers: auth(token), payload: JSON.stringify({ feedback: 'not this week' }) });
    expect(rejected.json()).toMatchObject({ status: 'rejected', feedback: 'not this week' });
    const late = await app.inject({ method: 'POST', url: `/v1/plans/${made.id}/accept`, headers: bare(token) });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'plan_not_open' });

    // Asking is rate-limited per user (2 an hour in this suite).
    expect((await app.inject({ method: 'POST', url: `/v1/tasks/${task.id}/plans`, headers: bare(token) })).statusCode).toBe(202);
    const limited = await app.inject({ method: 'POST', url: `/v1/tasks/${task.id}/plans`, headers: bare(token) });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'too_many_plan_requests' });
    expect(limited.headers['retry-after']).toBeDefined();

    // Nobody else reaches any of it.
    const other = await user(`coach-other-${mode}@example.com`);
    for (const [method, url] of [
      ['GET', `/v1/plans/${plan!.id}`],
      ['POST', `/v1/plans/${plan!.id}/accept`],
      ['POST', `/v1/plans/${made.id}/reject`],
      ['GET', `/v1/tasks/${task.id}/plans`],
      ['POST', `/v1/tasks/${task.id}/plans`],
    ] as const) {
      const res = await app.inject({ method, url, headers: bare(other) });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('a third postponement gets a plan; a new one supersedes it', async () => {
    const token = await user(`coach-postponed-${mode}@example.com`);
    const task = await write(token, '/v1/tasks', { title: 'Clean the garage', scheduledFor: '2027-01-04' });
    for (const day of ['2027-01-05', '2027-01-06']) await write(token, `/v1/tasks/${task.id}/postpone`, { scheduledFor: day });
    expect(await plansOf(token, task.id)).toEqual([]);
    await write(token, `/v1/tasks/${task.id}/postpone`, { scheduledFor: '2027-01-07' });
    const [plan] = await eventually(() => plansOf(token, task.id), (p) => p.length > 0 && p[0].status === 'proposed');
    expect(plan).toMatchObject({ trigger: 'postponed' });
    expect(plan!.diagnosis.map((c: any) => c.kind)).toContain('postponed');
    const asked = (await app.inject({ method: 'POST', url: `/v1/tasks/${task.id}/plans`, headers: bare(token) })).json();
    await eventually(() => plansOf(token, task.id), (p) => p[0]?.id === asked.id && p[0].status === 'proposed');
    expect((await plansOf(token, task.id)).map((p) => p.status)).toEqual(['proposed', 'superseded']);
  });

  it('plans turned down teach the coach: after two rejections their cause is trusted less, and the next diagnosis says so', async () => {
    const token = await user(`coach-rejects-${mode}@example.com`);
    const postponedThrice = async (title: string) => {
      const task = await write(token, '/v1/tasks', { title, scheduledFor: '2027-02-01' });
      for (const day of ['2027-02-02', '2027-02-03', '2027-02-04']) await write(token, `/v1/tasks/${task.id}/postpone`, { scheduledFor: day });
      const [plan] = await eventually(() => plansOf(token, task.id), (p) => p[0]?.status === 'proposed');
      return plan!;
    };
    const first = await postponedThrice('Sort the photos');
    const top = first.diagnosis[0];
    expect(top.explanation).not.toMatch(/turned down/);
    for (const plan of [first, await postponedThrice('Sort the old photos')]) {
      expect(plan.diagnosis[0].kind).toBe(top.kind);
      const rejected = await app.inject({ method: 'POST', url: `/v1/plans/${plan.id}/reject`, headers: auth(token), payload: JSON.stringify({ feedback: 'not the problem' }) });
      expect(rejected.statusCode).toBe(200);
    }
    // The learning context counts the rejections (through the outbox and the worker), then the coach reads them.
    const third = await eventually(
      async () => postponedThrice(`Sort the photos again ${Math.random()}`),
      (plan) => plan.diagnosis.some((c: any) => c.kind === top.kind && /turned down 2 of the 2 plans built on it/.test(c.explanation)),
    );
    const heeded = third.diagnosis.find((c: any) => c.kind === top.kind);
    expect(heeded.confidence).toBeLessThan(top.confidence);
  });

  it('bad ids are 400; unknown ones 404 with problem+json', async () => {
    const token = await user(`coach-bad-${mode}@example.com`);
    expect((await app.inject({ method: 'GET', url: '/v1/plans/not-a-uuid', headers: auth(token) })).statusCode).toBe(400);
    const unknown = await app.inject({ method: 'GET', url: '/v1/plans/01938a6e-0000-7000-8000-000000000000', headers: auth(token) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'plan_not_found' });
    const feedback = await app.inject({ method: 'POST', url: '/v1/plans/01938a6e-0000-7000-8000-000000000000/reject', headers: auth(token), payload: JSON.stringify({ feedback: 'x'.repeat(2001) }) });
    expect(feedback.statusCode).toBe(400);
  });
}

describe('coach [embedded]', () => coachSuite('embedded'));
describeWithService('postgres', 'coach [services, sync]', () => coachSuite('services'));
describeWithService('postgres', 'coach [services, queued]', () => coachSuite('queued'));

/** The LLM planner wired by configuration alone: LLM_BASE_URL at a fake OpenAI-compatible server. */
describe('coach with an LLM planner [embedded]', () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let app: NestFastifyApplication;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await startTestApp('embedded', { LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model', LLM_API_KEY: 'sk-e2e-secret', LLM_TIMEOUT_MS: '2000' });
    app = t.app;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** The task's plan once the LLM stage has worded it (it is proposed with the built-in wording first). */
  async function planFor(token: string, taskId: string): Promise<Record<string, any>> {
    for (let i = 0; i < 300; i++) {
      const items = (await app.inject({ method: 'GET', url: `/v1/tasks/${taskId}/plans`, headers: { authorization: `Bearer ${token}` } })).json().items;
      if (items[0]?.status === 'proposed' && items[0].generatedBy !== 'built-in') return items[0];
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no worded plan');
  }

  it("a failed task's plan is worded by the LLM; its shape is the domain's; a failing LLM falls back and says so", async () => {
    await app.inject({ method: 'POST', url: '/v1/auth/register', headers: json, payload: JSON.stringify({ email: 'coach-llm@example.com', password: 'long enough', timezone: 'Europe/Berlin' }) });
    const token = (await app.inject({ method: 'POST', url: '/v1/auth/login', headers: json, payload: JSON.stringify({ email: 'coach-llm@example.com', password: 'long enough' }) })).json().accessToken as string;
    const auth = { ...json, authorization: `Bearer ${token}` };
    const failed = async (title: string) => {
      const task = (await app.inject({ method: 'POST', url: '/v1/tasks', headers: auth, payload: JSON.stringify({ title, estimateMinutes: 120 }) })).json();
      expect((await app.inject({ method: 'POST', url: `/v1/tasks/${task.id}/fail`, headers: auth, payload: JSON.stringify({ reason: 'too_big' }) })).statusCode).toBe(200);
      return planFor(token, task.id);
    };

    const plan = await failed('Write the annual report');
    expect(plan.generatedBy).toBe('llm:fake-model');
    expect(plan.steps.length).toBeGreaterThan(1);
    plan.steps.forEach((s: any, i: number) => expect(s.title).toBe(`Fake step ${i + 1}: ${s.estimateMinutes} min`));
    expect(fake.hits()).toBe(1);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-e2e-secret');
    expect(fake.requests[0]!.data.task.title).toBe('Write the annual report');
    expect(fake.requests[0]!.data.steps.map((s: any) => s.minutes)).toEqual(plan.steps.map((s: any) => s.estimateMinutes));

    fake.behave('500');
    const fallback = await failed('Write the annual report again');
    expect(fallback.generatedBy).toBe('built-in (fallback: server error)');
    // The steps asked about (three times: two retries) are the plan's steps, worded by the templates.
    for (const r of fake.requests.slice(1)) expect(r.data.steps.map((s: any) => [s.minutes, s.draft])).toEqual(fallback.steps.map((s: any) => [s.estimateMinutes, s.title]));
    expect(fallback.steps[0].title).not.toMatch(/^Fake step/);
    expect(fake.hits()).toBe(4);
  });
});

/**
 * #11: a slow or down LLM never delays another user's plan. Every plan is proposed with the
 * built-in wording by the coach.plans stage; the LLM rewords it on its own queue (coach.wording).
 * The fake LLM holds its answers until the test releases them, so nothing here depends on timing.
 */
function slowLlmSuite(mode: Mode) {
  let fake: FakeLlmServer;
  let t: TestApp;
  let app: NestFastifyApplication;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await startTestApp(mode, { LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '60000' });
    app = t.app;
  }, 60_000);
  afterAll(async () => {
    fake?.release();
    await t?.close();
    await fake?.close();
  });

  async function user(): Promise<Record<string, string>> {
    const email = `coach-slow-${Math.random().toString(36).slice(2)}@example.com`;
    await app.inject({ method: 'POST', url: '/v1/auth/register', headers: json, payload: JSON.stringify({ email, password: 'long enough', timezone: 'Europe/Berlin' }) });
    const token = (await app.inject({ method: 'POST', url: '/v1/auth/login', headers: json, payload: JSON.stringify({ email, password: 'long enough' }) })).json().accessToken as string;
    return { ...json, authorization: `Bearer ${token}` };
  }
  async function failed(auth: Record<string, string>, title: string): Promise<string> {
    const task = (await app.inject({ method: 'POST', url: '/v1/tasks', headers: auth, payload: JSON.stringify({ title, estimateMinutes: 120 }) })).json();
    expect((await app.inject({ method: 'POST', url: `/v1/tasks/${task.id}/fail`, headers: auth, payload: JSON.stringify({ reason: 'too_big' }) })).statusCode).toBe(200);
    return task.id as string;
  }
  async function until<T>(read: () => Promise<T> | T, ok: (x: T) => boolean): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const x = await read();
      if (ok(x)) return x;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('never happened');
  }
  const plan = async (auth: Record<string, string>, taskId: string) => (await app.inject({ method: 'GET', url: `/v1/tasks/${taskId}/plans`, headers: auth })).json().items[0];

  it('plans are proposed at once while the LLM holds its answer; it rewords them when it answers; a plan decided meanwhile keeps its titles', async () => {
    fake.behave('hold');
    const [ann, ben, cid] = await Promise.all([user(), user(), user()]);
    const annTask = await failed(ann, 'Write the annual report');
    const annPlan = await until(() => plan(ann, annTask), (p) => p?.status === 'proposed');
    expect(annPlan.generatedBy).toBe('built-in');
    await until(() => fake.inFlight(), (n) => n === 1);

    // The LLM holds ann's wording: ben's and cid's plans are proposed all the same.
    const benTask = await failed(ben, 'Clean the garage');
    const cidTask = await failed(cid, 'Prepare the tax return');
    const benPlan = await until(() => plan(ben, benTask), (p) => p?.status === 'proposed');
    const cidPlan = await until(() => plan(cid, cidTask), (p) => p?.status === 'proposed');
    expect([benPlan.generatedBy, cidPlan.generatedBy]).toEqual(['built-in', 'built-in']);
    expect(fake.inFlight()).toBe(1);
    expect(fake.hits()).toBe(1);

    // ann accepts while the LLM is still wording her plan: the steps are the built-in ones, and stay so.
    const accepted = await app.inject({ method: 'POST', url: `/v1/plans/${annPlan.id}/accept`, headers: { authorization: ann.authorization! } });
    expect(accepted.statusCode).toBe(200);

    fake.behave('ok');
    fake.release();
    const benWorded = await until(() => plan(ben, benTask), (p) => p.generatedBy !== 'built-in');
    const cidWorded = await until(() => plan(cid, cidTask), (p) => p.generatedBy !== 'built-in');
    for (const [before, after] of [[benPlan, benWorded], [cidPlan, cidWorded]] as const) {
      expect(after).toMatchObject({ status: 'proposed', generatedBy: 'llm:fake-model' });
      // Only the titles changed: count, sizes, schedule and chances are the domain's.
      expect(after.steps.map((x: any) => ({ ...x, title: undefined }))).toEqual(before.steps.map((x: any) => ({ ...x, title: undefined })));
      after.steps.forEach((x: any, i: number) => expect(x.title).toBe(`Fake step ${i + 1}: ${x.estimateMinutes} min`));
    }
    // ann's wording answered after her accept: dropped.
    expect(fake.hits()).toBe(3);
    const annAfter = await plan(ann, annTask);
    expect(annAfter).toMatchObject({ status: 'accepted', generatedBy: 'built-in' });
    expect(annAfter.steps.map((x: any) => x.title)).toEqual(annPlan.steps.map((x: any) => x.title));
    const steps = (await app.inject({ method: 'GET', url: `/v1/tasks?parentId=${annTask}`, headers: ann })).json().items;
    expect(steps.map((x: any) => x.title).sort()).toEqual(annPlan.steps.map((x: any) => x.title).sort());
  }, 60_000);
}

describe('coach with a slow LLM [embedded]', () => slowLlmSuite('embedded'));
describeWithService('rabbitmq', 'coach with a slow LLM [services, sync]', () => slowLlmSuite('services'));
