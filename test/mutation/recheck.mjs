#!/usr/bin/env node
// Re-tests the mutants a Stryker report left alive (Survived, NoCoverage) against the tests of a
// checkout (docs/testing.md, "Re-testing the survivors"): applies each mutant's replacement at
// its location, runs the suites the Stryker config picks for the context (--bail), restores the
// file. Valid only while the production files are the report's (a file that differs is refused):
// killed mutants stay killed when tests are only added. One JSON line per mutant to <out.jsonl>.
// usage: node test/mutation/recheck.mjs <context> <report.json> <file-substring> <checkout> <out.jsonl> [shard/of]
// Run shards in separate checkouts (git worktree add --detach), never two in one.
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { mutationSuites } from './suites.mjs';
const [context, report, filter, root, out, shardArg = '0/1'] = process.argv.slice(2);
const [shard, of] = shardArg.split('/').map(Number);
const r = JSON.parse(readFileSync(report, 'utf8'));
const todo = [];
for (const [file, f] of Object.entries(r.files)) {
  if (!file.includes(filter)) continue;
  for (const m of f.mutants) if (m.status === 'Survived' || m.status === 'NoCoverage') todo.push({ file, m });
}
const suites = mutationSuites(context, root);
console.log(`${suites.length} suites`);
const mine = todo.filter((_, i) => i % of === shard);
console.log(`${todo.length} survivors; shard ${shard}/${of}: ${mine.length}`);
const offset = (src, { line, column }) => {
  const lines = src.split('\n');
  let o = 0;
  for (let i = 0; i < line - 1; i++) o += lines[i].length + 1;
  return o + column - 1;
};
for (const { file, m } of mine) {
  const abs = path.join(root, file);
  const original = readFileSync(abs, 'utf8');
  if (original !== r.files[file].source) throw new Error(`${file} differs from the report's source`);
  const a = offset(original, m.location.start), b = offset(original, m.location.end);
  writeFileSync(abs, original.slice(0, a) + m.replacement + original.slice(b));
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '-c', 'test/mutation/jest.config.js', '--bail', '--runTestsByPath', ...suites], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  writeFileSync(abs, original);
  const output = `${run.stdout}${run.stderr}`;
  const status = run.status === 0 ? 'Survived' : run.error ? 'Timeout' : /SyntaxError|Syntax Error|Expected .* but found/.test(output) ? 'CompileError' : 'Killed';
  appendFileSync(out, JSON.stringify({ id: m.id, file, line: m.location.start.line, mutator: m.mutatorName, replacement: m.replacement, was: m.status, now: status, ms: Date.now() - started }) + '\n');
  console.log(`${status} L${m.location.start.line} ${m.mutatorName} ${JSON.stringify(m.replacement).slice(0, 60)}`);
}
