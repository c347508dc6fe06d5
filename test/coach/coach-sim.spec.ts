import { type TestApp, startTestApp } from '../support/app';
import { evaluateCoach, formatCoachEvaluation, simulateCoach } from '../../load-tests/coach-sim/coach-sim';

/**
 * A short seeded run of the coach's evaluation (`npm run sim:coach` is the full one,
 * docs/coach.md): simulated users with planted habits write their history over HTTP into the real
 * application, some of their tasks fail, and the coach's plans are read back. The floors fail when
 * the diagnosis stops naming the habit, or the plans stop beating the original tasks and a naive split.
 * COACH_SIM_PRINT=1 prints the table.
 */
describe('coach simulator (short run through the real application)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { COACH_REQUESTS_PER_HOUR: '0' });
  }, 60_000);
  afterAll(async () => t?.close());

  it('names the planted habit and plans steps that beat the original tasks and a naive split', async () => {
    const report = await simulateCoach(t.app, { seed: 7, users: 10, tasks: 50, failures: 3 });
    const e = evaluateCoach(report);
    if (process.env.COACH_SIM_PRINT) console.log(formatCoachEvaluation(report, e));
    const habit = e.rows.find((r) => r.habit === 'habit users')!;
    expect(habit.plans).toBeGreaterThanOrEqual(12);
    expect(habit.top2).toBeGreaterThanOrEqual(0.75);
    expect(habit.ratio).toBeGreaterThanOrEqual(1.5);
    expect(habit.plan).toBeGreaterThan(habit.naive + 0.1);
    expect(habit.badSlots).toBe(0);
    // 42 s alone; 162 s inside a clean-clone `.ci/run` (2026-12-06), beside the other suites on 2
    // cores. The limit is the learning sim's, so a loaded CI host does not fail it for slowness.
  }, 600_000);
});
