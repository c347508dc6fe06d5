import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { ProposePlan, taskToCoach } from '@ln/coach/application/propose-plan/propose-plan.service';
import type { CoachLearning, ScoredShape } from '@ln/coach/application/ports/coach-learning.port';
import type { CoachOwners, CoachTaskSource, CoachedTask } from '@ln/coach/application/ports/coach-tasks.port';
import type { PlanRepository } from '@ln/coach/application/ports/plan.repository.port';
import { CoachEventTypes } from '@ln/coach/contracts/coach-events.contract';
import type { CoachEvidence } from '@ln/coach/domain/coaching.types';
import { evidenceOf, history, outcomes } from '@ln/coach/domain/coaching.fixtures';
import { Plan } from '@ln/coach/domain/plan.aggregate';
import { FixedClock, SequentialIds } from '../../support/fakes';

/**
 * ProposePlan with in-memory ports: what it asks the learning context, what it hands the success
 * model (the original first, then each step with the load it adds to its day), and what it stores.
 */
class MemoryPlans implements PlanRepository {
  readonly rows = new Map<string, Plan>();
  readonly outbox: DomainEvent[] = [];
  readonly saves: { id: string; status: string; inside: boolean }[] = [];
  constructor(private readonly uow: RecordingUow) {}
  async save(plan: Plan, events: readonly DomainEvent[] = []): Promise<void> {
    this.saves.push({ id: plan.state.id, status: plan.state.status, inside: this.uow.inside });
    this.rows.set(plan.state.id, Plan.restore(plan.state));
    this.outbox.push(...events);
  }
  async get(userId: string, planId: string): Promise<Plan | null> {
    const p = this.rows.get(planId);
    return p && p.state.userId === userId ? Plan.restore(p.state) : null;
  }
  async forTask(): Promise<Plan[]> {
    return [];
  }
  async openForTask(userId: string, taskId: string): Promise<Plan[]> {
    return [...this.rows.values()].filter((p) => p.state.userId === userId && p.state.taskId === taskId && p.isOpen).map((p) => Plan.restore(p.state));
  }
  async requestedSince(): Promise<number> {
    return 0;
  }
}

class RecordingUow implements UnitOfWork {
  inside = false;
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.inside = true;
    try {
      return await work();
    } finally {
      this.inside = false;
    }
  }
  savepoint<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  async afterCommit(fn: () => Promise<void>): Promise<void> {
    await fn();
  }
}

class RecordingLearning implements CoachLearning {
  readonly asked: { userId: string; today: string; horizonDays: number | undefined; days: readonly string[] | undefined }[] = [];
  readonly scored: ScoredShape[][] = [];
  constructor(
    public evidence: CoachEvidence,
    /** The chance the model gives the i-th shape of a call. */
    public chance: (shape: ScoredShape, i: number) => number = () => 0.5,
  ) {}
  async evidenceOf(userId: string, today: string, horizonDays?: number, days?: readonly string[]): Promise<CoachEvidence> {
    this.asked.push({ userId, today, horizonDays, days });
    return this.evidence;
  }
  async predict(_userId: string, shapes: readonly ScoredShape[]): Promise<number[]> {
    this.scored.push([...shapes]);
    return shapes.map((s, i) => this.chance(s, i));
  }
}

class Tasks implements CoachTaskSource {
  readonly tasks = new Map<string, CoachedTask>();
  add(id: string, over: Partial<CoachedTask> = {}): CoachedTask {
    const t: CoachedTask = {
      id,
      ownerId: 'alice',
      title: 'Write the quarterly report',
      priority: 2,
      status: 'failed',
      parentId: null,
      scheduledDate: null,
      scheduledAt: null,
      dueAt: null,
      estimateMinutes: 120,
      tags: ['work'],
      deferrals: 0,
      failureReason: 'too_big',
      ...over,
    };
    this.tasks.set(id, t);
    return t;
  }
  async find(ownerId: string, id: string): Promise<CoachedTask | null> {
    const t = this.tasks.get(id);
    return t && t.ownerId === ownerId ? t : null;
  }
}

