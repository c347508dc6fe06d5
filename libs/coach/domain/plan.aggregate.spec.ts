import { Plan, PlanNotFound, PlanNotOpen, PlanNotReady, TooManyPlanRequests } from './plan.aggregate';

const AT = '2026-12-05T10:00:00.000Z';
const step = (title: string, minutes: number) => ({ taskId: `t-${title}`, title, estimateMinutes: minutes, scheduledFor: '2026-12-06T09:00:00+01:00', successProbability: 0.8 });

function proposed(): Plan {
  const plan = Plan.pending({ id: 'p1', userId: 'u1', taskId: 't1', trigger: 'failed', at: AT });
  plan.propose({
    diagnosis: [],
    steps: [step('Open the file', 15), step('Write the intro', 30)],
    fits: true,
    advice: null,
    reliableMinutes: 30,
    originalProbability: 0.3,
    planProbability: 0.8,
    generatedBy: 'built-in',
  });
  return plan;
}

describe('Plan', () => {
  it('pending -> proposed -> accepted; a second accept is a no-op; a decided plan cannot be rejected', () => {
    const plan = Plan.pending({ id: 'p1', userId: 'u1', taskId: 't1', trigger: 'failed', at: AT });
    expect(() => plan.accept(AT)).toThrow(PlanNotReady);
    const open = proposed();
    expect(open.state).toMatchObject({ status: 'proposed', version: 2 });
    expect(open.accept(AT)).toBe(true);
    expect(open.accept(AT)).toBe(false);
    expect(open.state).toMatchObject({ status: 'accepted', decidedAt: AT, version: 3 });
    expect(() => open.reject(AT, null)).toThrow(PlanNotOpen);
  });

  it('reword: a proposed plan gets new titles and who worded them; sizes and schedule stay; one version more', () => {
    const plan = proposed();
    const before = plan.state;
    expect(plan.reword(['Open the report', 'Draft the introduction'], 'llm:m')).toBe(true);
    expect(plan.state.steps.map((s) => s.title)).toEqual(['Open the report', 'Draft the introduction']);
    expect(plan.state.steps.map(({ title: _t, ...rest }) => rest)).toEqual(before.steps.map(({ title: _t, ...rest }) => rest));
    expect(plan.state).toMatchObject({ generatedBy: 'llm:m', status: 'proposed', version: before.version + 1 });
  });

  it('reword: refuses another count of titles; a decided or superseded plan is left as it is', () => {
    expect(() => proposed().reword(['only one'], 'llm:m')).toThrow(RangeError);
    const accepted = proposed();
    accepted.accept(AT);
    const superseded = proposed();
    superseded.supersede(AT);
    for (const plan of [accepted, superseded]) {
      const before = plan.state;
      expect(plan.reword(['a', 'b'], 'llm:m')).toBe(false);
      expect(plan.state).toBe(before);
    }
  });
});

