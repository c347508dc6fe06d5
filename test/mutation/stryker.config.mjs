// Mutation testing, one bounded context per run: `npm run mutation` (test/mutation/run.mjs) runs
// this once per context with MUTATION_CONTEXT set, then checks the domain and application scores
// against their bars. docs/testing.md explains the scope, the exclusions and the figures.
import { mutationSuites } from './suites.mjs';

export const CONTEXTS = ['tasks', 'identity', 'kernel', 'learning', 'coach', 'live'];

const context = process.env.MUTATION_CONTEXT;
if (!CONTEXTS.includes(context)) {
  throw new Error(`MUTATION_CONTEXT must be one of ${CONTEXTS.join(', ')} (got ${context ?? 'nothing'})`);
}

// Unit specs beside the code, and the context's handler tests (in-memory fakes) under test/.
const suites = mutationSuites(context);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // jest-by-file (./jest-by-file.runner.mjs): Stryker's jest runner, loading only the test files
  // that cover a mutant; MUTATION_RUNNER=jest gives Stryker's own (every related suite per mutant).
  testRunner: process.env.MUTATION_RUNNER ?? 'jest-by-file',
  testRunner_comment: 'jest without globalSetup (no build, no service probe); only the suites listed above',
  jest: {
    projectType: 'custom',
    configFile: 'test/mutation/jest.config.js',
    config: { testMatch: suites.map((f) => `<rootDir>/${f}`) },
    enableFindRelatedTests: true,
  },
  plugins: ['@stryker-mutator/jest-runner', './test/mutation/jest-by-file.runner.mjs', './test/mutation/message-strings.ignorer.mjs'],
  ignorers: ['message-strings'],
  // As `npm run jest` runs it (some suites import ES modules dynamically).
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  coverageAnalysis: 'perTest',
  mutate: [
    // MUTATION_MUTATE (comma-separated globs) narrows a run to some files; the incremental file then
    // holds only their results, and the next full run tests the others again.
    ...(process.env.MUTATION_MUTATE ? process.env.MUTATION_MUTATE.split(',') : [`libs/${context}/domain/**/*.ts`, `libs/${context}/application/**/*.ts`]),
    '!**/*.spec.ts',
    '!**/*.fixtures.ts',
    // Interfaces and DI tokens (Symbol descriptions) only.
    '!**/ports/**',
  ],
  // The sandbox needs the sources, tests and configs; not the build, data or docs.
  ignorePatterns: ['dist', 'data', 'docs', 'docker', 'load-tests', 'reports', 'coverage', '.github', '.ci'],
  incremental: true,
  incrementalFile: `test/mutation/incremental/${context}.json`,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  // Generous: on a loaded machine a slow run must not pass for a timeout (which counts as killed).
  timeoutMS: 30000,
  timeoutFactor: 2,
  reporters: ['json', 'html', 'clear-text', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${context}.json` },
  htmlReporter: { fileName: `reports/mutation/${context}.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // test/mutation/run.mjs applies the per-layer bars (domain 92, application 85); these only colour the report.
  thresholds: { high: 92, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
