import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LEARNING_HISTORY, type LearningHistory } from '@ln/learning/application/ports/learning-history.port';
import { RebuildHistory } from '@ln/learning/application/rebuild-history/rebuild-history.service';
import type { Cell } from '@ln/learning/domain/tracked-task.value-object';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';

/**
 * A rebuild from the tasks' current state (through the task context's history facade) gives
 * exactly the numbers the events gave, after a history with every kind of event in it.
 */
function rebuildSuite(mode: Mode) {
  let t: TestApp;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    t = await startTestApp(mode);
    app = t.app;
  }, 60_000);
  afterAll(async () => t?.close());

  const json = { 'content-type': 'application/json' };
  async function user(email: string, timezone: string): Promise<{ token: string; id: string }> {
    const reg = await app.inject({ method: 'POST', url: '/v1/auth/register', headers: json, payload: JSON.stringify({ email, password: 'long enough', timezone }) });
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', headers: json, payload: JSON.stringify({ email, password: 'long enough' }) });
    return { token: res.json().accessToken, id: reg.json().id };
  }

  it('rebuild equals incremental', async () => {
    const history = app.get<LearningHistory>(LEARNING_HISTORY);
    const users = [await user(`rebuild-a-${mode}@example.com`, 'America/New_York'), await user(`rebuild-b-${mode}@example.com`, 'Asia/Seoul')];
    const live = new Map<string, number>(); // task id -> its version now
    const deleted = new Set<string>();
    for (const [u, { token }] of users.entries()) {
      const h = { ...json, authorization: `Bearer ${token}` };
      const call = async (method: string, url: string, body?: unknown) => {
        const res = await app.inject({ method: method as 'POST', url, headers: body === undefined ? { authorization: h.authorization } : h, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
        if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
        return res;
      };
      for (let i = 0; i < 14; i++) {
        const scheduledFor = i % 3 === 0 ? `2026-03-0${1 + (i % 7)}` : `2026-03-0${1 + (i % 7)}T${String(8 + i).padStart(2, '0')}:15:00Z`;
        const task = (await call('POST', '/v1/tasks', { title: `t${u}-${i}`, scheduledFor, estimateMinutes: 10 * (i + 1), tags: i % 2 ? ['work'] : ['home', 'Errand'] })).json();
        const id = task.id as string;
        if (i % 5 === 1) await call('POST', `/v1/tasks/${id}/postpone`, { scheduledFor: '2026-03-20' });
        if (i % 4 === 0) await call('PATCH', `/v1/tasks/${id}`, { estimateMinutes: 200, tags: ['deep'] });
        if (i % 3 === 0) await call('POST', `/v1/tasks/${id}/complete`, i % 2 ? {} : { actualMinutes: 25 });
        else if (i % 3 === 1) await call('POST', `/v1/tasks/${id}/fail`, { reason: i % 2 ? 'too_big' : 'low_energy' });
        else if (i % 7 === 2) await call('POST', `/v1/tasks/${id}/drop`, {});
        if (i === 6 || i === 10) await call('POST', `/v1/tasks/${id}/reopen`, {});
        if (i === 9) {
          await call('DELETE', `/v1/tasks/${id}`);
          deleted.add(id);
          continue;
        }
        const now = await call('GET', `/v1/tasks/${id}`);
        live.set(id, Number(String(now.headers.etag).replaceAll('"', '')));
      }
    }
    // Wait for the projection to have applied every task's last event.
    for (let attempt = 0; ; attempt++) {
      const states = await Promise.all([...live.keys(), ...deleted].map((id) => history.tracked(id)));
      const caughtUp = [...live.values()].every((v, i) => states[i]?.version === v) && states.slice(live.size).every((s) => s !== null && s.task === null);
      if (caughtUp) break;
      if (attempt > 400) throw new Error('the projection did not catch up');
      await new Promise((r) => setTimeout(r, 25));
    }
    const snapshot = async () => {
      const sorted = (cells: Cell[]) => cells.map((c) => JSON.stringify(c)).sort();
      return {
        users: await Promise.all(users.map(async (u) => sorted(await history.cells(u.id, {})))),
        totals: await Promise.all(users.map(async (u) => sorted(await history.totals(u.id)))),
        population: sorted(await history.population()),
      };
    };
    const incremental = await snapshot();
    expect(incremental.users[0]!.length).toBeGreaterThan(20);

    const rebuilt = await app.get(RebuildHistory).rebuildAll(5);
    expect(rebuilt.users).toBeGreaterThanOrEqual(2);
    expect(await snapshot()).toEqual(incremental);
  }, 120_000);
}

describe('learning rebuild [embedded]', () => rebuildSuite('embedded'));
describeWithService('postgres', 'learning rebuild [services]', () => rebuildSuite('services'));
