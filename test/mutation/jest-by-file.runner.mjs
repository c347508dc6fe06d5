// A Stryker test runner plugin, `jest-by-file`: Stryker's own jest runner, except that a mutant run
// loads only the test files that hold the tests covering the mutant.
//
// With `coverageAnalysis: 'perTest'` Stryker knows which tests cover each mutant, and its jest
// runner passes them to jest as a test name pattern; but it picks the files with
// `--findRelatedTests`, so every suite that imports the mutated file, directly or not, is loaded
// again for every mutant (with Nest's modules), even when none of its tests is run. A domain file
// that 30 suites import costs 30 suite loads per mutant. This runner records in the dry run which
// file each test is in, and runs a mutant's covering tests in their own files only (jest's
// `testFiles`, the same name pattern). Mutants without a test filter (static ones, run against
// every test) keep `--findRelatedTests`. Measured in docs/testing.md ("How long it takes").
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';

// The jest runner's factory is not in its package's exports: load the module by its file.
const jestRunnerIndex = fileURLToPath(import.meta.resolve('@stryker-mutator/jest-runner'));
const { jestTestRunnerFactory } = await import(pathToFileURL(path.join(path.dirname(jestRunnerIndex), 'jest-test-runner.js')).href);

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function jestByFileFactory(injector) {
  const runner = jestTestRunnerFactory(injector);
  /** Test id (jest's full name) -> the files that have a test of that name. */
  const filesOf = new Map();
  /** The files for the mutant being run, or null (let --findRelatedTests pick). */
  let onlyFiles = null;

  const adapter = runner.jestTestAdapter;
  const run = adapter.run.bind(adapter);
  adapter.run = (settings) => (onlyFiles ? run({ ...settings, testFiles: onlyFiles }) : run(settings));

  const dryRun = runner.dryRun.bind(runner);
  runner.dryRun = async (options) => {
    const result = await dryRun(options);
    for (const test of result.tests ?? []) {
      if (!test.fileName) continue;
      const files = filesOf.get(test.id) ?? new Set();
      files.add(test.fileName);
      filesOf.set(test.id, files);
    }
    return result;
  };

  const mutantRun = runner.mutantRun.bind(runner);
  runner.mutantRun = async (options) => {
    const files = new Set();
    let known = Array.isArray(options.testFilter) && options.testFilter.length > 0;
    for (const id of known ? options.testFilter : []) {
      const of = filesOf.get(id);
      if (!of) {
        known = false;
        break;
      }
      for (const f of of) files.add(f);
    }
    // jest reads testFiles as path patterns: anchored, escaped absolute paths.
    onlyFiles = known ? [...files].map((f) => `^${escapeRegExp(f)}$`) : null;
    try {
      return await mutantRun(options);
    } finally {
      onlyFiles = null;
    }
  };
  return runner;
}
jestByFileFactory.inject = tokens(commonTokens.injector);

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'jest-by-file', jestByFileFactory)];
