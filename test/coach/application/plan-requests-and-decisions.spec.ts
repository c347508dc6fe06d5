import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { DecidePlan } from '@ln/coach/application/decide-plan/decide-plan.service';
import type { CoachTaskSource, CoachTaskWrites, CoachedTask, StepCreation } from '@ln/coach/application/ports/coach-tasks.port';
import type { PlanRepository } from '@ln/coach/application/ports/plan.repository.port';
import { PLANS_PER_TASK, ReadPlans, TaskToCoachNotFound } from '@ln/coach/application/read-plans/read-plans.service';
import { RequestPlan } from '@ln/coach/application/request-plan/request-plan.service';
import { RewordPlan } from '@ln/coach/application/reword-plan/reword-plan.service';
import { StepWordingFailed, type StepWording, type StepWordingRequest, type WordedSteps } from '@ln/coach/application/ports/step-wording.port';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { Plan, PlanNotFound, PlanNotOpen, TooManyPlanRequests } from '@ln/coach/domain/plan.aggregate';
import { FixedClock, SequentialIds } from '../../support/fakes';

/** The coach's use cases with in-memory ports: plans, tasks, and a unit of work that records what ran in it. */
class MemoryPlans implements PlanRepository {
  readonly rows = new Map<string, Plan>();
  readonly outbox: DomainEvent[] = [];
  readonly forTaskLimits: number[] = [];
  readonly requestedSinceAsked: string[] = [];
  constructor(private readonly uow: RecordingUow) {}
  async save(plan: Plan, events: readonly DomainEvent[] = []): Promise<void> {
    if (!this.uow.inside) throw new Error('saved outside the unit of work');
    this.rows.set(plan.state.id, Plan.restore(plan.state));
    this.outbox.push(...events);
  }
  async get(userId: string, planId: string): Promise<Plan | null> {
    const p = this.rows.get(planId);
    return p && p.state.userId === userId ? Plan.restore(p.state) : null;
  }
  async forTask(userId: string, taskId: string, limit: number): Promise<Plan[]> {
    this.forTaskLimits.push(limit);
    return [...this.rows.values()].filter((p) => p.state.userId === userId && p.state.taskId === taskId).slice(0, limit);
  }
  async openForTask(): Promise<Plan[]> {
    return [];
  }
  async requestedSince(userId: string, since: string): Promise<number> {
    this.requestedSinceAsked.push(since);
    return [...this.rows.values()].filter((p) => p.state.userId === userId && p.state.trigger === 'requested' && p.state.createdAt >= since).length;
  }
}

