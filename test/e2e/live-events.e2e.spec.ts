import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EventLogPruningService } from '@app/worker';
import { StreamHub } from '@ln/live/application/stream-hub.service';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { appendToOutbox } from '@ln/kernel/adapters/persistence/outbox.writer';
import { TypeOrmCommandInbox } from '@ln/tasks/adapters/persistence/typeorm-command-inbox.adapter';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';
import { type Refused, SseStream, openSse, openStream } from '../support/sse-client';

/**
 * `GET /v1/events` end to end, on a listening server (Server-Sent Events need a real socket): each
 * client gets its user's events and only those, from either write path; a resume gets exactly what
 * was missed; ids that cannot be resumed from start with `reset`; the stream token; the caps.
 */

interface Session {
  readonly id: string;
  readonly token: string;
}

async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Registers and logs in a new user against a running server. */
async function register(base: string): Promise<Session> {
  const email = `live-${randomUUID()}@example.com`;
  const body = (o: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) });
  const reg = await fetch(`${base}/v1/auth/register`, body({ email, password: 'correct horse' }));
  expect(reg.status).toBe(201);
  const login = await fetch(`${base}/v1/auth/login`, body({ email, password: 'correct horse' }));
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { id: ((await reg.json()) as { id: string }).id, token: accessToken };
}

