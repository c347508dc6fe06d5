import { type TestApp, startTestApp } from '../support/app';
import { rescore } from '../../load-tests/sim/rescore';
import { auc, brier, deciles, evaluate, formatEvaluation, mulberry32, planUser, simulate } from '../../load-tests/sim/sim';

/**
 * A short seeded run of the simulator (`npm run sim` is the full one, docs/learning.md): users
 * with planted habits written over HTTP into the real application in embedded mode, the learning
 * projection building their history, the success model scored on held-out tasks. The floors fail
 * when the model falls back to what a baseline knows. SIM_PRINT=1 prints the run's tables.
 */
describe('simulator', () => {
  it('metrics: AUC with ties, Brier, deciles', () => {
    expect(auc([{ p: 0.9, done: true }, { p: 0.1, done: false }])).toBe(1);
    expect(auc([{ p: 0.5, done: true }, { p: 0.5, done: false }])).toBe(0.5);
    expect(auc([{ p: 0.2, done: true }, { p: 0.8, done: false }, { p: 0.5, done: true }])).toBe(0);
    expect(brier([{ p: 1, done: true }, { p: 0.5, done: false }])).toBeCloseTo(0.125);
    expect(deciles([{ p: 0.05, done: false }, { p: 0.95, done: true }, { p: 1, done: true }])).toEqual([
      { range: '0.0-0.1', n: 1, meanP: 0.05, observed: 0 },
      { range: '0.9-1.0', n: 2, meanP: 0.975, observed: 1 },
    ]);
  });

  it('plans are a function of the seed', () => {
    expect(planUser(5, 3, { tasks: 60, heldOut: 20 })).toEqual(planUser(5, 3, { tasks: 60, heldOut: 20 }));
    expect(planUser(5, 3, { tasks: 60, heldOut: 20 })).not.toEqual(planUser(6, 3, { tasks: 60, heldOut: 20 }));
    const r = mulberry32(1);
    expect([r(), r()]).toEqual([mulberry32(1)(), expect.any(Number)]);
  });

  describe('a short run through the real application', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp('embedded');
    }, 60_000);
    afterAll(async () => t?.close());

    it('the model beats both baselines on held-out tasks of users with a habit', async () => {
      const report = await simulate(t.app, { seed: 11, users: 8, tasks: 60, heldOut: 30 });
      const e = evaluate(report);
      if (process.env.SIM_PRINT) console.log(formatEvaluation(report, e));
      const habit = e.rows[0]!;
      expect(habit.group).toBe('habit users');
      expect(habit.tasks).toBeGreaterThan(150);
      expect(habit.auc.model).toBeGreaterThan(0.7);
      expect(habit.auc.model).toBeGreaterThan(habit.auc.baseRate + 0.1);
      expect(habit.auc.model).toBeGreaterThan(habit.auc.population + 0.05);
      expect(habit.brier.model).toBeLessThan(habit.brier.baseRate * 0.9);
      expect(habit.brier.model).toBeLessThan(habit.brier.population);
      // Insights state at least most planted habits, and the explanations name the user's own numbers.
      expect(e.habitFound.atEnd).toBeGreaterThanOrEqual(0.5);
      expect(e.example?.factors.length).toBeGreaterThan(0);

      // `npm run sim:rescore` (how model changes are tried on kept runs) gives back exactly the
      // scores the run made, and a report kept without the population's load totals (before the
      // projection had them) gets the same ones from its users' cells.
      const model = (r: typeof report) => r.scores.map((s) => s.model);
      expect(report.cells.population.some((c) => c.dimension === 'load')).toBe(true);
      expect(model(rescore(report, { populationLoads: true }))).toEqual(model(report));
      const older = { ...report, cells: { ...report.cells, population: report.cells.population.filter((c) => c.dimension !== 'load') } };
      expect(model(rescore(older, { populationLoads: true }))).toEqual(model(report));
      expect(model(rescore(report, { populationLoads: false }))).not.toEqual(model(report));
      // About 20 s alone on 2 cores (1,400 requests and their events); the margin is for a busy machine.
    }, 600_000);
  });
});
