#!/usr/bin/env node
// `npm run mutation [-- <context>... --force --concurrency N]`: runs Stryker (incremental: only
// mutants in code or tests changed since test/mutation/incremental/<context>.json was written are
// run again) once per bounded context, then checks each context's domain and application scores
// (killed and timed-out mutants over the mutants some test covers) against their bars. Exit code
// 1 when a run fails or a layer is under its bar. Reports: reports/mutation/<context>.{json,html}
// and reports/mutation/summary.md. docs/testing.md has the design and the latest figures.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONTEXTS = ['tasks', 'identity', 'kernel', 'learning', 'coach', 'live'];
const BARS = { domain: 92, application: 85 };

const args = process.argv.slice(2);
const force = args.includes('--force');
const checkOnly = args.includes('--check-only');
const concurrencyAt = args.indexOf('--concurrency');
const concurrency = concurrencyAt >= 0 ? args[concurrencyAt + 1] : process.env.MUTATION_CONCURRENCY;
const named = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--concurrency');
const unknown = named.filter((c) => !CONTEXTS.includes(c));
if (unknown.length > 0) {
  console.error(`unknown context(s): ${unknown.join(', ')}; known: ${CONTEXTS.join(', ')}`);
  process.exit(2);
}
const contexts = named.length > 0 ? named : CONTEXTS;

const failures = [];
const seconds = {};
if (!checkOnly) {
  for (const context of contexts) {
    const started = Date.now();
    const strykerArgs = ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'test/mutation/stryker.config.mjs'];
    if (force) strykerArgs.push('--force');
    if (concurrency) strykerArgs.push('--concurrency', String(concurrency));
    console.log(`\n==> mutation: ${context}${force ? ' (all mutants)' : ' (incremental)'}`);
    const run = spawnSync(process.execPath, strykerArgs, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, MUTATION_CONTEXT: context } });
    seconds[context] = Math.round((Date.now() - started) / 1000);
    if (run.status !== 0) failures.push(`${context}: Stryker exited with ${run.status ?? run.signal}`);
  }
}

/** Counts per layer (domain, application) from a mutation-testing-report-schema JSON report. */
function layerCounts(report) {
  const layers = {};
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const layer = file.split('/')[2]; // libs/<context>/<layer>/...
    const c = (layers[layer] ??= { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0 });
    for (const m of mutants) c[m.status] = (c[m.status] ?? 0) + 1;
  }
  return layers;
}

const rows = [];
for (const context of contexts) {
  const file = path.join(ROOT, 'reports/mutation', `${context}.json`);
  if (!fs.existsSync(file)) {
    failures.push(`${context}: no report at ${path.relative(ROOT, file)}`);
    continue;
  }
  const layers = layerCounts(JSON.parse(fs.readFileSync(file, 'utf8')));
  for (const layer of Object.keys(BARS)) {
    const c = layers[layer];
    if (!c) continue;
    const detected = c.Killed + c.Timeout;
    const covered = detected + c.Survived;
    const score = covered === 0 ? null : (100 * detected) / covered;
    const total = covered + c.NoCoverage === 0 ? null : (100 * detected) / (covered + c.NoCoverage);
    const ok = covered === 0 ? detected + c.Survived + c.NoCoverage === 0 : score >= BARS[layer];
    if (!ok) failures.push(`${context}/${layer}: ${score === null ? 'no mutant is covered by a test' : `${score.toFixed(1)}% < ${BARS[layer]}%`}`);
    rows.push({ context, layer, c, score, total, ok });
  }
}

const pct = (v) => (v === null ? 'n/a' : `${v.toFixed(1)}%`);
const table = [
  '| context | layer | killed | timed out | survived | no coverage | ignored | covered score | total score | bar |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(({ context, layer, c, score, total, ok }) =>
    `| ${context} | ${layer} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.Ignored} | ${pct(score)} | ${pct(total)} | ${BARS[layer]}% ${ok ? 'ok' : 'FAILED'} |`,
  ),
].join('\n');
fs.mkdirSync(path.join(ROOT, 'reports/mutation'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'reports/mutation/summary.md'), `${table}\n`);
console.log(`\n${table}\n`);
if (Object.keys(seconds).length > 0) console.log(`time: ${Object.entries(seconds).map(([c, s]) => `${c} ${s}s`).join(', ')}`);
if (failures.length > 0) {
  console.error(`\nmutation check FAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('mutation check passed');
