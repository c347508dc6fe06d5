import { v7 } from 'uuid';
import { COMMAND_QUEUE, type CommandQueue, TaskCommandTypes } from '@ln/application';
import { type TestApp, startTestApp } from '../support/app';

/** Prometheus metrics of the api and of the worker role, both in one embedded process. */
describe('GET /metrics [embedded]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t?.close());

  const scrape = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  };
  const value = (text: string, series: RegExp) => Number(text.split('\n').find((l) => series.test(l))?.split(' ').pop() ?? NaN);

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
  });
});
