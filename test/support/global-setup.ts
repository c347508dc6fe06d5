import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGLITE_TEMPLATE_ENV, SERVICES, SERVICES_UP_ENV, type ServiceName } from './services';

const ROOT = path.resolve(__dirname, '../..');
const DEFAULT_PORTS: Record<string, number> = { 'postgres:': 5432, 'redis:': 6379, 'amqp:': 5672 };

function reachable(url: string, timeoutMs = 1500): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || DEFAULT_PORTS[u.protocol]);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export default async function globalSetup(): Promise<void> {
  // Suites that run the product as a process (startup, worker crash) use dist/: build it once,
  // here, before any of them starts (two suites rebuilding in parallel would delete each other's).
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);

  // The embedded database every embedded test app starts from (copied, PGLITE_TEMPLATE_ENV): made
  // by the product's own `migrate` (initdb, then every context's migrations), as a first start does.
  const template = mkdtempSync(path.join(os.tmpdir(), 'ln-test-pglite-'));
  const { DATABASE_URL: _services, ...env } = process.env;
  const made = spawnSync(process.execPath, ['dist/apps/server/src/migrate.js'], { cwd: ROOT, env: { ...env, DATA_DIR: template }, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`the embedded template database could not be made:\n${made.stdout}\n${made.stderr}`);
  process.env[PGLITE_TEMPLATE_ENV] = path.join(template, 'pglite');

  const names = Object.keys(SERVICES) as ServiceName[];
  const results = await Promise.all(names.map(async (n) => [n, await reachable(SERVICES[n])] as const));
  const up = results.filter(([, ok]) => ok).map(([n]) => n);
  const down = results.filter(([, ok]) => !ok).map(([n]) => n);
  // Workers inherit the parent's environment, so this is how the probe reaches every suite.
  process.env[SERVICES_UP_ENV] = up.join(',');
  if (down.length > 0) {
    const list = down.map((n) => `${n} (${SERVICES[n]})`).join(', ');
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and these services are not reachable: ${list}. Start them (see README).`);
    }
    // eslint-disable-next-line no-console
    console.warn(`\nServices not running, their adapter suites will be SKIPPED: ${list}\n`);
  }
}