class Owners implements CoachOwners {
  readonly zones = new Map<string, string>();
  async timezoneOf(userId: string): Promise<string | null> {
    return this.zones.get(userId) ?? null;
  }
}

function world(evidence: CoachEvidence = evidenceOf(history(outcomes(10, 2, { minutes: 30 })))) {
  const uow = new RecordingUow();
  const plans = new MemoryPlans(uow);
  const learning = new RecordingLearning(evidence);
  const tasks = new Tasks();
  const owners = new Owners();
  // 2026-12-07 is a Monday; 09:30 UTC is 18:30 in Tokyo.
  const clock = new FixedClock(new Date('2026-12-07T09:30:00.000Z'));
  const ids = new SequentialIds();
  const propose = new ProposePlan(plans, learning, tasks, owners, uow, clock, ids);
  return { uow, plans, learning, tasks, owners, clock, propose };
}

describe('ProposePlan', () => {
  it('asks the learning context for the evidence of the owner\'s local today and the task\'s own day', async () => {
    const w = world();
    w.owners.zones.set('alice', 'Asia/Tokyo');
    w.tasks.add('t1', { scheduledDate: '2026-12-05', scheduledAt: '2026-12-05T01:00:00.000Z' });

    await w.propose.propose('alice', 't1', 'failed');

    expect(w.learning.asked).toEqual([{ userId: 'alice', today: '2026-12-07', horizonDays: undefined, days: ['2026-12-05'] }]);
  });

  it('reads an owner without a timezone in UTC, and an unscheduled task asks for no extra day', async () => {
    const w = world();
    // 23:30 UTC: still the 7th in UTC, already the 8th in Tokyo.
    w.clock.at = new Date('2026-12-07T23:30:00.000Z');
    w.tasks.add('t1');

    await w.propose.propose('alice', 't1', 'failed');

    expect(w.learning.asked).toEqual([{ userId: 'alice', today: '2026-12-07', horizonDays: undefined, days: [] }]);
    // Steps are placed from the next local hour of today in UTC: none before midnight UTC of the 8th.
    const plan = [...w.plans.rows.values()][0]!;
    expect(plan.state.steps.length).toBeGreaterThan(0);
    for (const step of plan.state.steps) {
      expect(step.scheduledFor.endsWith('+00:00')).toBe(true);
      expect(Date.parse(step.scheduledFor)).toBeGreaterThanOrEqual(Date.parse('2026-12-08T00:00:00Z'));
    }
  });

  it('scores the original as it was (its day\'s load, at least 1) and then each step with the load it adds to its day', async () => {
    const w = world();
    w.owners.zones.set('alice', 'Asia/Tokyo');
    w.learning.evidence = { ...w.learning.evidence, dayLoads: { '2026-12-05': 6, '2026-12-08': 3 } };
    w.tasks.add('t1', { scheduledDate: '2026-12-05', scheduledAt: '2026-12-05T01:00:00.000Z', estimateMinutes: 240, deferrals: 2, tags: ['work', 'deep'] });

    await w.propose.propose('alice', 't1', 'failed');

    expect(w.learning.scored).toHaveLength(1);
    const [original, ...shapes] = w.learning.scored[0]!;
    // 01:00 UTC is 10:00 in Tokyo.
    expect(original).toEqual({ scheduledDate: '2026-12-05', localHour: 10, estimateMinutes: 240, tags: ['work', 'deep'], deferrals: 2, dayLoad: 6 });
    const plan = [...w.plans.rows.values()][0]!;
    expect(shapes).toHaveLength(plan.state.steps.length);
    expect(shapes.length).toBeGreaterThan(1);
    const placed = new Map<string, number>();
    shapes.forEach((shape, i) => {
      const step = plan.state.steps[i]!;
      const day = step.scheduledFor.slice(0, 10);
      placed.set(day, (placed.get(day) ?? 0) + 1);
      expect(shape).toEqual({
        scheduledDate: day,
        localHour: Number(step.scheduledFor.slice(11, 13)),
        estimateMinutes: step.estimateMinutes,
        tags: ['work', 'deep'],
        deferrals: 0,
        dayLoad: (day === '2026-12-08' ? 3 : 0) + placed.get(day)!,
      });
      expect(step.scheduledFor.endsWith('+09:00')).toBe(true);
    });
  });

  it('gives the original a load of 1 when its day had none recorded, and none when it was never scheduled', async () => {
    const w = world();
    w.tasks.add('t1', { scheduledDate: '2026-12-05', scheduledAt: '2026-12-05T10:00:00.000Z' });
    w.tasks.add('t2');

    await w.propose.propose('alice', 't1', 'failed');
    await w.propose.propose('alice', 't2', 'failed');

    expect(w.learning.scored[0]![0]!.dayLoad).toBe(1);
    expect(w.learning.scored[1]![0]).toMatchObject({ scheduledDate: null, localHour: null, dayLoad: null });
  });

  it('stores each chance rounded to hundredths, the plan\'s as the mean of its steps\', and publishes plan-proposed in the same unit of work', async () => {
    const w = world();
    w.learning.chance = (_s, i) => (i === 0 ? 0.123456 : 0.5 + i * 0.1111);
    w.tasks.add('t1', { estimateMinutes: 240 });

    const plan = await w.propose.propose('alice', 't1', 'failed');

    expect(plan).not.toBeNull();
    const { state } = plan!;
    expect(state.status).toBe('proposed');
    expect(state.originalProbability).toBe(0.12);
    const expected = state.steps.map((_, i) => Math.round((0.5 + (i + 1) * 0.1111) * 100) / 100);
    expect(state.steps.map((s) => s.successProbability)).toEqual(expected);
    expect(state.planProbability).toBe(Math.round((expected.reduce((a, p) => a + p, 0) / expected.length) * 100) / 100);
    expect(state.generatedBy).toBe('built-in');
    expect(state.diagnosis.length).toBeGreaterThan(0);
    // Every step has an id of its own, fixed now (accepting twice creates each step once).
    expect(new Set(state.steps.map((s) => s.taskId)).size).toBe(state.steps.length);

    expect(w.plans.saves).toEqual([{ id: state.id, status: 'proposed', inside: true }]);
    expect(w.plans.outbox).toHaveLength(1);
    const event = w.plans.outbox[0]!;
    expect(event).toMatchObject({
      type: CoachEventTypes.PlanProposed,
      aggregateId: state.id,
      userId: 'alice',
      version: state.version,
      occurredAt: '2026-12-07T09:30:00.000Z',
      payload: { planId: state.id, taskId: 't1', trigger: 'failed', causes: state.diagnosis.map((c) => c.kind) },
    });
  });

  it('fills the pending plan the user asked for instead of making another, and supersedes the task\'s other open plans', async () => {
    const w = world();
    w.tasks.add('t1');
    const older = Plan.pending({ id: 'older', userId: 'alice', taskId: 't1', trigger: 'failed', at: '2026-12-06T00:00:00.000Z' });
    older.propose({ diagnosis: [], steps: [], fits: true, advice: null, reliableMinutes: null, originalProbability: null, planProbability: null, generatedBy: 'built-in' });
    const asked = Plan.pending({ id: 'asked', userId: 'alice', taskId: 't1', trigger: 'requested', at: '2026-12-07T09:00:00.000Z' });
    w.plans.rows.set('older', older);
    w.plans.rows.set('asked', asked);

    const plan = await w.propose.propose('alice', 't1', 'requested', 'asked');

    expect(plan!.state).toMatchObject({ id: 'asked', status: 'proposed', trigger: 'requested', createdAt: '2026-12-07T09:00:00.000Z' });
    expect(w.plans.rows.get('older')!.state).toMatchObject({ status: 'superseded', decidedAt: '2026-12-07T09:30:00.000Z' });
    expect(w.plans.saves).toEqual([
      { id: 'older', status: 'superseded', inside: true },
      { id: 'asked', status: 'proposed', inside: true },
    ]);
    expect(w.plans.rows.size).toBe(2);
  });

  it('makes a new plan when the one named is no longer pending (decided meanwhile)', async () => {
    const w = world();
    w.tasks.add('t1');
    const decided = Plan.pending({ id: 'asked', userId: 'alice', taskId: 't1', trigger: 'requested', at: '2026-12-07T09:00:00.000Z' });
    decided.supersede('2026-12-07T09:10:00.000Z');
    w.plans.rows.set('asked', decided);

    const plan = await w.propose.propose('alice', 't1', 'requested', 'asked');

    expect(plan!.state.id).not.toBe('asked');
    expect(plan!.state.status).toBe('proposed');
    expect(w.plans.rows.get('asked')!.state.status).toBe('superseded');
  });

  it('makes nothing for a task that is gone or is another user\'s, and closes the pending plan asked for it', async () => {
    const w = world();
    w.tasks.add('bobs', { ownerId: 'bob' });
    const asked = Plan.pending({ id: 'asked', userId: 'alice', taskId: 'gone', trigger: 'requested', at: '2026-12-07T09:00:00.000Z' });
    w.plans.rows.set('asked', asked);

    expect(await w.propose.propose('alice', 'bobs', 'failed')).toBeNull();
    expect(await w.propose.propose('alice', 'gone', 'requested', 'asked')).toBeNull();

    expect(w.plans.rows.get('asked')!.state).toMatchObject({ status: 'superseded', decidedAt: '2026-12-07T09:30:00.000Z' });
    expect(w.plans.saves).toEqual([{ id: 'asked', status: 'superseded', inside: false }]);
    expect(w.learning.asked).toEqual([]);
    expect(w.plans.outbox).toEqual([]);
  });

  it('leaves alone a closed plan named for a task that is gone', async () => {
    const w = world();
    const decided = Plan.pending({ id: 'asked', userId: 'alice', taskId: 'gone', trigger: 'requested', at: '2026-12-07T09:00:00.000Z' });
    decided.supersede('2026-12-07T09:10:00.000Z');
    w.plans.rows.set('asked', decided);

    expect(await w.propose.propose('alice', 'gone', 'requested', 'asked')).toBeNull();
    expect(w.plans.saves).toEqual([]);
  });
});