class RecordingUow implements UnitOfWork {
  inside = false;
  runs = 0;
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.runs += 1;
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

class MemoryTasks implements CoachTaskSource, CoachTaskWrites {
  readonly tasks = new Map<string, CoachedTask>();
  readonly created: { ownerId: string; tasks: readonly StepCreation[] }[] = [];
  add(id: string, over: Partial<CoachedTask> = {}): CoachedTask {
    const t: CoachedTask = { id, ownerId: 'alice', title: `task ${id}`, priority: 4, status: 'failed', parentId: null, scheduledDate: null, scheduledAt: null, dueAt: null, estimateMinutes: 60, tags: [], deferrals: 0, failureReason: 'too_big', ...over };
    this.tasks.set(id, t);
    return t;
  }
  async find(ownerId: string, id: string): Promise<CoachedTask | null> {
    const t = this.tasks.get(id);
    return t && t.ownerId === ownerId ? t : null;
  }
  async createAll(ownerId: string, tasks: readonly StepCreation[]) {
    this.created.push({ ownerId, tasks });
    return tasks.map((t) => ({ id: t.id, created: true }));
  }
}

function world(requestsPerHour = 3) {
  const uow = new RecordingUow();
  const plans = new MemoryPlans(uow);
  const tasks = new MemoryTasks();
  const clock = new FixedClock(new Date('2026-03-01T09:00:00.000Z'));
  const ids = new SequentialIds();
  return {
    uow,
    plans,
    tasks,
    clock,
    request: new RequestPlan(plans, tasks, { requestsPerHour, postponementsBeforePlan: 3 }, uow, clock, ids),
    decide: new DecidePlan(plans, tasks, tasks, uow, clock, ids),
    read: new ReadPlans(plans, tasks),
  };
}
type World = ReturnType<typeof world>;

/** A proposed plan for `taskId`, stored. */
async function proposed(w: World, taskId: string, id = `plan-${taskId}`): Promise<Plan> {
  const plan = Plan.pending({ id, userId: 'alice', taskId, trigger: 'failed', at: '2026-03-01T08:00:00.000Z' });
  plan.propose({
    diagnosis: [
      { kind: 'too_big', confidence: 0.7 } as never,
      { kind: 'wrong_time', confidence: 0.2 } as never,
    ],
    steps: [
      { taskId: 'step-1', title: 'Open the file', estimateMinutes: 15, scheduledFor: '2026-03-02T09:00:00+00:00', successProbability: 0.8 },
      { taskId: 'step-2', title: 'Write the intro', estimateMinutes: 25, scheduledFor: '2026-03-02T10:00:00+00:00', successProbability: 0.7 },
    ],
    fits: true,
    advice: null,
    reliableMinutes: 30,
    originalProbability: 0.3,
    planProbability: 0.75,
    generatedBy: 'built-in',
  });
  await w.uow.run(() => w.plans.save(plan));
  return plan;
}

describe('RequestPlan', () => {
  it('stores a pending plan and publishes coach.plan-requested.v1 in one unit of work', async () => {
    const w = world();
    w.tasks.add('t1');
    const plan = await w.request.request('alice', 't1');
    expect(plan.state).toMatchObject({ userId: 'alice', taskId: 't1', trigger: 'requested', status: 'pending', createdAt: '2026-03-01T09:00:00.000Z' });
    expect(w.plans.rows.get(plan.state.id)?.state.status).toBe('pending');
    expect(w.plans.outbox).toEqual([
      expect.objectContaining({ type: 'coach.plan-requested.v1', aggregateType: 'plan', aggregateId: plan.state.id, userId: 'alice', version: plan.state.version, occurredAt: '2026-03-01T09:00:00.000Z', payload: { planId: plan.state.id, taskId: 't1' } }),
    ]);
    expect(w.plans.outbox[0]!.eventId).not.toBe(plan.state.id);
    expect(w.uow.runs).toBe(1);
  });

  it("a task that is not the caller's -> task_not_found (404), nothing stored", async () => {
    const w = world();
    w.tasks.add('t1', { ownerId: 'bob' });
    await expect(w.request.request('alice', 't1')).rejects.toBeInstanceOf(TaskToCoachNotFound);
    await expect(w.request.request('alice', 'nope')).rejects.toMatchObject({ kind: 'not_found', code: 'task_not_found' });
    expect(w.plans.rows.size).toBe(0);
  });

  it('at most requestsPerHour requests in the last hour, then too_many_plan_requests with a 10-minute wait', async () => {
    const w = world(2);
    w.tasks.add('t1');
    await w.request.request('alice', 't1');
    await w.request.request('alice', 't1');
    const refused = w.request.request('alice', 't1');
    await expect(refused).rejects.toBeInstanceOf(TooManyPlanRequests);
    await expect(refused).rejects.toMatchObject({ kind: 'rate_limited', code: 'too_many_plan_requests', retryAfterSeconds: 600 });
    // Counted from exactly one hour before now.
    expect(w.plans.requestedSinceAsked.at(-1)).toBe('2026-03-01T08:00:00.000Z');
    expect(w.plans.rows.size).toBe(2);
    w.clock.advance(3_600_001);
    await expect(w.request.request('alice', 't1')).resolves.toMatchObject({ state: { status: 'pending' } });
  });
});

describe('DecidePlan', () => {
  it('accept: the steps become the user’s tasks under the failed task, with its tags, in the same unit of work as the plan', async () => {
    const w = world();
    w.tasks.add('t1', { tags: ['work'] });
    await proposed(w, 't1');
    const plan = await w.decide.accept('alice', 'plan-t1');
    expect(plan.state).toMatchObject({ status: 'accepted', decidedAt: '2026-03-01T09:00:00.000Z' });
    expect(w.plans.rows.get('plan-t1')?.state.status).toBe('accepted');
    expect(w.tasks.created).toEqual([
      {
        ownerId: 'alice',
        tasks: [
          { id: 'step-1', title: 'Open the file', scheduledFor: '2026-03-02T09:00:00+00:00', estimateMinutes: 15, tags: ['work'], parentId: 't1', replanOf: 't1' },
          { id: 'step-2', title: 'Write the intro', scheduledFor: '2026-03-02T10:00:00+00:00', estimateMinutes: 25, tags: ['work'], parentId: 't1', replanOf: 't1' },
        ],
      },
    ]);
    expect(w.plans.outbox).toEqual([
      expect.objectContaining({ type: 'coach.plan-accepted.v1', aggregateId: 'plan-t1', payload: { planId: 'plan-t1', taskId: 't1', stepTaskIds: ['step-1', 'step-2'], causes: ['too_big', 'wrong_time'] } }),
    ]);
  });

  it('accepting again answers the accepted plan and creates nothing more', async () => {
    const w = world();
    w.tasks.add('t1');
    await proposed(w, 't1');
    await w.decide.accept('alice', 'plan-t1');
    await expect(w.decide.accept('alice', 'plan-t1')).resolves.toMatchObject({ state: { status: 'accepted' } });
    expect(w.tasks.created).toHaveLength(1);
    expect(w.plans.outbox).toHaveLength(1);
  });

  it('steps of a task nested as deep as steps go are placed beside it (under its parent); a shallower one takes them', async () => {
    const w = world();
    w.tasks.add('root');
    w.tasks.add('child', { parentId: 'root' });
    w.tasks.add('grandchild', { parentId: 'child' });
    await proposed(w, 'grandchild');
    await proposed(w, 'child');
    await w.decide.accept('alice', 'plan-grandchild');
    await w.decide.accept('alice', 'plan-child');
    expect(w.tasks.created.map((c) => c.tasks[0]!.parentId)).toEqual(['child', 'child']);
    // A task the coach can no longer read (deleted): the steps go under it, without tags.
    await proposed(w, 'gone');
    await w.decide.accept('alice', 'plan-gone');
    expect(w.tasks.created[2]!.tasks[0]).toMatchObject({ parentId: 'gone', tags: [] });
  });

  it('reject: the feedback and causes are published; rejecting a decided plan is plan_not_open', async () => {
    const w = world();
    w.tasks.add('t1');
    await proposed(w, 't1');
    const plan = await w.decide.reject('alice', 'plan-t1', 'too many steps');
    expect(plan.state).toMatchObject({ status: 'rejected', feedback: 'too many steps', decidedAt: '2026-03-01T09:00:00.000Z' });
    expect(w.plans.outbox).toEqual([
      expect.objectContaining({ type: 'coach.plan-rejected.v1', payload: { planId: 'plan-t1', taskId: 't1', feedback: 'too many steps', causes: ['too_big', 'wrong_time'] } }),
    ]);
    await expect(w.decide.reject('alice', 'plan-t1', null)).resolves.toMatchObject({ state: { status: 'rejected' } });
    expect(w.plans.outbox).toHaveLength(1);
    await expect(w.decide.accept('alice', 'plan-t1')).rejects.toBeInstanceOf(PlanNotOpen);
    await expect(w.decide.accept('alice', 'plan-t1')).rejects.toMatchObject({ kind: 'conflict', code: 'plan_not_open' });
    expect(w.tasks.created).toEqual([]);
  });

  it("another user's or an unknown plan -> plan_not_found", async () => {
    const w = world();
    w.tasks.add('t1');
    await proposed(w, 't1');
    await expect(w.decide.accept('bob', 'plan-t1')).rejects.toBeInstanceOf(PlanNotFound);
    await expect(w.decide.reject('alice', 'nope', null)).rejects.toMatchObject({ kind: 'not_found', code: 'plan_not_found' });
    expect(w.plans.rows.get('plan-t1')?.state.status).toBe('proposed');
  });
});

describe('ReadPlans', () => {
  it('get: the caller’s plan, or plan_not_found', async () => {
    const w = world();
    await proposed(w, 't1');
    await expect(w.read.get('alice', 'plan-t1')).resolves.toMatchObject({ state: { id: 'plan-t1' } });
    await expect(w.read.get('bob', 'plan-t1')).rejects.toBeInstanceOf(PlanNotFound);
  });

  it('forTask: at most 20; no plans for a task never the caller’s is task_not_found; a deleted task keeps its plans', async () => {
    const w = world();
    w.tasks.add('t1');
    await expect(w.read.forTask('alice', 't1')).resolves.toEqual([]);
    await expect(w.read.forTask('alice', 'unknown')).rejects.toBeInstanceOf(TaskToCoachNotFound);
    await proposed(w, 'deleted-task');
    await expect(w.read.forTask('alice', 'deleted-task')).resolves.toHaveLength(1);
    expect(PLANS_PER_TASK).toBe(20);
    expect(w.plans.forTaskLimits).toEqual([20, 20, 20]);
  });
});

describe('RewordPlan', () => {
  function rewording(answer: (r: StepWordingRequest) => Promise<WordedSteps>, zone: string | null = 'Asia/Seoul') {
    const w = world();
    const asked: StepWordingRequest[] = [];
    const wording: StepWording = { word: (r) => (asked.push(r), answer(r)) };
    const reword = new RewordPlan(w.plans, w.tasks, { timezoneOf: async () => zone }, wording, w.uow, w.clock, new SequentialIds());
    return { w, asked, reword };
  }

  it('asks for titles of exactly the plan’s steps, on the owner’s day, and stores the good ones with who worded them', async () => {
    const { w, asked, reword } = rewording(async () => ({ titles: ['Open the draft', 'Write two paragraphs'], by: 'llm:model-x' }));
    w.tasks.add('t1', { title: 'Write the report', estimateMinutes: 90, tags: ['work'] });
    await proposed(w, 't1');
    const plan = await reword.reword('alice', 'plan-t1');
    expect(plan?.state).toMatchObject({ generatedBy: 'llm:model-x', steps: [{ title: 'Open the draft' }, { title: 'Write two paragraphs' }] });
    expect(asked).toEqual([
      {
        userId: 'alice',
        // 09:00 UTC is 18:00 in Seoul: the same day.
        today: '2026-03-01',
        task: { title: 'Write the report', estimateMinutes: 90, tags: ['work'] },
        kind: 'writing',
        cause: 'too_big',
        steps: [
          { estimateMinutes: 15, builtInTitle: 'Open the file' },
          { estimateMinutes: 25, builtInTitle: 'Write the intro' },
        ],
      },
    ]);
    expect(w.plans.outbox).toEqual([expect.objectContaining({ type: 'coach.plan-reworded.v1', payload: { planId: 'plan-t1', taskId: 't1', generatedBy: 'llm:model-x' } })]);
    // Reworded once: the plan is no longer built-in, so there is nothing more to do.
    await expect(reword.reword('alice', 'plan-t1')).resolves.toBeNull();
  });

  it('a failing source keeps the titles and says why', async () => {
    const { w, reword } = rewording(() => Promise.reject(new StepWordingFailed('timeout')));
    w.tasks.add('t1');
    await proposed(w, 't1');
    await expect(reword.reword('alice', 'plan-t1')).resolves.toMatchObject({ state: { generatedBy: 'built-in (fallback: timeout)', steps: [{ title: 'Open the file' }, { title: 'Write the intro' }] } });
  });

  it('nothing to do: an unknown plan, one not proposed, a task gone, or the built-in source', async () => {
    const { w, asked, reword } = rewording(async () => ({ titles: ['x', 'y'], by: 'built-in' }));
    await expect(reword.reword('alice', 'nope')).resolves.toBeNull();
    await proposed(w, 'gone');
    await expect(reword.reword('alice', 'plan-gone')).resolves.toBeNull();
    w.tasks.add('t1');
    await proposed(w, 't1');
    await expect(reword.reword('alice', 'plan-t1')).resolves.toBeNull();
    expect(asked).toHaveLength(1);
    await w.decide.accept('alice', 'plan-t1');
    await expect(reword.reword('alice', 'plan-t1')).resolves.toBeNull();
    expect(asked).toHaveLength(1);
    expect(w.plans.outbox.filter((e) => e.type === 'coach.plan-reworded.v1')).toEqual([]);
  });

  it('a plan decided while the source answered keeps the decision; a save that lost the race answers the plan as stored', async () => {
    const { w, reword } = rewording(async () => {
      await w.decide.reject('alice', 'plan-t1', null);
      return { titles: ['A', 'B'], by: 'llm:m' };
    });
    w.tasks.add('t1');
    await proposed(w, 't1');
    await expect(reword.reword('alice', 'plan-t1')).resolves.toMatchObject({ state: { status: 'rejected', generatedBy: 'built-in' } });

    const raced = rewording(async () => ({ titles: ['A', 'B'], by: 'llm:m' }));
    raced.w.tasks.add('t1');
    await proposed(raced.w, 't1');
    const save = raced.w.plans.save.bind(raced.w.plans);
    raced.w.plans.save = async (plan, events) => {
      if (events?.some((e) => e.type === 'coach.plan-reworded.v1')) throw new ConcurrentModification('plan');
      return save(plan, events);
    };
    await expect(raced.reword.reword('alice', 'plan-t1')).resolves.toMatchObject({ state: { status: 'proposed', generatedBy: 'built-in' } });
  });
});
