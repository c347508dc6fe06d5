import { randomUUID } from 'node:crypto';
import { TypeOrmPlanRepository } from '@ln/coach/adapters/persistence/typeorm-plan.repository';
import { Plan } from '@ln/coach/domain/plan.aggregate';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { CONTEXT_ENTITIES, CONTEXT_MIGRATIONS } from '@app/server/contexts';
import { createScratchDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';

const content = {
  diagnosis: [{ kind: 'too_big' as const, confidence: 0.82, stated: true, explanation: 'tasks over 90 min: 2 of 9 done; 30 min or less: 17 of 24', evidence: { group: { label: 'over 90 min', done: 2, samples: 9 }, rest: { label: '30 min or less', done: 17, samples: 24 } } }],
  steps: [{ taskId: randomUUID(), title: 'Part 1 of 2: "x"', estimateMinutes: 15, scheduledFor: '2026-12-07T09:00:00+01:00', successProbability: 0.81 }],
  fits: true,
  advice: null,
  reliableMinutes: 30,
  originalProbability: 0.31,
  planProbability: 0.81,
  generatedBy: 'built-in',
};

/** The plan storage on a real database: round trips, owner scoping, optimistic versions, the outbox. */
function planRepositoryContract(name: string, open: () => Promise<{ db: Database; cleanup(): Promise<void> }>) {
  describe(`plan repository [${name}]`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    let plans: TypeOrmPlanRepository;

    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrate(db);
      plans = new TypeOrmPlanRepository(db);
    }, 60_000);
    afterAll(async () => cleanup?.());

    it('round-trips a plan through pending, proposed and accepted, scoped to its owner', async () => {
      const [user, task] = [randomUUID(), randomUUID()];
      const plan = Plan.pending({ id: randomUUID(), userId: user, taskId: task, trigger: 'requested', at: '2026-12-05T10:00:00.000Z' });
      await plans.save(plan);
      const loaded = (await plans.get(user, plan.state.id))!;
      expect(loaded.state).toEqual(plan.state);
      loaded.propose(content);
      await plans.save(loaded);
      expect((await plans.get(user, plan.state.id))!.state).toEqual({ ...plan.state, ...content, status: 'proposed', version: 2 });
      expect(await plans.get(randomUUID(), plan.state.id)).toBeNull();
      expect(await plans.get(user, 'not-a-uuid')).toBeNull();
      expect((await plans.forTask(user, task, 20)).map((p) => p.state.id)).toEqual([plan.state.id]);
      expect(await plans.forTask(randomUUID(), task, 20)).toEqual([]);
      expect((await plans.openForTask(user, task)).map((p) => p.state.status)).toEqual(['proposed']);
      expect(await plans.requestedSince(user, '2026-12-05T09:00:00.000Z')).toBe(1);
      expect(await plans.requestedSince(user, '2026-12-05T10:00:00.001Z')).toBe(0);
    });

    it('a save from a stale read is a ConcurrentModification, and its events stay out of the outbox', async () => {
      const user = randomUUID();
      const plan = Plan.pending({ id: randomUUID(), userId: user, taskId: randomUUID(), trigger: 'failed', at: '2026-12-05T10:00:00.000Z' });
      plan.propose(content);
      await plans.save(plan);
      const a = (await plans.get(user, plan.state.id))!;
      const b = (await plans.get(user, plan.state.id))!;
      a.accept('2026-12-05T11:00:00.000Z');
      await plans.save(a, [{ eventId: randomUUID(), type: 'coach.plan-accepted.v1', aggregateType: 'plan', aggregateId: plan.state.id, userId: user, version: 3, occurredAt: '2026-12-05T11:00:00.000Z', payload: {} }]);
      b.reject('2026-12-05T11:00:01.000Z', 'no');
      const rejected = { eventId: randomUUID(), type: 'coach.plan-rejected.v1', aggregateType: 'plan', aggregateId: plan.state.id, userId: user, version: 3, occurredAt: '2026-12-05T11:00:01.000Z', payload: {} };
      await expect(plans.save(b, [rejected])).rejects.toMatchObject({ code: 'concurrent_modification' });
      expect((await plans.get(user, plan.state.id))!.state.status).toBe('accepted');
      const events = await db.run((m) => m.query(`SELECT event_type FROM outbox WHERE aggregate_id = $1 ORDER BY position`, [plan.state.id]));
      expect(events.map((e: { event_type: string }) => e.event_type)).toEqual(['coach.plan-accepted.v1']);
    });
  });
}

planRepositoryContract('pglite', async () => {
  const db = await openDatabase({ kind: 'pglite', entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS });
  return { db, cleanup: () => db.close() };
});

describeWithService('postgres', 'plan repository on PostgreSQL', () => {
  planRepositoryContract('postgresql', async () => {
    const scratch = await createScratchDatabase();
    const db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 4, entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS });
    return { db, cleanup: async () => { await db.close(); await scratch.drop(); } };
  });
});
