// Architecture guard rails.
// - dependency-cruiser (.dependency-cruiser.cjs) checks the import graph between layers;
// - it cannot see ambient reads of the environment, so `process.env` in domain/application is scanned here.
// Each check is also run against test/fixtures/layer-violation/, a deliberately broken tree, to prove
// that it can fail at all (a rule whose pattern never matches passes forever).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE_ROOT = path.join(REPO_ROOT, 'test', 'fixtures', 'layer-violation');
const DEPCRUISE = path.join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
const DEPCRUISE_CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

/** Folders whose code must take its configuration from the composition root, never from the environment: every context's domain and application. */
function envFreeSources(root: string): string[] {
  let contexts: string[];
  try {
    contexts = readdirSync(path.join(root, 'libs'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  return contexts.sort().flatMap((c) => [`libs/${c}/domain`, `libs/${c}/application`]);
}

interface EnvAccess {
  /** Path relative to the scanned root, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

// Any mention counts, comments included: `process.env`, `process?.env`, `process['env']`,
// `globalThis.process`, `globalThis['process']`, `const { env } = process`, `import ... from 'node:process'`.
const ENV_ACCESS_PATTERNS: readonly RegExp[] = [
  /\bprocess\s*(\?\.|\.)\s*env\b/,
  /\bprocess\s*(\?\.)?\s*\[\s*['"`]env['"`]\s*\]/,
  /\bglobalThis\s*(\?\.|\.)\s*process\b/,
  /\bglobalThis\s*(\?\.)?\s*\[\s*['"`]process['"`]\s*\]/,
  /\{[^}]*\benv\b[^}]*\}\s*=\s*(globalThis\s*\.\s*)?process\b/,
  /(\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)['"](node:)?process['"]/,
];

function listTsSources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listTsSources(full);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** Every line under `root`/`sourceDirs` (non-spec .ts files) that reads the process environment. */
function findEnvAccess(root: string, sourceDirs: readonly string[] = envFreeSources(root)): EnvAccess[] {
  const hits: EnvAccess[] = [];
  for (const dir of sourceDirs) {
    for (const file of listTsSources(path.join(root, dir)).sort()) {
      const lines = readFileSync(file, 'utf8').split(/\r?\n/);
      lines.forEach((text, index) => {
        if (ENV_ACCESS_PATTERNS.some((pattern) => pattern.test(text))) {
          hits.push({ file: path.relative(root, file).split(path.sep).join('/'), line: index + 1, text: text.trim() });
        }
      });
    }
  }
  return hits;
}

function formatEnvAccess(hits: readonly EnvAccess[]): string {
  return hits.map((h) => `${h.file}:${h.line}: ${h.text}`).join('\n');
}

interface DepcruiseRun {
  status: number | null;
  output: string;
  ms: number;
}

function depcruise(cwd: string, targets: readonly string[]): DepcruiseRun {
  const started = Date.now();
  const result = spawnSync(DEPCRUISE, [...targets, '--config', DEPCRUISE_CONFIG, '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
  return { status: result.status, output, ms: Date.now() - started };
}

/** `error <rule>: <from> → <to>` lines of the err reporter. */
function violations(output: string): Array<{ rule: string; from: string; to: string }> {
  return [...output.matchAll(/^\s*(?:error|warn|info) ([\w-]+): (\S+) → (\S+)/gm)].map(([, rule, from, to]) => ({
    rule,
    from,
    to,
  }));
}

describe('architecture: layers', () => {
  describe('no process environment in domain and application', () => {
    it('the real tree has none (configuration comes from libs/config via the composition root)', () => {
      const hits = findEnvAccess(REPO_ROOT);
      if (hits.length > 0) {
        throw new Error(
          `libs/<context>/domain and libs/<context>/application must not read the environment; parse it in libs/config and inject it:\n` +
            formatEnvAccess(hits),
        );
      }
    });

    it('the scan catches the violation planted in the fixture', () => {
      expect(findEnvAccess(FIXTURE_ROOT)).toEqual([
        { file: 'libs/alpha/domain/env.ts', line: 2, text: 'export const LIMIT = Number(process.env.X ?? 10);' },
      ]);
    });

    it.each([
      'const a = process.env.X;',
      'const a = process?.env?.X;',
      "const a = process['env'].X;",
      'const a = process["env"];',
      'const a = globalThis.process.env;',
      "const a = globalThis['process'];",
      'const { env } = process;',
      "import { env } from 'node:process';",
      "const p = require('process');",
    ])('the scan recognises %s', (line) => {
      expect(ENV_ACCESS_PATTERNS.some((pattern) => pattern.test(line))).toBe(true);
    });

    it.each(['const processed = input.env;', 'export const environment = "test";', 'process(envelope);'])(
      'the scan ignores %s',
      (line) => {
        expect(ENV_ACCESS_PATTERNS.some((pattern) => pattern.test(line))).toBe(false);
      },
    );
  });

  describe('dependency-cruiser (.dependency-cruiser.cjs)', () => {
    it('the real tree has no layer violation (same as npm run lint:layers)', () => {
      const run = depcruise(REPO_ROOT, ['apps', 'libs']);
      if (run.status !== 0) {
        throw new Error(`depcruise apps libs exited with ${run.status} after ${run.ms} ms:\n${run.output}`);
      }
      expect(run.output).toContain('no dependency violations found');
    });

    it('the same config fails on the fixture tree and names every broken rule', () => {
      // cwd = the fixture, so its modules are seen as libs/... exactly like the real tree.
      const run = depcruise(FIXTURE_ROOT, ['libs']);

      expect(run.status).not.toBe(0);
      const found = violations(run.output);
      const context = `depcruise output (exit ${run.status}):\n${run.output}`;
      const expected = [
        {
          rule: 'domain-not-to-npm',
          from: 'libs/alpha/domain/bad.ts',
          to: expect.stringMatching(/(^|\/)node_modules\/@nestjs\/common\//),
        },
        {
          rule: 'domain-not-to-npm',
          from: 'libs/alpha/domain/bad.ts',
          to: expect.stringMatching(/(^|\/)node_modules\/typeorm\//),
        },
        {
          rule: 'application-not-to-adapters-config-apps',
          from: 'libs/alpha/application/bad-use-case.ts',
          to: 'libs/alpha/adapters/some.adapter.ts',
        },
        {
          rule: 'context-only-through-published',
          from: 'libs/beta/application/uses-alpha.ts',
          to: 'libs/alpha/domain/alpha.aggregate.ts',
        },
        {
          rule: 'kernel-not-to-contexts',
          from: 'libs/kernel/application/knows-a-context.ts',
          to: 'libs/alpha/application/alpha.facade.ts',
        },
      ];
      expect({ context, found }).toEqual({ context, found: expect.arrayContaining(expected) });
      // Nothing else: in particular the imports resolved (no not-to-unresolvable), and the adapter and the
      // facade (used by another context) are legal.
      expect({ context, count: found.length }).toEqual({ context, count: expected.length });
    });
  });
});
