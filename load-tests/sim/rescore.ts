// `npm run sim:rescore -- report.json [...]`: the held-out tasks of a kept sim run (`SIM_OUT`)
// scored again by the current success model, from the cells they were scored from, and the same
// tables printed. How a change of the model is tried on the tuning seeds without writing every
// task over HTTP again (ADR 16: tune on seeds 1 and 2, run the reported seed once at the end).
//
// A report kept before the population had load totals gets them summed from its users' cells
// (what the projection now keeps incrementally); RESCORE_POPULATION_LOADS=0 leaves them out, to
// compare with the model as it was.
import { readFileSync } from 'node:fs';
import { SuccessModel } from '@ln/learning/domain/success-model';
import { totalsOf } from '@ln/learning/domain/totals';
import { type Cell, addCounts } from '@ln/learning/domain/tracked-task.value-object';
import { type SimReport, evaluate, formatEvaluation } from './sim';

/** The population's load totals: every user's, summed (each day's outcomes under its count of tasks). */
function populationLoads(users: Readonly<Record<number, readonly Cell[]>>): Cell[] {
  const byKey = new Map<string, Cell>();
  for (const cells of Object.values(users)) {
    for (const c of totalsOf(cells)) {
      if (c.dimension !== 'load') continue;
      const was = byKey.get(c.key);
      byKey.set(c.key, was ? addCounts(was, c) : c);
    }
  }
  return [...byKey.values()];
}

export function rescore(report: SimReport, options: { populationLoads: boolean }): SimReport {
  const kept = report.cells.population;
  const hasLoads = kept.some((c) => c.dimension === 'load');
  const population = options.populationLoads ? (hasLoads ? kept : [...kept, ...populationLoads(report.cells.users)]) : kept.filter((c) => c.dimension !== 'load');
  const models = new Map<number, SuccessModel>();
  const modelOf = (user: number) => {
    let m = models.get(user);
    if (!m) models.set(user, (m = SuccessModel.build(report.cells.users[user] ?? [], population)));
    return m;
  };
  const populationModel = SuccessModel.build([], population);
  const scores = report.scores.map((s) => {
    const prediction = modelOf(s.user).predict(s.task, s.dayLoad);
    return { ...s, model: prediction.probability, factors: prediction.factors, population: populationModel.predict(s.task, s.dayLoad).probability };
  });
  return { ...report, scores, cells: { ...report.cells, population } };
}

function main(): void {
  const files = process.argv.slice(2);
  if (files.length === 0) throw new Error('usage: npm run sim:rescore -- report.json [...] (a report written with SIM_OUT)');
  const populationLoadsOn = process.env.RESCORE_POPULATION_LOADS !== '0';
  for (const file of files) {
    const report = JSON.parse(readFileSync(file, 'utf8')) as SimReport;
    console.log(`\n${file} (population load totals ${populationLoadsOn ? 'on' : 'off'})\n`);
    console.log(formatEvaluation(report, evaluate(rescore(report, { populationLoads: populationLoadsOn }))));
  }
}

if (require.main === module) main();
