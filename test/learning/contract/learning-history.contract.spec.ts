import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { MemoryReadCache } from '@ln/kernel/adapters/cache/memory-read-cache.adapter';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { TypeOrmEventInbox } from '@ln/kernel/adapters/persistence/typeorm-event-inbox.adapter';
import { TypeOrmUnitOfWork } from '@ln/kernel/adapters/persistence/typeorm-unit-of-work.adapter';
import { oncePerEvent } from '@ln/kernel/application/ports/event-inbox.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { LearningPopulationLoads1765000500000 } from '@ln/learning/adapters/persistence/migrations/1765000000000-learning-history';
import { POPULATION, TypeOrmLearningHistory } from '@ln/learning/adapters/persistence/typeorm-learning-history.adapter';
import { ProjectTaskEvents } from '@ln/learning/application/project-task-events/project-task-events.service';
import { ScoreOpenTasks } from '@ln/learning/application/score-open-tasks/score-open-tasks.service';
import { totalsOf } from '@ln/learning/domain/totals';
import type { Cell } from '@ln/learning/domain/tracked-task.value-object';
import { CONTEXT_ENTITIES, CONTEXT_MIGRATIONS } from '@app/server/contexts';
import { createScratchDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';
import { RecordPlanDecision } from '@ln/learning/application/record-plan-decision/record-plan-decision.service';

/** The history projection on a real database: events in, grouped counts out. */
function historyContract(name: string, open: () => Promise<{ db: Database; cleanup(): Promise<void> }>) {
  describe(`learning history projection [${name}]`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    let history: TypeOrmLearningHistory;
    let handle: (event: DomainEvent) => Promise<void>;
    const zones = new Map<string, string>();

    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrate(db);
      history = new TypeOrmLearningHistory(db);
      const projection = new ProjectTaskEvents(history, { timezoneOf: async (u) => zones.get(u) ?? 'UTC' }, new MemoryReadCache(), new TypeOrmUnitOfWork(db), new ScoreOpenTasks(history, { now: () => new Date() }, { next: () => randomUUID() }));
      handle = oncePerEvent(new TypeOrmEventInbox(db), 'learning.history', async (e) => {
        await projection.project(e);
      });
    }, 60_000);
    afterAll(async () => cleanup?.());

    const event = (userId: string, taskId: string, version: number, type: string, payload: Record<string, unknown>, at = '2026-03-02T10:00:00.000Z'): DomainEvent => ({
      eventId: randomUUID(),
      type,
      aggregateType: 'task',
      aggregateId: taskId,
      userId,
      version,
      occurredAt: at,
      payload,
    });
    const created = (u: string, t: string, extra: Record<string, unknown> = {}) =>
      event(u, t, 1, 'task.created.v1', { title: 'x', notes: null, scheduledDate: '2026-03-02', scheduledAt: '2026-03-02T20:30:00.000Z', dueAt: null, estimateMinutes: 150, priority: 4, tags: ['Deep'], parentId: null, replanOf: null, ...extra });
    const failed = (u: string, t: string, version = 2, reason = 'too_big') =>
      event(u, t, version, 'task.failed.v1', { reason, note: null, deferrals: 0, scheduledDate: '2026-03-02', estimateMinutes: 150, tags: ['Deep'] });
    const completed = (u: string, t: string, version = 2, actualMinutes: number | null = null) =>
      event(u, t, version, 'task.completed.v1', { scheduledDate: '2026-03-02', estimateMinutes: 150, tags: ['Deep'], actualMinutes });

    const totals = (cells: Cell[], dimension: string, key = '') =>
      cells.filter((c) => c.dimension === dimension && c.key === key).reduce((a, c) => ({ done: a.done + c.done, failed: a.failed + c.failed, n: a.n + c.n }), { done: 0, failed: 0, n: 0 });

    it('an outcome counts in its groups, in the owner\'s timezone, for the owner and the population', async () => {
      const u = randomUUID();
      zones.set(u, 'Asia/Seoul');
      const t = randomUUID();
      await handle(created(u, t));
      await handle(failed(u, t));
      const cells = await history.cells(u, {});
      expect(totals(cells, 'all')).toEqual({ done: 0, failed: 1, n: 1 });
      // 20:30 UTC is 05:30 the next day in Seoul; the outcome closed at 10:00 UTC = 19:00 Seoul, 2 March.
      expect(totals(cells, 'hour', '5')).toMatchObject({ failed: 1 });
      expect(totals(cells, 'tag', 'deep')).toMatchObject({ failed: 1 });
      expect(totals(cells, 'reason', 'too_big')).toMatchObject({ failed: 1 });
      expect(totals(cells, 'priority', '4')).toMatchObject({ failed: 1 });
      expect(cells.find((c) => c.dimension === 'all')?.day).toBe('2026-03-02');
      expect(totals(await history.population(), 'reason', 'too_big').failed).toBeGreaterThanOrEqual(1);
      // Other users see nothing of it.
      expect(await history.cells(randomUUID(), {})).toEqual([]);
    });

    it('a duplicate event and an older replay change nothing; a reopen undoes the outcome; a delete removes the task', async () => {
      const u = randomUUID();
      const t = randomUUID();
      const c = created(u, t);
      const f = failed(u, t);
      await handle(c);
      await handle(f);
      const once = await history.cells(u, {});
      await handle(f); // the same event again (inbox)
      await handle({ ...c, eventId: randomUUID() }); // an older version, republished under another id
      expect(await history.cells(u, {})).toEqual(once);
      await handle(event(u, t, 3, 'task.reopened.v1', { previousStatus: 'failed' }));
      expect(totals(await history.cells(u, {}), 'all')).toEqual({ done: 0, failed: 0, n: 0 });
      await handle(completed(u, t, 4, 200));
      const done = await history.cells(u, {});
      expect(totals(done, 'all')).toEqual({ done: 1, failed: 0, n: 1 });
      expect(done.find((x) => x.dimension === 'all')).toMatchObject({ calibrated: 1, estimateSum: 150, actualSum: 200 });
      await handle(event(u, t, 5, 'task.deleted.v1', { status: 'done' }));
      expect(await history.cells(u, {})).toEqual([]);
      // A late, older event for the deleted task cannot bring it back.
      await handle({ ...failed(u, t, 2), eventId: randomUUID() });
      expect(await history.cells(u, {})).toEqual([]);
    });

    it('a change of priority moves the task\'s outcome to its new priority', async () => {
      const u = randomUUID();
      const t = randomUUID();
      await handle(created(u, t, { priority: 2 }));
      await handle(failed(u, t));
      expect(totals(await history.totals(u), 'priority', '2')).toMatchObject({ failed: 1 });
      await handle(event(u, t, 3, 'task.edited.v1', { changes: { priority: 1 } }));
      const after = await history.totals(u);
      expect(totals(after, 'priority', '2')).toEqual({ done: 0, failed: 0, n: 0 });
      expect(totals(after, 'priority', '1')).toMatchObject({ failed: 1 });
    });

    it('an outcome for a task never seen is tracked from what its event carries', async () => {
      const u = randomUUID();
      await handle(completed(u, randomUUID(), 7, 90));
      const cells = await history.cells(u, {});
      expect(totals(cells, 'all')).toEqual({ done: 1, failed: 0, n: 1 });
      expect(totals(cells, 'size', 'gt120')).toMatchObject({ done: 1 });
      expect(cells.filter((c) => c.dimension === 'hour')).toEqual([]);
    });

    it('ranges select outcomes by the day they closed', async () => {
      const u = randomUUID();
      const a = randomUUID();
      const b = randomUUID();
      await handle(created(u, a));
      await handle({ ...failed(u, a), occurredAt: '2026-03-01T12:00:00.000Z' });
      await handle(created(u, b));
      await handle({ ...completed(u, b), occurredAt: '2026-03-05T12:00:00.000Z' });
      expect(totals(await history.cells(u, { from: '2026-03-02' }), 'all')).toEqual({ done: 1, failed: 0, n: 1 });
      expect(totals(await history.cells(u, { to: '2026-03-04' }), 'all')).toEqual({ done: 0, failed: 1, n: 1 });
      expect(totals(await history.cells(u, { from: '2026-03-01', to: '2026-03-05' }), 'all')).toEqual({ done: 1, failed: 1, n: 2 });
    });

    it('every open task has a stored prediction; closing it removes it; an outcome re-scores the others', async () => {
      const u = randomUUID();
      const open = [randomUUID(), randomUUID()];
      for (const t of open) await handle(created(u, t));
      let scores = await history.scoresOf(u);
      expect([...scores.keys()].sort()).toEqual([...open].sort());
      for (const s of scores.values()) expect(s.probability).toBeGreaterThan(0);
      const before = scores.get(open[1]!)!.probability;
      // Long late tasks keep failing: the open long late task's chance goes down.
      for (let i = 0; i < 6; i++) {
        const t = randomUUID();
        await handle(created(u, t));
        await handle(failed(u, t));
      }
      await handle(failed(u, open[0]!));
      scores = await history.scoresOf(u);
      expect([...scores.keys()]).toEqual([open[1]]);
      expect(scores.get(open[1]!)!.probability).toBeLessThan(before);
    });

    it('publishes what changed as users see it (learning.task-scores.v1, in the outbox, versioned per user), and nothing else', async () => {
      const u = randomUUID();
      interface Published {
        version: number;
        payload: { scores: { taskId: string; successProbability: number; factors: { effect: string }[] }[]; removed: string[] };
      }
      const published = async (): Promise<Published[]> =>
        (
          await db.run((m) =>
            m.query(`SELECT aggregate_version, event FROM outbox WHERE user_id = $1 AND event_type = 'learning.task-scores.v1' ORDER BY position`, [u]),
          )
        ).map((r: { aggregate_version: number; event: unknown }): Published => ({
          version: r.aggregate_version,
          payload: (typeof r.event === 'string' ? JSON.parse(r.event) : r.event).payload,
        }));
      const [a, b] = [randomUUID(), randomUUID()];
      await handle(created(u, a));
      let events = await published();
      expect(events).toEqual([{ version: 1, payload: { scores: [expect.objectContaining({ taskId: a })], removed: [] } }]);
      const shown = events[0]!.payload.scores[0];
      expect(shown.successProbability).toBe(Math.round(shown.successProbability * 100) / 100);
      for (const f of shown.factors) expect(['helps', 'hurts']).toContain(f.effect);

      // An edit that changes nothing the model sees publishes nothing.
      await handle(event(u, a, 2, 'task.edited.v1', { changes: { title: 'renamed' } }));
      expect(await published()).toHaveLength(1);

      await handle(created(u, b));
      await handle(failed(u, a, 3));
      events = await published();
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
      // The outcome withdrew a's prediction; b was scored when created and again only if its prediction moved.
      expect(events.at(-1)!.payload.removed).toEqual([a]);

      // Deleting the failed task takes its outcome back (b's chance is re-published) but withdraws nothing twice.
      await handle(event(u, a, 4, 'task.deleted.v1', {}));
      const after = await published();
      expect(after.slice(events.length).flatMap((e) => e.payload.removed)).toEqual([]);
      expect(after.at(-1)!.payload.scores.map((s) => s.taskId)).toEqual([b]);
      expect(after.at(-1)!.payload.scores[0]!.successProbability).toBe(events[0]!.payload.scores[0]!.successProbability);
    });

    it('a user with 1,000 open tasks: an outcome re-scores all of them in one pass (duration logged, not asserted)', async () => {
      const u = randomUUID();
      for (let i = 0; i < 1000; i++) await handle(created(u, randomUUID(), { estimateMinutes: 10 + (i % 200), tags: [`t${i % 7}`] }));
      const t = randomUUID();
      await handle(created(u, t));
      const started = performance.now();
      await handle(failed(u, t));
      const ms = performance.now() - started;
      process.stdout.write(`[${name}] re-scoring 1000 open tasks after an outcome: ${ms.toFixed(0)} ms\n`);
      expect((await history.scoresOf(u)).size).toBe(1000);
    }, 120_000);

    it('keeps the population apart from any user id, in totals only, without tags', async () => {
      expect(await history.cells(POPULATION, {})).toEqual([]);
      expect(await history.totals(POPULATION)).toEqual(await history.population());
      expect((await history.population()).filter((c) => c.dimension === 'tag' || c.dimension === 'plan')).toEqual([]);
    });

    /** Every user's load totals summed by load, as the population's should be. */
    const usersLoads = async () =>
      (
        await db.run((m) =>
          m.query(
            `SELECT key, sum(n)::int AS n, sum(done)::int AS done, sum(failed)::int AS failed FROM learning_totals
             WHERE dimension = 'load' AND user_id <> $1 GROUP BY key HAVING sum(n) <> 0 OR sum(done) <> 0 OR sum(failed) <> 0 ORDER BY key`,
            [POPULATION],
          ),
        )
      ).map((r: { key: string; n: number; done: number; failed: number }) => ({ key: r.key, n: r.n, done: r.done, failed: r.failed }));
    const populationLoads = async () =>
      (await history.population()).filter((c) => c.dimension === 'load').map((c) => ({ key: c.key, n: c.n, done: c.done, failed: c.failed })).sort((a, b) => a.key.localeCompare(b.key));

    it("the population's load totals are every user's, kept per event (a day moving from one load to another moves its outcomes)", async () => {
      const u = randomUUID();
      const ids = Array.from({ length: 3 }, () => randomUUID());
      for (const t of ids) await handle(created(u, t));
      await handle(failed(u, ids[0]!));
      await handle(event(u, ids[1]!, 2, 'task.postponed.v1', { from: '2026-03-02', to: '2026-03-05', scheduledDate: '2026-03-05', deferrals: 1 }));
      await handle(event(u, ids[2]!, 2, 'task.deleted.v1', {}));
      const loads = await populationLoads();
      expect(loads.length).toBeGreaterThan(0);
      expect(loads).toEqual(await usersLoads());
    });

    it("the migration that gave the population load totals fills them from the users' (LearningPopulationLoads1765000500000)", async () => {
      const before = await populationLoads();
      expect(before.length).toBeGreaterThan(0);
      const migration = new LearningPopulationLoads1765000500000();
      await db.run(async (m) => {
        const runner = { query: (sql: string, params?: unknown[]) => m.query(sql, params) } as unknown as QueryRunner;
        await migration.down(runner);
        expect((await m.query(`SELECT count(*)::int AS n FROM learning_totals WHERE user_id = $1 AND dimension = 'load'`, [POPULATION]))[0].n).toBe(0);
        await migration.up(runner);
      });
      expect(await populationLoads()).toEqual(before);
    });

    it("a user's all-time totals, kept per event, are always their per-day cells' totals (postpones moving days, reopens, deletes)", async () => {
      const u = randomUUID();
      const check = async () => {
        const key = (c: Cell) => `${c.dimension}|${c.key}`;
        const sorted = (cells: Cell[]) => [...cells].sort((a, b) => key(a).localeCompare(key(b)));
        expect(sorted(await history.totals(u))).toEqual(sorted(totalsOf(await history.cells(u, {}))));
      };
      const ids = Array.from({ length: 6 }, () => randomUUID());
      for (const t of ids) await handle(created(u, t));
      await check();
      await handle(failed(u, ids[0]!));
      await handle(completed(u, ids[1]!));
      await check();
      // Moves a task to another day: both days' loads change.
      await handle(event(u, ids[2]!, 2, 'task.postponed.v1', { from: '2026-03-02', to: '2026-03-04', scheduledDate: '2026-03-04', deferrals: 1 }));
      await check();
      await handle(event(u, ids[0]!, 3, 'task.reopened.v1', {}));
      await handle(event(u, ids[1]!, 3, 'task.deleted.v1', {}));
      await check();
      const loads = (await history.totals(u)).filter((c) => c.dimension === 'load');
      expect(loads.map((c) => c.key).sort()).toEqual(['1', '4']);
    });

    it("decisions on the coach's plans: counted per user under the plan's top cause, once per event, never another user's", async () => {
      const [u, other] = [randomUUID(), randomUUID()];
      const decisions = new RecordPlanDecision(history);
      const inbox = new TypeOrmEventInbox(db);
      const once = (eventId: string, decision: 'accepted' | 'rejected', causes?: readonly unknown[]) =>
        inbox.processOnce('learning.plan-feedback', eventId, async () => {
          await decisions.record(u, decision, causes);
        });
      expect(await history.planFeedback(u)).toEqual({});
      const rejection = randomUUID();
      await once(rejection, 'rejected', ['too_big', 'vague']);
      await once(rejection, 'rejected', ['too_big', 'vague']);
      await once(randomUUID(), 'rejected', ['too_big']);
      await once(randomUUID(), 'accepted', ['too_big']);
      await once(randomUUID(), 'accepted', ['wrong_time']);
      // Older events carry no causes; a cause that is not a short word is not counted.
      await once(randomUUID(), 'rejected', undefined);
      await once(randomUUID(), 'rejected', [42]);
      await once(randomUUID(), 'rejected', ['x'.repeat(65)]);
      expect(await history.planFeedback(u)).toEqual({ too_big: { accepted: 1, rejected: 2 }, wrong_time: { accepted: 1, rejected: 0 } });
      expect(await history.planFeedback(other)).toEqual({});
    });
  });
}

historyContract('pglite', async () => {
  const db = await openDatabase({ kind: 'pglite', entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS });
  return { db, cleanup: () => db.close() };
});

describeWithService('postgres', 'learning history on PostgreSQL', () =>
  historyContract('postgresql', async () => {
    const scratch = await createScratchDatabase();
    const db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 4, entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS });
    return {
      db,
      cleanup: async () => {
        await db.close();
        await scratch.drop();
      },
    };
  }),
);
