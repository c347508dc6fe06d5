// `npm run probe:memory`: how much memory the read caches let one user (and a few) make a
// process hold. Starts the product from a build, registers users, gives each 100 tasks with
// 10 KB notes, then makes 300 list queries with distinct cursors (and limits), each a different
// cache entry of up to ~2 MB, and reports the process's RSS (/proc/<pid>/status VmRSS, and the
// peak VmHWM) before and after. See docs/reliability.md ("Memory held by the read caches").
//
// Modes (PROBE_MODES, comma-separated; default embedded,services):
//   embedded   no DATABASE_URL/REDIS_URL/AMQP_URL: PGlite in a temp dir (created by a first start,
//              whose peak is reported too, measured on the second), the in-process read cache; the
//              summary says whether its peak stayed within PROBE_EMBEDDED_TARGET_MB (300, issue 12)
//   services   ROLE=api on the machine's PostgreSQL (a scratch database), Redis (a scratch key
//              prefix; the near cache in the process, the entries in Redis) and RabbitMQ (scratch
//              exchange and queues); also reports the bytes Redis holds under the run's prefix
//
// Settings: PROBE_DIST (the build to start, default ./dist; build a private one with
// `npx swc apps libs -d /tmp/probe-dist --config-file .swcrc -C jsc.baseUrl=$PWD --quiet`),
// PROBE_USERS (3), PROBE_TASKS (100), PROBE_NOTES_CHARS (10000), PROBE_QUERIES (300 per user),
// PROBE_IDLE_SECONDS (0: after the last query, wait this long and sample again, e.g. 70 to see
// expired entries go), PROBE_ENV (extra variables for the product, `A=1,B=2`; e.g.
// `PGLITE_SHARED_BUFFERS=128MB,PGLITE_WASM_TIER_UP=true,HEAP_GROWING_PERCENT=0` is the
// embedded process before ADR 19's amendment; `HEAP_GROWING_PERCENT=0` the api before the second), PROBE_OUT (figures as JSON). Loopback only; every process it starts it stops by pid; scratch database, queues, exchange
// and keys are removed at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.resolve(ROOT, process.env.PROBE_DIST ?? 'dist');
const MAIN = path.join(DIST, 'apps/server/src/main.js');
const PG = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MODES = (process.env.PROBE_MODES ?? 'embedded,services').split(',').map((m) => m.trim()).filter(Boolean);
const USERS = Number(process.env.PROBE_USERS ?? 3);
const TASKS = Number(process.env.PROBE_TASKS ?? 100);
const NOTES_CHARS = Number(process.env.PROBE_NOTES_CHARS ?? 10_000);
const QUERIES = Number(process.env.PROBE_QUERIES ?? 300);
const IDLE_SECONDS = Number(process.env.PROBE_IDLE_SECONDS ?? 0);
const EMBEDDED_TARGET_MB = Number(process.env.PROBE_EMBEDDED_TARGET_MB ?? 300);
const EXTRA_ENV = Object.fromEntries(
  (process.env.PROBE_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
for (const m of MODES) if (!['embedded', 'services'].includes(m)) throw new Error(`unknown PROBE_MODES entry ${m}`);
if (!existsSync(MAIN)) throw new Error(`no build at ${MAIN}: set PROBE_DIST or build first`);

const log = (line) => process.stdout.write(`${line}\n`);
const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

const run = {
  id: randomBytes(4).toString('hex'),
  get dbName() {
    return `ln_probe_${this.id}`;
  },
  get redisPrefix() {
    return `probe:${this.id}:`;
  },
  get queue() {
    return `ln.probe.${this.id}.commands`;
  },
  get exchange() {
    return `ln.probe.${this.id}.events`;
  },
  tmp: mkdtempSync(path.join(os.tmpdir(), 'ln-probe-')),
  dbCreated: false,
  brokerUsed: false,
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startProduct(env) {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    // A build outside the repository resolves its packages from the repository's node_modules.
    // Every user registers from this one address: the per-address registration limit is lifted.
    env: { PATH: process.env.PATH, NODE_PATH: path.join(ROOT, 'node_modules'), NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort), LOG_LEVEL: 'warn', REGISTER_PER_CLIENT_PER_HOUR: '100000', ...env, ...EXTRA_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 90 s:\n${out}`)), 90_000);
    const on = (b) => {
      out += b;
      if (out.includes(' ready: ')) {
        clearTimeout(timer);
        child.stdout.off('data', on);
        child.stderr.off('data', on);
        child.off('exit', exited);
        // From here only the last lines are kept: why it died, if it does.
        child.tail = '';
        const keep = (b) => (child.tail = (child.tail + b).slice(-2_000));
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        resolve();
      }
    };
    const exited = (code) => reject(new Error(`exited ${code}:\n${out}`));
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', exited);
  });
  return { child, base: `http://127.0.0.1:${port}`, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
}

/**
 * V8 heap used/total and external memory in MB from the process's /metrics, when it serves them,
 * and the time spent in garbage collection so far (seconds, all kinds; and the full collections).
 */
async function heap(metricsUrl) {
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) })).text();
    const mb = (name) => {
      const line = text.split('\n').find((l) => l.startsWith(`ln_${name} `));
      return line ? Math.round(Number(line.slice(line.lastIndexOf(' ') + 1)) / 1048576) : undefined;
    };
    const gc = (what) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`ln_nodejs_gc_duration_seconds_${what}{`))
        .map((l) => ({ kind: /kind="([^"]+)"/.exec(l)?.[1], value: Number(l.slice(l.lastIndexOf(' ') + 1)) }));
    const out = {
      heapUsedMb: mb('nodejs_heap_size_used_bytes'),
      heapTotalMb: mb('nodejs_heap_size_total_bytes'),
      externalMb: mb('nodejs_external_memory_bytes'),
      gcSeconds: +gc('sum').reduce((a, g) => a + g.value, 0).toFixed(2),
      majorGcs: gc('count').find((g) => g.kind === 'major')?.value ?? 0,
    };
    return out.heapUsedMb === undefined ? {} : out;
  } catch {
    return {};
  }
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
  children.delete(child);
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function call(base, method, url, token, body) {
  const res = await fetch(base + url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

async function register(base, email) {
  const password = 'probe password 1234';
  await call(base, 'POST', '/v1/auth/register', null, { email, password });
  return JSON.parse(await call(base, 'POST', '/v1/auth/login', null, { email, password })).accessToken;
}

/**
 * One user's load: TASKS tasks with NOTES_CHARS-character notes, then QUERIES list queries each
 * with a different (cursor, limit): every one a cache entry of its own, the largest ~2 MB.
 */
async function flood(base, token, n) {
  const notes = (i) => `user ${n} task ${i} `.padEnd(NOTES_CHARS, 'lorem ipsum dolor sit amet ');
  for (let i = 0; i < TASKS; i++) await call(base, 'POST', '/v1/tasks', token, { title: `Probe task ${i}`, notes: notes(i), estimateMinutes: 30, tags: ['probe'] });
  // Every cursor there is, from a walk one task at a time (small pages).
  const cursors = [];
  for (let cursor = null; ; ) {
    const page = JSON.parse(await call(base, 'GET', `/v1/tasks?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token));
    if (!page.nextCursor) break;
    cursors.push(page.nextCursor);
    cursor = page.nextCursor;
  }
  let bytes = 0;
  for (let q = 0; q < QUERIES; q++) {
    // Cursors from the oldest (the fullest pages) first, the limit from 200 down: all distinct.
    const cursor = cursors[q % cursors.length];
    const limit = 200 - Math.floor(q / cursors.length);
    bytes += (await call(base, 'GET', `/v1/tasks?limit=${limit}&cursor=${encodeURIComponent(cursor)}`, token)).length;
  }
  return { cursors: cursors.length, queryMb: +(bytes / 1e6).toFixed(1) };
}

async function redisBytes() {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    let keys = 0;
    let bytes = 0;
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${run.redisPrefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) {
        keys += 1;
        bytes += Number((await redis.memory('USAGE', key)) ?? 0);
      }
    } while (cursor !== '0');
    return { keys, mb: +(bytes / 1e6).toFixed(1) };
  } finally {
    redis.disconnect();
  }
}

async function probe(mode) {
  let env;
  let firstStart;
  if (mode === 'embedded') {
    env = { DATA_DIR: path.join(run.tmp, 'data') };
    // The first start creates the database (PGlite's initdb peaks far higher and keeps some of it):
    // measured is a restart on that data dir, as a deployment runs. The first start's peak is reported.
    const first = await startProduct(env);
    firstStart = memory(first.child.pid);
    log(`${mode}: ${'first start (creates the database)'.padEnd(34)} RSS ${String(firstStart.rssMb).padStart(4)} MB (peak ${firstStart.peakMb} MB)`);
    await stop(first.child);
  } else {
    if (!run.dbCreated) {
      const admin = new pg.Client({ connectionString: PG });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${run.dbName}`);
      await admin.end();
      run.dbCreated = true;
    }
    const db = new URL(PG);
    db.pathname = `/${run.dbName}`;
    run.brokerUsed = true;
    env = {
      ROLE: 'api',
      DATABASE_URL: db.toString(),
      REDIS_URL: REDIS,
      REDIS_KEY_PREFIX: run.redisPrefix,
      AMQP_URL: AMQP,
      COMMAND_QUEUE_NAME: run.queue,
      EVENT_EXCHANGE_NAME: run.exchange,
      JWT_SECRET: randomBytes(32).toString('base64url'),
    };
  }
  const { child, base, metrics } = await startProduct(env);
  const pid = child.pid;
  const result = { mode, samples: [], ...(firstStart ? { firstStart } : {}) };
  const sample = async (label, extra = {}) => {
    const m = { ...memory(pid), ...(await heap(metrics)) };
    result.samples.push({ label, ...m, ...extra });
    const v8 = m.heapUsedMb === undefined ? '' : `, heap ${m.heapUsedMb}/${m.heapTotalMb} MB, external ${m.externalMb} MB, GC ${m.gcSeconds} s in all, ${m.majorGcs} full`;
    log(`${mode}: ${label.padEnd(34)} RSS ${String(m.rssMb).padStart(4)} MB (peak ${m.peakMb} MB${v8})${Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''}`);
  };
  try {
    // A few requests first so the routes, JIT and pools are warm before the baseline.
    const warm = await register(base, `warm-${run.id}@example.com`);
    for (let i = 0; i < 20; i++) await call(base, 'GET', '/v1/tasks', warm);
    await sample('started, warmed up');
    for (let n = 1; n <= USERS; n++) {
      const token = await register(base, `probe-${run.id}-${n}@example.com`);
      const t0 = performance.now();
      let f;
      try {
        f = await flood(base, token, n);
      } catch (error) {
        // A process that died under the load (out of memory, say) is a result, not a probe failure.
        await new Promise((r) => setTimeout(r, 500));
        if (child.exitCode === null && child.signalCode === null) throw error;
        result.died = { duringUser: n, exitCode: child.exitCode, signal: child.signalCode, lastOutput: child.tail.split('\n').filter(Boolean).slice(-3) };
        log(`${mode}: the process DIED during user ${n} (exit ${child.exitCode ?? child.signalCode}): ${result.died.lastOutput.join(' | ').slice(0, 300)}`);
        return result;
      }
      await sample(`after user ${n} (${TASKS} tasks, ${QUERIES} lists)`, { ...f, seconds: Math.round((performance.now() - t0) / 1000) });
    }
    if (mode === 'services') result.redis = await redisBytes();
    if (result.redis) log(`${mode}: Redis holds ${result.redis.mb} MB in ${result.redis.keys} keys under the run's prefix`);
    if (IDLE_SECONDS > 0) {
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      // One small request, so a cache that purges on access gets the chance.
      await call(base, 'GET', '/v1/tasks?limit=1', warm);
      await sample(`after ${IDLE_SECONDS} s idle`);
      if (mode === 'services') {
        result.redisAfterIdle = await redisBytes();
        log(`${mode}: Redis holds ${result.redisAfterIdle.mb} MB in ${result.redisAfterIdle.keys} keys after the idle`);
      }
    }
  } finally {
    await stop(child);
  }
  return result;
}

async function cleanup() {
  const errors = [];
  rmSync(run.tmp, { recursive: true, force: true });
  if (run.dbCreated) {
    await (async () => {
      const c = new pg.Client({ connectionString: PG });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${run.dbName} WITH (FORCE)`);
      await c.end();
    })().catch((e) => errors.push(`database: ${e.message}`));
  }
  if (run.brokerUsed) {
    await (async () => {
      const conn = await amqp.connect(AMQP);
      const ch = await conn.createChannel();
      // What an api declares (apps/worker/src/event-consumers.ts names the subscriptions).
      for (const queue of [run.queue, run.exchange]) {
        for (let p = 0; p < 64; p++) await ch.deleteQueue(`${queue}.p${p}`);
        await ch.deleteQueue(`${queue}.dead`);
        await ch.deleteQueue(`${queue}.workers`);
        await ch.deleteQueue(queue);
        for (const consumer of ['learning.history', 'tasks.predictions', 'coach.plans']) {
          await ch.deleteQueue(`${queue}.${consumer}`);
          await ch.deleteQueue(`${queue}.${consumer}.dead`);
        }
        await ch.deleteExchange(queue);
        await ch.deleteExchange(`${queue}.dlx`);
      }
      await conn.close();
    })().catch((e) => errors.push(`rabbitmq: ${e.message}`));
    await (async () => {
      const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${run.redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    })().catch((e) => errors.push(`redis: ${e.message}`));
  }
  if (errors.length) process.stderr.write(`cleanup: ${errors.join('; ')}\n`);
}

async function main() {
  log(`probe ${run.id}: build ${DIST}, ${USERS} users x (${TASKS} tasks with ${NOTES_CHARS}-character notes, ${QUERIES} distinct list queries)`);
  const results = [];
  try {
    for (const mode of MODES) results.push(await probe(mode));
  } finally {
    for (const c of children) await stop(c);
    await cleanup();
  }
  const out = { at: new Date().toISOString(), node: process.version, dist: DIST, users: USERS, tasks: TASKS, notesChars: NOTES_CHARS, queries: QUERIES, env: EXTRA_ENV, results };
  if (process.env.PROBE_OUT) writeFileSync(process.env.PROBE_OUT, `${JSON.stringify(out, null, 2)}\n`);
  log('');
  for (const r of results) {
    if (r.died) {
      log(`${r.mode}: died during user ${r.died.duringUser} (exit ${r.died.exitCode ?? r.died.signal})`);
      continue;
    }
    const first = r.samples[0];
    const last = r.samples.at(-1);
    const peak = Math.max(...r.samples.map((s) => s.peakMb));
    const target = r.mode === 'embedded' ? `: ${peak <= EMBEDDED_TARGET_MB ? 'within' : 'OVER'} the ${EMBEDDED_TARGET_MB} MB target` : '';
    log(`${r.mode}: RSS ${first.rssMb} -> ${last.rssMb} MB (+${last.rssMb - first.rssMb}), peak ${peak} MB${target}${r.redis ? `; Redis ${r.redis.mb} MB under the prefix` : ''}`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