describe('taskToCoach', () => {
  const task: CoachedTask = {
    id: 't1',
    ownerId: 'alice',
    title: 'Call the bank',
    priority: 1,
    status: 'failed',
    parentId: null,
    scheduledDate: '2026-12-05',
    scheduledAt: '2026-12-05T23:15:00.000Z',
    dueAt: '2026-12-09T20:00:00.000Z',
    estimateMinutes: 15,
    tags: ['errand'],
    deferrals: 3,
    failureReason: 'forgot',
  };

  it('reads the schedule and the due date in the owner\'s calendar and keeps the failure\'s reason', () => {
    expect(taskToCoach(task, 'Asia/Tokyo', 'failed')).toEqual({
      id: 't1',
      title: 'Call the bank',
      estimateMinutes: 15,
      priority: 1,
      tags: ['errand'],
      deferrals: 3,
      scheduledDate: '2026-12-05',
      // 23:15 UTC is 08:15 the next day in Tokyo; the hour is read there.
      localHour: 8,
      // 20:00 UTC on the 9th is the 10th in Tokyo.
      dueDate: '2026-12-10',
      trigger: 'failed',
      reason: 'forgot',
    });
  });

  it('has no reason unless the task failed, and no hour or due date when it has none', () => {
    const coached = taskToCoach({ ...task, scheduledAt: null, dueAt: null }, 'UTC', 'postponed');
    expect(coached).toMatchObject({ localHour: null, dueDate: null, trigger: 'postponed', reason: null });
  });

  it('copies the tags rather than sharing the array', () => {
    const coached = taskToCoach(task, 'UTC', 'failed');
    expect(coached.tags).toEqual(['errand']);
    expect(coached.tags).not.toBe(task.tags);
  });
});
