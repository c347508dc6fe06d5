// `npm run bench`: throughput and latency of the product's hot paths as ratios to a bare Fastify
// server measured in the same run (these machines are noisy; only ratios compare across runs).
// Loopback only; every process it starts it stops.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PG = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function start(cmd, args, env, readyText) {
  const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready:\n${out}`)), 60_000);
    const on = (b) => {
      out += b;
      if (out.includes(readyText)) {
        clearTimeout(timer);
        // From here on the output is drained, not kept: the bench must not pay for the app's logs.
        child.stdout.off('data', on);
        child.stderr.off('data', on);
        child.stdout.resume();
        child.stderr.resume();
        resolve(child);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
  children.delete(child);
}

function load(url, headers, seconds = SECONDS) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, pipelining: 1 }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

const summary = (r) => ({
  rps: Math.round(r.requests.average),
  p50: r.latency.p50,
  p90: r.latency.p90,
  p99: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors + r.timeouts,
});

async function main() {
  const dbName = `ln_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(PG);
  dbUrl.pathname = `/${dbName}`;

  const appPort = await freePort();
  const app = await start(
    process.execPath,
    ['dist/apps/server/src/main.js'],
    {
      NODE_ENV: 'production',
      ROLE: 'api',
      PORT: String(appPort),
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: REDIS,
      REDIS_KEY_PREFIX: `bench:${dbName}:`,
      AMQP_URL: AMQP,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    ' ready: ',
  );
  const base = `http://127.0.0.1:${appPort}`;
  const post = (url, body, token) =>
    fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  await post('/v1/auth/register', { email: 'bench@example.com', password: 'bench password' });
  const { accessToken } = await (await post('/v1/auth/login', { email: 'bench@example.com', password: 'bench password' })).json();
  for (let i = 0; i < 20; i++) {
    await post('/v1/tasks', { title: `Task number ${i}`, notes: 'Some notes about the task', scheduledFor: '2026-12-01', estimateMinutes: 30, tags: ['work', 'bench'] }, accessToken);
  }
  const auth = { authorization: `Bearer ${accessToken}` };
  const body = await (await fetch(`${base}/v1/tasks`, { headers: auth })).text();

  const barePort = await freePort();
  const bare = await start(process.execPath, ['load-tests/bench/bare-fastify.mjs'], { PORT: String(barePort), BODY_BYTES: String(Buffer.byteLength(body)) }, 'ready');

  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await load(`http://127.0.0.1:${barePort}/v1/tasks`, {}, 2);
    const b = summary(await load(`http://127.0.0.1:${barePort}/v1/tasks`, {}));
    await load(`${base}/v1/tasks`, auth, 2);
    const a = summary(await load(`${base}/v1/tasks`, auth));
    rounds.push({ round, bare: b, cachedList: a, ratio: +(a.rps / b.rps).toFixed(3) });
    process.stdout.write(`round ${round}: bare ${b.rps} req/s p99 ${b.p99} ms | GET /v1/tasks (cached, 20 tasks) ${a.rps} req/s p50 ${a.p50} p99 ${a.p99} ms | ratio ${(a.rps / b.rps).toFixed(3)}x\n`);
  }
  await stop(bare);
  await stop(app);
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await c.end();

  const result = {
    at: new Date().toISOString(),
    node: process.version,
    connections: CONNECTIONS,
    seconds: SECONDS,
    bodyBytes: Buffer.byteLength(body),
    rounds,
    medianRatio: rounds.map((r) => r.ratio).sort((x, y) => x - y)[Math.floor(rounds.length / 2)],
  };
  mkdirSync(path.join(ROOT, 'load-tests/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'load-tests/results/latest.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\ncached GET /v1/tasks vs bare Fastify: ${result.medianRatio}x (target >= 0.35x); details in load-tests/results/latest.json\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
  },
);