describe('Plan: states, errors and versions', () => {
  const LATER = '2026-12-06T08:00:00.000Z';
  const pending = () => Plan.pending({ id: 'p1', userId: 'u1', taskId: 't1', trigger: 'postponed', at: AT });
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('expected a throw');
  };

  it('a pending plan is empty, open, fitting and at version 1', () => {
    const plan = pending();
    expect(plan.state).toEqual({
      id: 'p1',
      userId: 'u1',
      taskId: 't1',
      trigger: 'postponed',
      status: 'pending',
      diagnosis: [],
      steps: [],
      fits: true,
      advice: null,
      reliableMinutes: null,
      originalProbability: null,
      planProbability: null,
      generatedBy: null,
      feedback: null,
      createdAt: AT,
      decidedAt: null,
      version: 1,
    });
    expect(plan.isOpen).toBe(true);
  });

  it('propose fills the plan once; proposing again is a conflict that names the status', () => {
    const plan = proposed();
    expect(plan.isOpen).toBe(true);
    expect(plan.state).toMatchObject({ status: 'proposed', version: 2, reliableMinutes: 30, generatedBy: 'built-in', planProbability: 0.8 });
    const before = plan.state;
    const error = thrown(() => plan.propose({ ...before }));
    expect(error).toBeInstanceOf(PlanNotOpen);
    expect(error).toMatchObject({ kind: 'conflict', code: 'plan_not_open', message: 'the plan is proposed: it cannot be proposed again', name: 'PlanNotOpen' });
    expect(plan.state).toBe(before);
    const accepted = proposed();
    accepted.accept(LATER);
    expect(thrown(() => accepted.propose({ ...before }))).toMatchObject({ code: 'plan_not_open', message: 'the plan is accepted: it cannot be proposed again' });
  });

  it('accept and reject of a pending plan: not ready, with its code; nothing changes', () => {
    for (const act of [(p: Plan) => p.accept(LATER), (p: Plan) => p.reject(LATER, 'no')]) {
      const plan = pending();
      const before = plan.state;
      const error = thrown(() => act(plan));
      expect(error).toBeInstanceOf(PlanNotReady);
      expect(error).toMatchObject({ kind: 'conflict', code: 'plan_not_ready', message: 'the plan is still being made; try again in a moment', name: 'PlanNotReady' });
      expect(plan.state).toBe(before);
    }
  });

  it('reject: a proposed plan becomes rejected with the feedback, one version more; again is a no-op', () => {
    const plan = proposed();
    expect(plan.reject(LATER, 'too early in the day')).toBe(true);
    expect(plan.state).toMatchObject({ status: 'rejected', feedback: 'too early in the day', decidedAt: LATER, version: 3 });
    expect(plan.isOpen).toBe(false);
    const before = plan.state;
    expect(plan.reject(AT, 'other')).toBe(false);
    expect(plan.state).toBe(before);
  });

  it('a decided plan cannot be decided the other way: conflicts naming the status and the action', () => {
    const rejected = proposed();
    rejected.reject(LATER, null);
    const accept = thrown(() => rejected.accept(LATER));
    expect(accept).toBeInstanceOf(PlanNotOpen);
    expect(accept).toMatchObject({ kind: 'conflict', code: 'plan_not_open', message: 'the plan is rejected: it cannot be accepted' });
    const accepted = proposed();
    accepted.accept(LATER);
    const reject = thrown(() => accepted.reject(LATER, null));
    expect(reject).toBeInstanceOf(PlanNotOpen);
    expect(reject).toMatchObject({ kind: 'conflict', code: 'plan_not_open', message: 'the plan is accepted: it cannot be rejected' });
    const superseded = proposed();
    superseded.supersede(LATER);
    expect(thrown(() => superseded.accept(LATER))).toMatchObject({ code: 'plan_not_open', message: 'the plan is superseded: it cannot be accepted' });
    expect(thrown(() => superseded.reject(LATER, null))).toMatchObject({ code: 'plan_not_open', message: 'the plan is superseded: it cannot be rejected' });
  });

  it('supersede closes an open plan (pending or proposed), one version more; a closed plan stays as it is', () => {
    const open = pending();
    open.supersede(LATER);
    expect(open.state).toMatchObject({ status: 'superseded', decidedAt: LATER, version: 2 });
    expect(open.isOpen).toBe(false);
    const offered = proposed();
    offered.supersede(LATER);
    expect(offered.state).toMatchObject({ status: 'superseded', decidedAt: LATER, version: 3 });
    const accepted = proposed();
    accepted.accept(AT);
    const rejected = proposed();
    rejected.reject(AT, null);
    for (const plan of [accepted, rejected, offered]) {
      const before = plan.state;
      plan.supersede('2027-01-01T00:00:00.000Z');
      expect(plan.state).toBe(before);
    }
  });

  it('reword refuses another count of titles with a message naming both counts', () => {
    const plan = proposed();
    const before = plan.state;
    const error = thrown(() => plan.reword(['only one'], 'llm:m'));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('1 titles for 2 steps');
    expect(plan.state).toBe(before);
  });

  it('restore gives back the state it was given', () => {
    const state = proposed().state;
    expect(Plan.restore(state).state).toBe(state);
    expect(Plan.restore({ ...state, status: 'accepted' }).isOpen).toBe(false);
  });
});

describe('plan errors', () => {
  it('pin their kinds and codes', () => {
    expect(new PlanNotFound()).toMatchObject({ kind: 'not_found', code: 'plan_not_found', message: 'no such plan' });
    expect(new TooManyPlanRequests(30)).toMatchObject({ kind: 'rate_limited', code: 'too_many_plan_requests', retryAfterSeconds: 30, message: 'too many plans asked for; try again in 30 s' });
  });
});
