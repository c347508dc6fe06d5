// The suites a mutation run of a context uses (test/mutation/stryker.config.mjs, recheck.mjs):
// unit specs beside the code and the context's handler tests (in-memory fakes) under test/,
// without those that need a running service or open a database.
import fs from 'node:fs';
import path from 'node:path';

/** Suites that need a running service or open a database are not unit or handler tests. */
const NEEDS_SERVICES = /describeWithService|openDatabase\(|TEST_(DATABASE|REDIS|AMQP)_URL/;

function specsUnder(root, dir) {
  if (!fs.existsSync(path.join(root, dir))) return [];
  return fs.readdirSync(path.join(root, dir), { recursive: true })
    .map((f) => path.join(dir, f))
    .filter((f) => f.endsWith('.spec.ts') && fs.statSync(path.join(root, f)).isFile());
}

/** The context's mutation suites, relative to `root`, sorted. */
export function mutationSuites(context, root = process.cwd()) {
  return [...specsUnder(root, `libs/${context}`), ...specsUnder(root, `test/${context}/application`)]
    .filter((f) => !NEEDS_SERVICES.test(fs.readFileSync(path.join(root, f), 'utf8')))
    .sort();
}
