import { Plan, PlanNotOpen, PlanNotReady } from './plan.aggregate';

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