async function createTask(base: string, who: Session, title: string): Promise<{ id: string; status: number }> {
  const res = await fetch(`${base}/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
    body: JSON.stringify({ title }),
  });
  expect([201, 202]).toContain(res.status);
  return { id: ((await res.json()) as { id: string }).id, status: res.status };
}

const bearer = (who: Session) => ({ authorization: `Bearer ${who.token}` });
const dataOf = (s: SseStream, type?: string) => s.events(type).map((m) => JSON.parse(m.data) as Record<string, unknown>);
const titlesOf = (s: SseStream) => dataOf(s, 'task.created.v1').map((d) => (d.payload as { title: string }).title);

function refused(res: SseStream | Refused): Refused {
  if (res instanceof SseStream) {
    res.close();
    throw new Error('expected a refusal, got a stream');
  }
  return res;
}

function liveSuite(mode: Mode) {
  let t: TestApp;
  let base: string;
  const open: SseStream[] = [];
  const stream = async (url: string, headers: Record<string, string>) => {
    const s = await openStream(url, headers);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await startTestApp(mode, { STREAMS_PER_USER: '3' });
    base = await listen(t);
  }, 120_000);
  afterAll(async () => {
    for (const s of open) s.close();
    await t?.close();
  });

  it('two clients of one user see each other\'s writes with the task\'s version; another user\'s events never appear', async () => {
    const [ada, bob] = [await register(base), await register(base)];
    const phone = await stream(`${base}/v1/events`, bearer(ada));
    const laptop = await stream(`${base}/v1/events`, bearer(ada));
    const bobs = await stream(`${base}/v1/events`, bearer(bob));
    expect(phone.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(phone.headers['cache-control']).toBe('no-store');
    expect(phone.headers['x-content-type-options']).toBe('nosniff');
    const first = await createTask(base, ada, 'from the phone');
    expect(first.status).toBe(mode === 'queued' ? 202 : 201);
    await createTask(base, bob, 'bob\'s own');
    const second = await createTask(base, ada, 'from the laptop');
    for (const s of [phone, laptop]) await s.until(() => titlesOf(s).length === 2);
    await bobs.until(() => titlesOf(bobs).length === 1);
    expect(titlesOf(phone)).toEqual(['from the phone', 'from the laptop']);
    expect(titlesOf(laptop)).toEqual(['from the phone', 'from the laptop']);
    expect(dataOf(phone, 'task.created.v1')).toEqual([
      expect.objectContaining({ aggregateType: 'task', aggregateId: first.id, version: 1, type: 'task.created.v1', eventId: expect.any(String) }),
      expect.objectContaining({ aggregateId: second.id, version: 1 }),
    ]);
    // Ids rise; both clients were given the same ones.
    const ids = phone.events('task.created.v1').map((m) => Number(m.id));
    expect(ids[1]).toBeGreaterThan(ids[0]);
    expect(laptop.events('task.created.v1').map((m) => Number(m.id))).toEqual(ids);
    // An edit carries the new version.
    const edit = await fetch(`${base}/v1/tasks/${first.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json', authorization: `Bearer ${ada.token}`, 'if-match': '"1"' },
      body: JSON.stringify({ title: 'renamed' }),
    });
    expect([200, 202]).toContain(edit.status);
    await phone.until(() => phone.events('task.edited.v1').length === 1);
    expect(dataOf(phone, 'task.edited.v1')[0]).toMatchObject({ aggregateId: first.id, version: 2 });
    // Counted for operators: the streams open here, and each delivery's lag.
    const metrics = await t.app.get(Metrics).registry.metrics();
    expect(metrics).toMatch(/^ln_live_streams_open [3-9]$/m);
    expect(metrics).toMatch(/^ln_live_delivery_lag_seconds_count [1-9]/m);
    // Bob saw his own task only: nothing of Ada's, not even after her edit was delivered.
    expect(titlesOf(bobs)).toEqual(['bob\'s own']);
    expect(bobs.events().every((m) => (JSON.parse(m.data) as { aggregateId: string }).aggregateId !== first.id)).toBe(true);
    for (const s of [phone, laptop, bobs]) s.close();
  });

  it('a client that reconnects with Last-Event-ID gets exactly what it missed, then what follows', async () => {
    const ada = await register(base);
    const s = await stream(`${base}/v1/events`, bearer(ada));
    await createTask(base, ada, 'seen');
    await s.until(() => titlesOf(s).length === 1);
    const last = s.events('task.created.v1')[0].id!;
    s.close();
    await s.closed;
    await createTask(base, ada, 'missed 1');
    await createTask(base, ada, 'missed 2');
    // Wait until both are in the log (queued: the worker applies them), then resume.
    const watcher = await stream(`${base}/v1/events`, { ...bearer(ada), 'last-event-id': last });
    await watcher.until(() => titlesOf(watcher).length === 2);
    await createTask(base, ada, 'after');
    await watcher.until(() => titlesOf(watcher).length === 3);
    expect(titlesOf(watcher)).toEqual(['missed 1', 'missed 2', 'after']);
    expect(watcher.events('reset')).toEqual([]);
    // The same through the query parameter (for a new EventSource, which cannot set the header).
    const byQuery = await stream(`${base}/v1/events?lastEventId=${last}`, bearer(ada));
    await byQuery.until(() => titlesOf(byQuery).length === 3);
    expect(titlesOf(byQuery)).toEqual(['missed 1', 'missed 2', 'after']);
    watcher.close();
    byQuery.close();
  });

  it('a client that loses its stream before any event resumes from the id the stream started with: nothing missed', async () => {
    const ada = await register(base);
    // On the log before the stream opens (queued: once the worker has applied it).
    const earlier = await stream(`${base}/v1/events`, bearer(ada));
    await createTask(base, ada, 'before the stream');
    await earlier.until(() => titlesOf(earlier).length === 1);
    earlier.close();
    const s = await stream(`${base}/v1/events`, bearer(ada));
    // A fresh stream's first block is its starting id alone: no event is dispatched for it.
    await s.until(() => s.lastEventId !== undefined);
    expect(s.events()).toEqual([]);
    const start = s.lastEventId!;
    s.close();
    await s.closed;
    await createTask(base, ada, 'missed');
    const resumed = await stream(`${base}/v1/events`, { ...bearer(ada), 'last-event-id': start });
    await resumed.until(() => titlesOf(resumed).length === 1);
    expect(titlesOf(resumed)).toEqual(['missed']);
    expect(resumed.events('reset')).toEqual([]);
    resumed.close();
  });

  it('a failure changes the user\'s model: the stream tells which open tasks\' chances changed (learning.task-scores.v1)', async () => {
    const ada = await register(base);
    const s = await stream(`${base}/v1/events`, bearer(ada));
    const open = await createTask(base, ada, 'still open');
    const failing = await createTask(base, ada, 'will fail');
    await s.until(() => titlesOf(s).length === 2);
    const res = await fetch(`${base}/v1/tasks/${failing.id}/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(ada) },
      body: JSON.stringify({ reason: 'too_big' }),
    });
    expect([200, 202]).toContain(res.status);
    await s.until(() => dataOf(s, 'learning.task-scores.v1').some((d) => (d.payload as { removed: string[] }).removed.includes(failing.id)));
    const scored = dataOf(s, 'learning.task-scores.v1').flatMap((d) => (d.payload as { scores: { taskId: string; successProbability: number }[] }).scores);
    // The open task's chance, as its reads show it; nothing of another user's.
    const latest = scored.filter((x) => x.taskId === open.id).at(-1);
    expect(latest?.successProbability).toEqual(expect.any(Number));
    expect(scored.every((x) => x.taskId === open.id || x.taskId === failing.id)).toBe(true);
  });

  it('an id it never sent starts the stream with reset (then live events); a malformed query is 400 problem+json', async () => {
    const ada = await register(base);
    for (const id of ['not-a-number', '999999999999999']) {
      const s = await stream(`${base}/v1/events`, { ...bearer(ada), 'last-event-id': id });
      await s.until(() => s.events('reset').length === 1);
      expect(JSON.parse(s.events('reset')[0].data)).toMatchObject({ reason: 'unknown_event_id' });
      await createTask(base, ada, `after ${id}`);
      await s.until(() => titlesOf(s).length === 1);
      s.close();
    }
    for (const query of ['lastEventId=abc', 'lastEventId=-1', 'since=1']) {
      const res = refused(await openSse(`${base}/v1/events?${query}`, bearer(ada)));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'validation_failed' });
    }
  });

  it('authenticates by the header, or by a stream token in the URL; neither kind of token works where the other does', async () => {
    const ada = await register(base);
    const tokenRes = await fetch(`${base}/v1/events/token`, { method: 'POST', headers: bearer(ada) });
    expect(tokenRes.status).toBe(200);
    const { streamToken, expiresInSeconds } = (await tokenRes.json()) as { streamToken: string; expiresInSeconds: number };
    expect(expiresInSeconds).toBeGreaterThan(0);
    expect(expiresInSeconds).toBeLessThanOrEqual(900);
    const s = await stream(`${base}/v1/events?access_token=${streamToken}`, {});
    await createTask(base, ada, 'via EventSource');
    await s.until(() => titlesOf(s).length === 1);
    s.close();
    const cases: [string, Record<string, string>, string][] = [
      [`${base}/v1/events`, {}, 'missing_token'],
      [`${base}/v1/events?access_token=${ada.token}`, {}, 'invalid_token'],
      [`${base}/v1/events?access_token=nonsense`, {}, 'invalid_token'],
      [`${base}/v1/events`, { authorization: `Bearer ${streamToken}` }, 'invalid_token'],
      [`${base}/v1/events?access_token=${streamToken}`, bearer(ada), 'invalid_token'],
    ];
    for (const [url, headers, code] of cases) {
      const res = refused(await openSse(url, headers));
      expect([res.status, JSON.parse(res.body).code]).toEqual([401, code]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // A stream token is no access token anywhere else.
    const list = await fetch(`${base}/v1/tasks`, { headers: { authorization: `Bearer ${streamToken}` } });
    expect(list.status).toBe(401);
    expect((await fetch(`${base}/v1/tasks?access_token=${streamToken}`)).status).toBe(401);
    expect((await fetch(`${base}/v1/events/token`, { method: 'POST' })).status).toBe(401);
  });

  it('caps open streams per user: past it 429 problem+json with Retry-After; a closed one frees its place', async () => {
    const ada = await register(base);
    const three = [await stream(`${base}/v1/events`, bearer(ada)), await stream(`${base}/v1/events`, bearer(ada)), await stream(`${base}/v1/events`, bearer(ada))];
    const res = refused(await openSse(`${base}/v1/events`, bearer(ada)));
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('10');
    expect(JSON.parse(res.body)).toMatchObject({ status: 429, code: 'too_many_streams' });
    // Another user is not affected.
    const bob = await register(base);
    (await stream(`${base}/v1/events`, bearer(bob))).close();
    three[0].close();
    await three[0].closed;
    // The server learns of the hang-up from its socket, a moment later.
    let again: SseStream | Refused = await openSse(`${base}/v1/events`, bearer(ada));
    for (let i = 0; i < 100 && !(again instanceof SseStream); i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await openSse(`${base}/v1/events`, bearer(ada));
    }
    if (!(again instanceof SseStream)) throw new Error(`still refused: ${again.body}`);
    for (const s of [...three, again]) s.close();
  });

  if (mode === 'queued') {
    it('the author\'s stream tells what became of each queued write: applied with its task, or rejected with the problem', async () => {
      const [ada, bob] = [await register(base), await register(base)];
      const adas = await stream(`${base}/v1/events`, bearer(ada));
      const bobs = await stream(`${base}/v1/events`, bearer(bob));
      const post = (who: Session, body: unknown) =>
        fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` }, body: JSON.stringify(body) });
      // Both claim one client-made id at once: both are accepted (neither api plan can see the
      // other user's pending write), and the worker applies one and refuses the other. Which one
      // wins is the worker's order; a try where the api already saw the winner is made again.
      let answers: Response[] = [];
      let id = '';
      for (let attempt = 0; attempt < 5; attempt++) {
        id = `019a2b3c-4d5e-7f60-8a1b-${randomUUID().slice(-12)}`;
        answers = await Promise.all([post(ada, { id, title: 'mine' }), post(bob, { id, title: 'also mine' })]);
        if (answers.every((a) => a.status === 202)) break;
      }
      expect(answers.map((a) => a.status)).toEqual([202, 202]);
      await adas.until(() => adas.events().some((m) => m.event.startsWith('command.')));
      await bobs.until(() => bobs.events().some((m) => m.event.startsWith('command.')));
      const [winner, loser] = adas.events('command.applied.v1').length === 1 ? [adas, bobs] : [bobs, adas];
      const [won, lost] = winner === adas ? answers : [answers[1], answers[0]];
      const loserToken = loser === adas ? ada : bob;
      expect(dataOf(winner, 'command.applied.v1')[0]).toMatchObject({
        type: 'command.applied.v1',
        aggregateType: 'command',
        aggregateId: won.headers.get('command-id'),
        payload: { commandId: won.headers.get('command-id'), commandType: 'task.create.v1', taskId: id, problem: null },
      });
      const rejected = dataOf(loser, 'command.rejected.v1')[0] as { payload: { commandId: string; problem: { code: string } } };
      expect(rejected.payload.commandId).toBe(lost.headers.get('command-id'));
      // The same refusal GET /v1/commands/{id} reports.
      const status = (await (await fetch(`${base}/v1/commands/${lost.headers.get('command-id')}`, { headers: bearer(loserToken) })).json()) as { status: string; problem: { code: string } };
      expect(status.status).toBe('rejected');
      expect(rejected.payload.problem.code).toBe(status.problem.code);
      expect(winner.events('command.rejected.v1')).toEqual([]);
      expect(loser.events('command.applied.v1')).toEqual([]);
      // Each saw only their own: the winner its task, the loser no task at all.
      expect(titlesOf(loser)).toEqual([]);
      adas.close();
      bobs.close();
    });
  }

  it('GET /v1/sync: each task changed since a token once, current state or tombstone, paged; another user\'s never', async () => {
    const [ada, bob] = [await register(base), await register(base)];
    const get = async (who: Session, query: string) => {
      const res = await fetch(`${base}/v1/sync${query}`, { headers: bearer(who) });
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
    };
    const start = await get(ada, '');
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ changes: [], hasMore: false, nextSince: expect.stringMatching(/^\d+$/) });
    const kept = await createTask(base, ada, 'kept');
    const gone = await createTask(base, ada, 'gone');
    await createTask(base, bob, 'bob\'s');
    // Applied (queued: by the worker) and relayed before the sync can show it.
    const s = await stream(`${base}/v1/events?lastEventId=${start.body.nextSince}`, bearer(ada));
    await s.until(() => titlesOf(s).length === 2);
    const del = await fetch(`${base}/v1/tasks/${gone.id}`, { method: 'DELETE', headers: bearer(ada) });
    expect([204, 202]).toContain(del.status);
    await s.until(() => s.events('task.deleted.v1').length === 1);
    s.close();
    const first = await get(ada, `?since=${start.body.nextSince}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.hasMore).toBe(true);
    expect(first.body.changes.map((c: { id: string }) => c.id)).toEqual([kept.id, gone.id]);
    const rest = await get(ada, `?since=${first.body.nextSince}&limit=2`);
    expect(rest.body).toMatchObject({ changes: [{ id: gone.id, deleted: true }], hasMore: false });
    const all = await get(ada, `?since=${start.body.nextSince}`);
    expect(all.body.changes).toEqual([
      { id: kept.id, deleted: false, task: expect.objectContaining({ id: kept.id, title: 'kept', version: 1 }) },
      { id: gone.id, deleted: true },
    ]);
    // Nothing changed since; the token never goes back (other events of the user, such as a queued
    // write's outcome or learning's scores, may move it on).
    const after = await get(ada, `?since=${all.body.nextSince}`);
    expect(after.body.changes).toEqual([]);
    expect(Number(after.body.nextSince)).toBeGreaterThanOrEqual(Number(all.body.nextSince));
    for (const bad of ['?since=abc', '?since=1&limit=0', '?cursor=1']) {
      const res = await get(ada, bad);
      expect([res.status, res.body.code, res.type]).toEqual([400, 'validation_failed', expect.stringMatching(/^application\/problem\+json/)]);
    }
    const future = await get(ada, '?since=999999999999999');
    expect([future.status, future.body.code]).toEqual([410, 'sync_token_expired']);
  });

  // Last: it prunes the whole log.
  it('a resume from before the window starts with reset (pruned), then live events', async () => {
    const ada = await register(base);
    const s = await stream(`${base}/v1/events`, bearer(ada));
    await createTask(base, ada, 'old');
    await s.until(() => titlesOf(s).length === 1);
    const last = s.events('task.created.v1')[0].id!;
    s.close();
    await createTask(base, ada, 'also old');
    await s.closed;
    // Everything published so far is older than a window ending a second from now.
    const deadline = Date.now() + 10_000;
    const pruner = t.app.get(EventLogPruningService).pruner;
    while ((await pruner.prune(new Date(Date.now() + 1000))).prunedThrough <= Number(last)) {
      if (Date.now() > deadline) throw new Error('nothing pruned');
      await new Promise((r) => setTimeout(r, 50));
    }
    const resumed = await stream(`${base}/v1/events`, { ...bearer(ada), 'last-event-id': last });
    await resumed.until(() => resumed.events('reset').length === 1);
    expect(JSON.parse(resumed.events('reset')[0].data)).toMatchObject({ reason: 'pruned' });
    await createTask(base, ada, 'new');
    await resumed.until(() => titlesOf(resumed).length >= 1 && titlesOf(resumed).includes('new'));
    expect(titlesOf(resumed).filter((title) => title === 'old')).toEqual([]);
    resumed.close();
    // The sync feed: a token from before the window is gone.
    const sync = await fetch(`${base}/v1/sync?since=${last}`, { headers: bearer(ada) });
    expect(sync.status).toBe(410);
    expect(await sync.json()).toMatchObject({ status: 410, code: 'sync_token_expired' });
  });

  it('the worker\'s pruning pass also forgets the events its consumers processed before the inbox retention (7 days), and only those', async () => {
    const ada = await register(base);
    await createTask(base, ada, 'remembered');
    const db = t.app.get(Database);
    const count = async (where: string) => Number((await db.run((m) => m.query(`SELECT count(*) AS n FROM processed_events WHERE ${where}`)))[0].n);
    // The worker's consumers (learning, coach) have processed the create: two records to age (in a
    // suite run alone, waiting for one raced the second consumer).
    const deadline = Date.now() + 10_000;
    while ((await count(`processed_at > now() - interval '1 day'`)) < 2) {
      if (Date.now() > deadline) throw new Error('no event processed');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Age one record past the retention, one just inside it.
    await db.run((m) =>
      m.query(`UPDATE processed_events SET processed_at = now() - interval '8 days' WHERE ctid = (SELECT ctid FROM processed_events WHERE processed_at > now() - interval '1 day' LIMIT 1)`),
    );
    await db.run((m) =>
      m.query(`UPDATE processed_events SET processed_at = now() - interval '6 days' WHERE ctid = (SELECT ctid FROM processed_events WHERE processed_at > now() - interval '1 day' LIMIT 1)`),
    );
    const recent = await count(`processed_at > now() - interval '7 days'`);
    expect(await count(`processed_at < now() - interval '7 days'`)).toBe(1);
    await t.app.get(EventLogPruningService).pruneOnce();
    expect(await count(`processed_at < now() - interval '7 days'`)).toBe(0);
    expect(await count(`processed_at > now() - interval '7 days'`)).toBeGreaterThanOrEqual(recent);
    expect(await count(`processed_at < now() - interval '5 days'`)).toBe(1);
  });

  it('the worker\'s pruning pass also forgets the commands decided before the command retention (7 days): their status is then 404', async () => {
    const ada = await register(base);
    const db = t.app.get(Database);
    let ids: string[];
    if (mode === 'queued') {
      // Three real queued writes, decided by the worker.
      ids = [];
      for (const title of ['a', 'b', 'c']) {
        const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(ada) }, body: JSON.stringify({ title }) });
        expect(res.status).toBe(202);
        ids.push(res.headers.get('command-id')!);
      }
      const deadline = Date.now() + 10_000;
      for (const id of ids) {
        while (((await (await fetch(`${base}/v1/commands/${id}`, { headers: bearer(ada) })).json()) as { status: string }).status !== 'applied') {
          if (Date.now() > deadline) throw new Error(`command ${id} not applied`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } else {
      // The synchronous path decides no commands: the rows a worker would have written.
      const inbox = new TypeOrmCommandInbox(db);
      ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const commandId of ids) await inbox.record({ commandId, userId: ada.id, type: 'task.create', status: 'applied', resourceId: randomUUID(), problem: null, processedAt: new Date().toISOString() });
    }
    const [old, kept, fresh] = ids as [string, string, string];
    await db.run((m) => m.query(`UPDATE processed_commands SET processed_at = now() - interval '8 days' WHERE command_id = $1`, [old]));
    await db.run((m) => m.query(`UPDATE processed_commands SET processed_at = now() - interval '6 days' WHERE command_id = $1`, [kept]));
    await t.app.get(EventLogPruningService).pruneOnce();
    const status = async (id: string) => {
      const res = await fetch(`${base}/v1/commands/${id}`, { headers: bearer(ada) });
      return { http: res.status, body: (await res.json()) as { status?: string; code?: string } };
    };
    expect(await status(old)).toMatchObject({ http: 404, body: { code: 'command_not_found' } });
    expect(await status(kept)).toMatchObject({ http: 200, body: { status: 'applied' } });
    expect(await status(fresh)).toMatchObject({ http: 200, body: { status: 'applied' } });
    const left = await db.run((m) => m.query(`SELECT count(*)::int AS n FROM processed_commands WHERE processed_at < now() - interval '7 days'`));
    expect(left[0].n).toBe(0);
  });
}

describe('live events [embedded]', () => liveSuite('embedded'));
describeWithService('postgres', 'live events (services, sync writes)', () => liveSuite('services'));
describeWithService('rabbitmq', 'live events (services, queued writes)', () => liveSuite('queued'));

/** What ends a stream: its token's expiry, a client too slow to read; and the heartbeat. Embedded. */
describe('live events: heartbeats, token expiry, slow clients [embedded]', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp('embedded', { STREAM_TOKEN_TTL_SECONDS: '3', STREAM_HEARTBEAT_SECONDS: '1' });
    base = await listen(t);
  }, 120_000);
  afterAll(() => t?.close());

  it('sends heartbeat comments, and ends with `event: end` (token_expired) when the token expires', async () => {
    const ada = await register(base);
    const tokenRes = await fetch(`${base}/v1/events/token`, { method: 'POST', headers: bearer(ada) });
    const { streamToken, expiresInSeconds } = (await tokenRes.json()) as { streamToken: string; expiresInSeconds: number };
    expect(expiresInSeconds).toBe(3);
    const s = await openStream(`${base}/v1/events?access_token=${streamToken}`);
    await s.closed;
    expect(s.comments).toContain('heartbeat');
    expect(s.events().slice(-1)).toEqual([{ event: 'end', id: undefined, data: JSON.stringify({ reason: 'token_expired' }) }]);
    expect(t.app.get(StreamHub).openStreams).toBe(0);
    const metrics = await t.app.get(Metrics).registry.metrics();
    expect(metrics).toMatch(/^ln_live_streams_ended_total\{reason="token_expired"\} [1-9]/m);
    expect(metrics).toMatch(/^ln_live_streams_open 0$/m);
  });

  const EVENTS = 80;
  it('closes the stream of a client that stops reading (slow_consumer) without buffering the log; it resumes by Last-Event-ID', async () => {
    const ada = await register(base);
    const s = await openStream(`${base}/v1/events`, bearer(ada));
    s.pause();
    // Large events straight into the log: far more than the socket's buffers take (loopback's
    // grow to a few MB), each well under the 1 MiB cap.
    const db = t.app.get(Database);
    const big = 'x'.repeat(256 * 1024);
    for (let i = 0; i < EVENTS; i++) {
      await db.transaction((m) =>
        appendToOutbox(m, [
          { eventId: randomUUID(), type: 'task.edited.v1', aggregateType: 'task', aggregateId: ada.id, userId: ada.id, version: i + 2, occurredAt: new Date().toISOString(), payload: { notes: big } },
        ]),
      );
    }
    const hub = t.app.get(StreamHub);
    for (let i = 0; i < 500 && hub.openStreams > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(hub.openStreams).toBe(0);
    expect(await t.app.get(Metrics).registry.metrics()).toMatch(/^ln_live_streams_ended_total\{reason="slow_consumer"\} 1$/m);
    s.resume();
    await s.closed;
    const edits = s.events('task.edited.v1');
    expect(edits.length).toBeLessThan(EVENTS);
    expect(s.events().slice(-1)[0]).toMatchObject({ event: 'end', data: JSON.stringify({ reason: 'slow_consumer' }) });
    // Resuming from the last event it read gets the rest.
    const resumed = await openStream(`${base}/v1/events`, { ...bearer(ada), 'last-event-id': edits.slice(-1)[0]?.id ?? '0' });
    await resumed.until(() => edits.length + resumed.events('task.edited.v1').length === EVENTS, 30_000);
    expect([...edits, ...resumed.events('task.edited.v1')].map((m) => (JSON.parse(m.data) as { version: number }).version)).toEqual(
      Array.from({ length: EVENTS }, (_, i) => i + 2),
    );
    resumed.close();
  });
});
