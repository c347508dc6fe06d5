// `npm run bench`: throughput and latency of the product's hot paths as ratios to a bare Fastify
// server measured in the same run (these machines are noisy; only ratios compare across runs).
// Loopback only; every process it starts it stops; its own scratch database, command queues and
// Redis key prefix, all removed at the end.
//
// Cases (BENCH_CASES, comma-separated; default all):
//   read          cached GET /v1/tasks vs bare Fastify GET
//   sync-write    POST /v1/tasks, WRITE_PATH=sync (201 after the INSERT commits) vs bare Fastify POST
//   queued-write  POST /v1/tasks, WRITE_PATH=queued, ROLE=api with no worker (202 after the broker's
//                 confirm) vs bare Fastify POST
//   worker-rate   a backlog of commands drained by one worker process (ROLE=worker): commands/s,
//                 then a publish at a fixed fraction of that rate to check the queue does not grow
//   ceiling       (not in the default set) the yardsticks the write targets were set against:
//                 a minimal Nest + JWT app doing one INSERT (CEILING=insert) or one confirmed
//                 publish (CEILING=publish) per POST, vs bare Fastify POST (load-tests/bench/ceiling)
//   insights      (not in the default set) GET /v1/insights of a user with 60 outcomes vs the cached
//                 GET /v1/tasks, each against bare Fastify in the same run; the p95 of the two compared
//   coach         (not in the default set) a stream of failures from many users (BENCH_COACH_USERS, 200,
//                 one task each, BENCH_COACH_RATE failures/s, 10) with an api and a worker, per write
//                 path (BENCH_COACH_PATHS, sync,queued): the time from each failure's commit to its
//                 plan being stored (the worker's ln_coach_plan_ready_seconds), target p95 <= 2 s
//   queued-e2e    (not in the default set) issue 13's end-to-end table: POST /v1/tasks from 200 users for
//                 BENCH_E2E_SECONDS (15) against an api (ROLE=api) and, on the queued path, one worker
//                 (ROLE=worker) as separate processes; then waits until every acknowledged write is in
//                 PostgreSQL. Acknowledged and applied per second, the queue's drain after the load,
//                 the api's CPU per request, sync path and queued path in the same run. Both paths
//                 run a worker, as deployed (the sync path's relays the outbox and projects the
//                 events; BENCH_E2E_SYNC_WORKER=0 leaves it out, as this case did before 2026-12-06),
//                 and the CPU of every process a write touches (api, worker, PostgreSQL backends,
//                 RabbitMQ, Redis) from the load's start until every write is stored, per write
//   write-cost    (not in the default set) issue 13's "cheaper 202": the sync 201 and the queued 202 of
//                 POST /v1/tasks side by side in one run, each path its own api and worker (both run a
//                 worker, as deployed: the sync path's relays the outbox and projects the events),
//                 rounds alternating between the paths (BENCH_ROUNDS), each round first at a fixed
//                 open-loop rate (BENCH_COST_RATE, 100/s: the same work per second for both, so the
//                 api's CPU per request compares like for like) and then closed-loop at full speed
//                 (autocannon, BENCH_CONNECTIONS); after every round the bench waits until the worker
//                 has stored every acknowledged write. Api CPU per request, p50/p95/p99, answers/s;
//                 BENCH_COST_STRACE=1 adds each api's system calls per request (strace -c) at that rate
//   overlay-read  (not in the default set) what reading one task's pending writes costs the api for a
//                 user with 10, 100 and 1,000 writes pending (real Redis, the adapter from dist/): the
//                 whole overlay parsed (what a plan read before the index by task) against the task's
//                 own entries (ofTask); CPU and wall time per read, 300 reads each
//   brownout      writes at a fixed rate while PostgreSQL (behind a pausable proxy) stalls for 10 s:
//                 latency of the requests issued during the stall, sync path vs queued path
//   scale-out     a real nginx (Debian's) in front of 1 and 2 api processes: cached read and sync write
//                 at 1 vs 2 apis (and direct), CPU per request, api RSS at 500 connections; skipped,
//                 saying so, when nginx is missing (load-tests/bench/scale.mjs)
//   workers       a backlog drained by 1 vs 2 worker processes, each one's share, where the CPU went
//                 (load-tests/bench/scale.mjs)
//   live-latency  (not in the default set) 1,000 open event streams on one api and creates at a fixed
//                 rate from their users, sync path then queued path: the 201/202 (and the commit) to the
//                 event on every stream of the user, p50/p95/p99 (load-tests/bench/live.mjs)
//   live-idle     (not in the default set) 10,000 idle event streams on one api: its RSS and the
//                 heartbeats' CPU (load-tests/bench/live.mjs)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { v7 } from 'uuid';
import { openLoad, stats } from './open-load.mjs';
import { cpuSeconds } from './proc.mjs';
import { startPausableProxy } from './pausable-proxy.mjs';
import { liveIdleCase, liveLatencyCase } from './live.mjs';
import { backendCpu, listenerPid, phaseMsPerBatch, scaleOutCase, workerCounters, workersCase } from './scale.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const PG = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CASES = (process.env.BENCH_CASES ?? 'read,sync-write,queued-write,worker-rate,brownout,scale-out,workers').split(',').map((c) => c.trim()).filter(Boolean);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 5_000);
const HOLD_SECONDS = Number(process.env.BENCH_HOLD_SECONDS ?? 12);
const HOLD_FRACTIONS = (process.env.BENCH_HOLD_FRACTIONS ?? '0.8,0.6,0.4').split(',').map(Number);
const BROWNOUT_RATE = process.env.BENCH_BROWNOUT_RATE ? Number(process.env.BENCH_BROWNOUT_RATE) : undefined;
const BROWNOUT_PAUSE_S = Number(process.env.BENCH_BROWNOUT_PAUSE_SECONDS ?? 10);
const PARTITIONS = 4;
const KNOWN = ['read', 'sync-write', 'queued-write', 'worker-rate', 'brownout', 'ceiling', 'insights', 'coach', 'queued-e2e', 'write-cost', 'overlay-read', 'scale-out', 'workers', 'live-latency', 'live-idle'];
for (const c of CASES) if (!KNOWN.includes(c)) throw new Error(`unknown BENCH_CASES entry ${c}; known: ${KNOWN.join(', ')}`);

const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  // Gone already: exited (a finished shutdown exits 0), or killed by a signal.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
  children.delete(child);
}

/** autocannon on one route; with `tokens`, each request carries the next user's token in turn. */
function load(url, { headers = {}, method = 'GET', body, seconds = SECONDS, tokens } = {}) {
  let next = 0;
  const requests = tokens
    ? [{ method, body, setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }) }]
    : undefined;
  // autocannon reports p90 and p97.5, not p95: the raw latency of each answer is kept too.
  const latencies = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, method, connections: CONNECTIONS, duration: seconds, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body, requests, pipelining: 1 },
      (err, r) => (err ? reject(err) : resolve({ ...r, raw: latencies })),
    );
    instance.on('response', (_client, status, _bytes, ms) => latencies.push({ status, ms }));
  });
}

function percentiles(raw, status) {
  const ms = raw.filter((r) => status === undefined || r.status === status).map((r) => r.ms).sort((a, b) => a - b);
  const q = (p) => (ms.length ? +ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1) : null);
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: ms.length ? +ms[ms.length - 1].toFixed(1) : null };
}

const summary = (r, okStatus) => {
  const ok = okStatus ? Number(r.statusCodeStats?.[okStatus]?.count ?? 0) : r['2xx'];
  return {
    rps: Math.round(r.requests.average),
    okPerSecond: Math.round(ok / r.duration),
    // Of the answers with the expected status (all answers when none is given).
    ...percentiles(r.raw, okStatus),
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)])),
    errors: r.errors + r.timeouts,
  };
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};

/** Everything the run owns, so it can be removed whatever happens. */
const run = {
  id: randomBytes(4).toString('hex'),
  get dbName() {
    return `ln_bench_${this.id}`;
  },
  /** Each case its own command queues (a case that leaves commands behind cannot disturb the next). */
  queues: new Set(),
  queueFor(name) {
    const queue = `ln.bench.${this.id}.${name}`;
    this.queues.add(queue);
    return queue;
  },
  get redisPrefix() {
    return `bench:${this.id}:`;
  },
  jwtSecret: randomBytes(32).toString('base64url'),
  dbUrl: undefined,
};

function appEnv(overrides) {
  return {
    NODE_ENV: 'production',
    ROLE: 'api',
    HOST: '127.0.0.1',
    DATABASE_URL: run.dbUrl,
    REDIS_URL: REDIS,
    REDIS_KEY_PREFIX: run.redisPrefix,
    AMQP_URL: AMQP,
    COMMAND_QUEUE_NAME: run.queueFor('default'),
    // The run's own event exchange (and so its own projection queues), removed by cleanup().
    EVENT_EXCHANGE_NAME: run.queueFor('events'),
    COMMAND_PARTITIONS: String(PARTITIONS),
    JWT_SECRET: run.jwtSecret,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    // Every bench user registers from 127.0.0.1 (hundreds per run): not what the per-client limit is for.
    REGISTER_PER_CLIENT_PER_HOUR: '1000000',
    // Batches a worker applies side by side (WORKER_PARALLEL_BATCHES), to compare lanes in one run.
    ...(process.env.BENCH_WORKER_PARALLEL ? { WORKER_PARALLEL_BATCHES: process.env.BENCH_WORKER_PARALLEL } : {}),
    ...overrides,
  };
}

// BENCH_PROFILE_DIR: the api runs with --cpu-prof into that folder (summarise with
// `node load-tests/bench/profile-summary.mjs <file.cpuprofile>`). Profiling slows it: ratios from
// such a run are not comparable.
const PROFILE_ARGS = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];

async function startApi(overrides = {}) {
  const port = await freePort();
  const child = await start(process.execPath, [...PROFILE_ARGS, 'dist/apps/server/src/main.js'], appEnv({ PORT: String(port), METRICS_PORT: String(await freePort()), ...overrides }), ' ready: ');
  return { child, base: `http://127.0.0.1:${port}` };
}

async function startWorker(overrides = {}) {
  const port = await freePort();
  const child = await start(process.execPath, ['dist/apps/server/src/main.js'], appEnv({ ROLE: 'worker', METRICS_PORT: String(port), ...overrides }), ' ready: ');
  return { child, metrics: `http://127.0.0.1:${port}/metrics` };
}

const post = (base, url, body, token, extra = {}) =>
  fetch(base + url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
    body: JSON.stringify(body),
  });

async function userToken(base, email) {
  const registered = await post(base, '/v1/auth/register', { email, password: 'bench password' });
  const user = await registered.json();
  const { accessToken } = await (await post(base, '/v1/auth/login', { email, password: 'bench password' })).json();
  return { id: user.id, token: accessToken };
}

const WRITE_BODY = { title: 'Bench task', estimateMinutes: 30, tags: ['bench'] };


/** autocannon run plus the target process's CPU time per request (less sensitive to a busy host than req/s). */
async function measured(pid, url, options, okStatus) {
  const c0 = cpuSeconds(pid);
  const r = summary(await load(url, options), okStatus);
  const total = r.rps * SECONDS;
  return { ...r, cpuMsPerRequest: total ? +((1000 * (cpuSeconds(pid) - c0)) / total).toFixed(3) : null };
}

/** Alternating rounds of bare Fastify and the product on the same route; the ratio of each round. */
async function compare(label, [barePid, bareUrl], [productPid, productUrl], { headers, method = 'GET', body, okStatus, tokens, beforeProduct }) {
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await load(bareUrl, { method, body, tokens, seconds: 2 });
    const b = await measured(barePid, bareUrl, { method, body, tokens });
    await beforeProduct?.();
    await load(productUrl, { headers, method, body, tokens, seconds: 2 });
    const cleared = await beforeProduct?.();
    const a = await measured(productPid, productUrl, { headers, method, body, tokens }, okStatus);
    const ratio = +(a.okPerSecond / b.rps).toFixed(3);
    rounds.push({ round, bare: b, product: a, ratio, ...(cleared !== undefined ? { pendingKeysCleared: cleared } : {}), loadavg: os.loadavg().map((l) => +l.toFixed(2)) });
    log(
      `${label} round ${round}: bare ${b.rps} req/s p99 ${b.p99} ms ${b.cpuMsPerRequest} ms cpu/req | product ${a.okPerSecond} ${okStatus ?? '2xx'}/s (${a.rps} req/s) p50 ${a.p50} p95 ${a.p95} p99 ${a.p99} max ${a.max} ms, ${a.cpuMsPerRequest} ms cpu/req, statuses ${JSON.stringify(a.statuses)} | ratio ${ratio}x | load ${os.loadavg()[0].toFixed(1)}`,
    );
  }
  return { rounds, medianRatio: median(rounds.map((r) => r.ratio)) };
}

// ---- cases ----

async function readCase(ctx) {
  const api = await startApi();
  // A worker projects the outcomes and scores the open tasks (their successProbability and factors
  // are part of what a real list carries); it stops before the measurement.
  const worker = await startWorker();
  let workerStopped = false;
  try {
    const { token } = await userToken(api.base, 'bench-read@example.com');
    // A history, so the predictions have factors: long tasks failed, short ones done.
    for (let i = 0; i < 8; i++) {
      const long = await (await post(api.base, '/v1/tasks', { title: `Long task ${i}`, estimateMinutes: 150, tags: ['work'] }, token)).json();
      await post(api.base, `/v1/tasks/${long.id}/fail`, { reason: 'too_big' }, token);
      const short = await (await post(api.base, '/v1/tasks', { title: `Short task ${i}`, estimateMinutes: 15, tags: ['work'] }, token)).json();
      await post(api.base, `/v1/tasks/${short.id}/complete`, {}, token);
    }
    for (let i = 0; i < 20; i++) {
      await post(api.base, '/v1/tasks', { title: `Task number ${i}`, notes: 'Some notes about the task', scheduledFor: '2026-12-01', estimateMinutes: i % 2 ? 30 : 120, tags: ['work', 'bench'] }, token);
    }
    const auth = { authorization: `Bearer ${token}` };
    const url = '/v1/tasks?status=open';
    // Until every open task is scored (a build without predictions has no such field: no wait).
    for (const started = performance.now(); performance.now() - started < 30_000; ) {
      const items = (await (await fetch(`${api.base}${url}`, { headers: auth })).json()).items;
      if (items.every((t) => t.successProbability !== null)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await stop(worker.child);
    workerStopped = true;
    const body = await (await fetch(`${api.base}${url}`, { headers: auth })).text();
    const scored = (JSON.parse(body).items ?? []).filter((t) => typeof t.successProbability === 'number').length;
    log(`read: the page has ${Buffer.byteLength(body)} bytes, ${scored} of 20 open tasks scored`);
    const bare = await ctx.bare(Buffer.byteLength(body));
    try {
      const r = await compare('cached GET /v1/tasks?status=open', [bare.child.pid, `${bare.base}/v1/tasks`], [api.child.pid, `${api.base}${url}`], { headers: auth });
      return { bodyBytes: Buffer.byteLength(body), scored, ...r, target: 0.35 };
    } finally {
      await stop(bare.child);
    }
  } finally {
    if (!workerStopped) await stop(worker.child);
    await stop(api.child);
  }
}

/**
 * GET /v1/insights against the cached task list, same user, same run: the issue's bar is an insights
 * p95 within 2x of the list's. A worker projects the user's history first (60 outcomes).
 */
async function insightsCase(ctx) {
  const api = await startApi();
  const worker = await startWorker();
  try {
    const { token } = await userToken(api.base, 'bench-insights@example.com');
    const auth = { authorization: `Bearer ${token}` };
    for (let i = 0; i < 60; i++) {
      const created = await (await post(api.base, '/v1/tasks', { title: `Task ${i}`, scheduledFor: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T${String(8 + (i % 14)).padStart(2, '0')}:00:00Z`, estimateMinutes: 15 * (1 + (i % 8)), tags: [i % 2 ? 'work' : 'home'] }, token)).json();
      await post(api.base, `/v1/tasks/${created.id}/${i % 3 ? 'complete' : 'fail'}`, i % 3 ? { actualMinutes: 20 } : { reason: 'too_big' }, token);
    }
    for (let waited = 0; ; waited += 200) {
      const i = await (await fetch(`${api.base}/v1/insights`, { headers: auth })).json();
      if (i.completion.overall.samples === 60) break;
      if (waited > 60_000) throw new Error(`the projection did not catch up: ${i.completion.overall.samples} of 60`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const out = {};
    for (const [name, url] of [['tasks', '/v1/tasks'], ['insights', '/v1/insights']]) {
      const body = await (await fetch(`${api.base}${url}`, { headers: auth })).text();
      const bare = await ctx.bare(Buffer.byteLength(body));
      try {
        out[name] = { bodyBytes: Buffer.byteLength(body), ...(await compare(`cached GET ${url}`, [bare.child.pid, `${bare.base}${url}`], [api.child.pid, `${api.base}${url}`], { headers: auth })) };
      } finally {
        await stop(bare.child);
      }
    }
    const p95 = (r) => median(r.rounds.map((x) => x.product.p95));
    const ratio = +(p95(out.insights) / p95(out.tasks)).toFixed(2);
    log(`insights p95 / task list p95 (medians of rounds): ${ratio}x (target <= 2x)`);
    return { ...out, p95Ratio: ratio, target: 2 };
  } finally {
    await stop(worker.child);
    await stop(api.child);
  }
}

/** The ceiling app (load-tests/bench/ceiling/main.ts), compiled next to the product's dist/. */
function buildCeiling() {
  const swc = path.join(ROOT, 'node_modules/.bin/swc');
  const r = spawnSync(swc, ['load-tests/bench/ceiling', '-d', 'dist', '--config-file', '.swcrc', '-C', `jsc.baseUrl=${ROOT}`, '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not build load-tests/bench/ceiling');
}

async function ceilingCase(ctx) {
  buildCeiling();
  const api = await startApi({ WRITE_PATH: 'sync' });
  let tokens;
  try {
    tokens = (await users(api.base, 'ceiling', WRITE_USERS)).map((u) => u.token);
  } finally {
    await stop(api.child);
  }
  const out = {};
  const body = JSON.stringify(WRITE_BODY);
  for (const mode of ['insert', 'publish']) {
    const port = await freePort();
    const queue = run.queueFor('ceiling');
    const child = await start(process.execPath, [...PROFILE_ARGS, 'dist/load-tests/bench/ceiling/main.js'], { CEILING: mode, PORT: String(port), DATABASE_URL: run.dbUrl, AMQP_URL: AMQP, CEILING_QUEUE: queue, JWT_SECRET: run.jwtSecret, NODE_ENV: 'production' }, ' ready: ');
    const bare = await ctx.bare(1000);
    try {
      out[mode] = await compare(`ceiling ${mode}`, [bare.child.pid, `${bare.base}/v1/tasks`], [child.pid, `http://127.0.0.1:${port}/v1/tasks`], { method: 'POST', body, okStatus: 201, tokens });
    } finally {
      await stop(bare.child);
      await stop(child);
    }
  }
  return out;
}

const WRITE_USERS = Number(process.env.BENCH_WRITE_USERS ?? 200);

/** Registered users and their tokens, a few at a time (argon2 is the cost). */
async function users(base, tag, count) {
  const out = [];
  for (let i = 0; i < count; i += 8) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, k) => userToken(base, `bench-${tag}-${i + k}@example.com`)))));
  }
  return out;
}

/** Deletes the pending overlay (the bench's own Redis prefix): the state a worker that keeps up leaves. */
async function clearPendingOverlay() {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${run.redisPrefix}pw:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
  return deleted;
}

async function writeCase(ctx, writePath) {
  const api = await startApi({ WRITE_PATH: writePath, COMMAND_QUEUE_NAME: run.queueFor(`${writePath}-write`) });
  try {
    // Many users, each request the next user's: a user's requests rarely overlap, as in real use
    // (the queued path plans one user's commands one at a time, and a user has few writes pending).
    const tokens = (await users(api.base, writePath, WRITE_USERS)).map((u) => u.token);
    const token = tokens[0];
    const first = await post(api.base, '/v1/tasks', WRITE_BODY, token);
    const okStatus = writePath === 'queued' ? 202 : 201;
    if (first.status !== okStatus) throw new Error(`POST /v1/tasks with WRITE_PATH=${writePath} answered ${first.status}, not ${okStatus}: ${await first.text()}`);
    const responseBytes = Buffer.byteLength(await first.text());
    const bare = await ctx.bare(1000, responseBytes);
    try {
      const body = JSON.stringify(WRITE_BODY);
      // No worker runs in the queued case, so nothing settles the pending overlay: it is cleared
      // before each warm-up and each measured round, as a worker that keeps up would leave it.
      const beforeProduct = writePath === 'queued' ? () => clearPendingOverlay() : undefined;
      const r = await compare(`POST /v1/tasks (${writePath})`, [bare.child.pid, `${bare.base}/v1/tasks`], [api.child.pid, `${api.base}/v1/tasks`], { method: 'POST', body, okStatus, tokens, beforeProduct });
      return { writePath, users: tokens.length, responseBytes, okStatus, ...r, target: writePath === 'queued' ? 0.28 : 0.12 };
    } finally {
      await stop(bare.child);
    }
  } finally {
    await stop(api.child);
  }
}

/** Issue 13's "overlay indexed by task": one task's pending writes read with N others pending. */
async function overlayReadCase() {
  const { RedisPendingWrites } = require(path.join(ROOT, 'dist/libs/tasks/adapters/cache/redis-pending-writes.adapter.js'));
  const { PendingOverlay } = require(path.join(ROOT, 'dist/libs/tasks/application/queued-writes/pending-overlay.js'));
  const client = new Redis(REDIS, { keyPrefix: run.redisPrefix, enableAutoPipelining: true });
  const pending = new RedisPendingWrites(client, {});
  const now = () => new Date().toISOString();
  const state = (id) => ({ id, ownerId: 'u', title: WRITE_BODY.title, notes: null, scheduledDate: null, scheduledAt: null, dueAt: null, estimateMinutes: 30, actualMinutes: null, priority: 4, tags: ['bench'], parentId: null, depth: 0, status: 'open', failure: null, deferrals: 0, replanOf: null, version: 1, createdAt: now(), updatedAt: now(), closedAt: null, deletedAt: null });
  const out = [];
  try {
    for (const n of [10, 100, 1000]) {
      const user = v7();
      const ids = Array.from({ length: n }, () => v7());
      for (const id of ids) await pending.add(user, { commandId: v7(), type: 'task.create.v1', taskId: id, state: state(id), createFingerprint: 'fp', acceptedAt: now() });
      const time = async (read) => {
        for (let i = 0; i < 30; i++) await read(ids[i % n]);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < 300; i++) await read(ids[i % n]);
        const c = process.cpuUsage(c0);
        return { cpuMs: +((c.user + c.system) / 1000 / 300).toFixed(3), wallMs: +((performance.now() - t0) / 300).toFixed(3) };
      };
      const whole = await time(async (id) => new PendingOverlay(await pending.list(user)).effect(id, null));
      const ofTask = await time(async (id) => new PendingOverlay(await pending.ofTask(user, id)).effect(id, null));
      out.push({ pending: n, whole, ofTask });
      log(`overlay-read with ${n} pending: whole overlay ${whole.cpuMs} ms cpu (${whole.wallMs} ms wall) per read, the task's entries ${ofTask.cpuMs} ms cpu (${ofTask.wallMs} ms wall) | load ${os.loadavg()[0].toFixed(1)}`);
    }
  } finally {
    await client.quit();
  }
  return out;
}

/** The command queue adapter as the api uses it (from dist/), to publish envelopes in its format. */
function commandQueue(prefix) {
  const { RabbitMqCommandQueue } = require(path.join(ROOT, 'dist/libs/tasks/adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter.js'));
  return new RabbitMqCommandQueue({ url: AMQP, prefix, partitions: PARTITIONS });
}

const createEnvelope = (userId, n) => ({
  commandId: v7(),
  userId,
  type: 'task.create.v1',
  payload: { input: { id: v7(), title: `Backlog task ${n}`, estimateMinutes: 30, tags: ['bench'] } },
  issuedAt: new Date().toISOString(),
});

/**
 * The cases share one scratch database, and the write cases leave 100k+ outbox rows unsent (no
 * relay runs in them). A worker starts its outbox relay: without this it would spend the case
 * relaying those rows (measured: the drain rate fell from ~440/s to ~160/s). Events the bench
 * made before are of no interest to anyone.
 */
async function forgetEarlierEvents() {
  const db = new pg.Client({ connectionString: run.dbUrl });
  await db.connect();
  try {
    // Before any case migrated the database there is nothing to forget.
    await db.query(`DO $$ BEGIN IF to_regclass('outbox') IS NOT NULL THEN TRUNCATE outbox; END IF; END $$`);
  } finally {
    await db.end();
  }
}

async function processedCount(db) {
  return Number((await db.query('SELECT count(*)::int AS n FROM processed_commands')).rows[0].n);
}

async function queueDepth(queue) {
  const { partitions } = await queue.depths(5000);
  return partitions.reduce((a, b) => a + b, 0);
}

/** Publishes at `rate` for HOLD_SECONDS; samples each second the ready depth and what is outstanding. */
async function holdAt(queue, db, before, users, rate) {
  const startCount = (await processedCount(db)) - before;
  const depths = [];
  const t1 = performance.now();
  let sent = 0;
  const inflight = new Set();
  let nextSample = 0;
  while (performance.now() - t1 < HOLD_SECONDS * 1000) {
    const due = Math.floor(((performance.now() - t1) / 1000) * rate);
    while (sent < due) {
      const p = queue.send(createEnvelope(users[sent % users.length], sent)).finally(() => inflight.delete(p));
      inflight.add(p);
      sent += 1;
    }
    if (performance.now() - t1 >= nextSample) {
      nextSample += 1000;
      // Ready in the queues (the metric), and outstanding: published but not yet committed (which
      // also counts what the worker holds prefetched or in a batch).
      const t = +((performance.now() - t1) / 1000).toFixed(1);
      const published = sent;
      Promise.all([queueDepth(queue), processedCount(db)]).then(
        ([depth, n]) => depths.push({ t, depth, outstanding: published - (n - before - startCount) }),
        () => undefined,
      );
    }
    await sleep(5);
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t1) / 1000;
  const applied = (await processedCount(db)) - before - startCount;
  depths.sort((a, b) => a.t - b.t);
  const third = Math.max(1, Math.floor(depths.length / 3));
  const mean = (xs) => xs.reduce((a, d) => a + d.outstanding, 0) / Math.max(1, xs.length);
  const early = mean(depths.slice(0, third));
  const late = mean(depths.slice(-third));
  return {
    targetPerSecond: rate,
    publishedPerSecond: Math.round(sent / seconds),
    appliedPerSecond: Math.round(applied / seconds),
    depths,
    maxDepth: Math.max(0, ...depths.map((d) => d.depth)),
    sent,
    outstandingAtEnd: sent - applied,
    // Held: the backlog of the last third of the run is no larger than the first third's, give or
    // take one second of publishing (batches come and go in steps).
    held: late <= early + rate,
  };
}

async function workerRateCase() {
  await forgetEarlierEvents();
  const queueName = run.queueFor('worker-rate');
  const api = await startApi({ COMMAND_QUEUE_NAME: queueName });
  const queue = commandQueue(queueName);
  const db = new pg.Client({ connectionString: run.dbUrl });
  await db.connect();
  let worker;
  try {
    const users = [];
    for (let i = 0; i < 16; i++) users.push((await userToken(api.base, `bench-worker-${i}@example.com`)).id);
    await stop(api.child);
    const before = await processedCount(db);

    // The backlog, confirmed by the broker, with no worker running.
    const t0 = performance.now();
    for (let i = 0; i < BACKLOG; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, BACKLOG - i) }, (_, k) => queue.send(createEnvelope(users[(i + k) % users.length], i + k))));
    }
    const publishSeconds = (performance.now() - t0) / 1000;
    const depth = await queueDepth(queue);
    log(`worker-rate: ${BACKLOG} commands published (confirmed) in ${publishSeconds.toFixed(1)} s; queue depth ${depth}`);

    // One worker drains it; the inbox (processed_commands) counts what is committed.
    const startedAt = performance.now();
    worker = await startWorker({ COMMAND_QUEUE_NAME: queueName });
    const readyAt = performance.now();
    const samples = [];
    for (;;) {
      const n = (await processedCount(db)) - before;
      samples.push({ t: (performance.now() - readyAt) / 1000, n });
      if (n >= BACKLOG) break;
      if (performance.now() - readyAt > 300_000) throw new Error(`the worker applied only ${n} of ${BACKLOG} in 300 s`);
      await sleep(250);
    }
    const last = samples[samples.length - 1];
    const at = (count) => samples.find((s) => s.n >= count).t;
    const steady = (0.8 * BACKLOG) / (at(0.9 * BACKLOG) - at(0.1 * BACKLOG));
    // Where the batches' time went (the worker's ln_command_batch_phase_seconds), per batch.
    const counters = await workerCounters(worker.metrics);
    const drain = {
      commands: BACKLOG,
      workerStartSeconds: +((readyAt - startedAt) / 1000).toFixed(2),
      drainSeconds: +last.t.toFixed(2),
      overallPerSecond: Math.round(BACKLOG / last.t),
      steadyPerSecond: Math.round(steady),
      batches: counters.batches,
      commandsPerBatch: counters.batches ? +(BACKLOG / counters.batches).toFixed(1) : null,
      phaseMsPerBatch: phaseMsPerBatch([counters]),
    };
    log(`worker-rate: drained ${BACKLOG} in ${drain.drainSeconds} s after ready: ${drain.overallPerSecond}/s overall, ${drain.steadyPerSecond}/s between 10% and 90%; ${drain.batches} batches (${drain.commandsPerBatch} commands each), ms per batch by phase ${JSON.stringify(drain.phaseMsPerBatch)}`);

    // Hold: publish at fixed rates below the drain rate with the worker running, highest first;
    // a rate is held when what is outstanding (published, not committed) stops growing.
    const holds = [];
    let totalSent = BACKLOG;
    for (const fraction of HOLD_FRACTIONS) {
      const hold = await holdAt(queue, db, before, users, Math.max(1, Math.round(fraction * drain.steadyPerSecond)));
      holds.push({ fraction, ...hold });
      log(
        `worker-rate: hold at ${hold.targetPerSecond}/s (${fraction} of the drain rate) for ${HOLD_SECONDS} s: published ${hold.publishedPerSecond}/s, applied ${hold.appliedPerSecond}/s, ${hold.held ? 'held' : 'NOT held'}; each second ready/outstanding ${hold.depths.map((d) => `${d.depth}/${d.outstanding}`).join(' ')}`,
      );
      // Let the worker catch up before the next, lower rate.
      totalSent += hold.sent;
      for (let waited = 0; (await processedCount(db)) - before < totalSent && waited < 60_000; waited += 250) await sleep(250);
      if (hold.held) break;
    }
    const heldAt = holds.find((h) => h.held);
    return { batchSize: 100, batchWaitMs: 20, partitions: PARTITIONS, users: users.length, publishSeconds: +publishSeconds.toFixed(1), drain, holds, sustainedPerSecond: heldAt ? heldAt.appliedPerSecond : null };
  } finally {
    await stop(worker?.child);
    await stop(api.child);
    await queue.close();
    await db.end();
  }
}

/** Writes at a fixed rate; PostgreSQL (behind the proxy) stalls from `pauseAt` for BROWNOUT_PAUSE_S. */
/**
 * Issue 13's end-to-end comparison: the same write load on the sync path and on the queued path
 * (api and worker as separate processes), counted where it matters: tasks in PostgreSQL.
 */
async function queuedE2eCase() {
  const seconds = Number(process.env.BENCH_E2E_SECONDS ?? 15);
  await forgetEarlierEvents();
  const db = new pg.Client({ connectionString: run.dbUrl });
  await db.connect();
  const tasks = async () => Number((await db.query(`SELECT count(*)::int AS n FROM tasks WHERE title = $1`, [WRITE_BODY.title])).rows[0].n);
  const out = {};
  try {
    for (const writePath of ['sync', 'queued']) {
      const queueName = run.queueFor(`e2e-${writePath}`);
      const api = await startApi({ WRITE_PATH: writePath, COMMAND_QUEUE_NAME: queueName });
      const worker = writePath === 'queued' || process.env.BENCH_E2E_SYNC_WORKER !== '0' ? await startWorker({ WRITE_PATH: writePath, COMMAND_QUEUE_NAME: queueName }) : null;
      try {
        const tokens = (await users(api.base, `e2e-${writePath}`, WRITE_USERS)).map((u) => u.token);
        const okStatus = writePath === 'queued' ? 202 : 201;
        const before = await tasks();
        // Every process a write touches: its CPU from the load's start until all is stored.
        const ownPid = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const shared = { rabbitmq: listenerPid(Number(new URL(AMQP).port || 5672)), redis: listenerPid(Number(new URL(REDIS).port || 6379)) };
        const cpuNow = async () => {
          return {
            api: cpuSeconds(api.child.pid),
            worker: worker ? cpuSeconds(worker.child.pid) : 0,
            backends: await backendCpu(db, run.dbName, ownPid),
            rabbitmq: shared.rabbitmq ? cpuSeconds(shared.rabbitmq) : 0,
            redis: shared.redis ? cpuSeconds(shared.redis) : 0,
          };
        };
        const sys0 = await cpuNow();
        const c0 = cpuSeconds(api.child.pid);
        const t0 = performance.now();
        const r = summary(await load(`${api.base}/v1/tasks`, { method: 'POST', body: JSON.stringify(WRITE_BODY), tokens, seconds }), okStatus);
        const loadSeconds = (performance.now() - t0) / 1000;
        const acked = r.statuses[okStatus] ?? 0;
        const cpuMsPerRequest = acked ? +((1000 * (cpuSeconds(api.child.pid) - c0)) / acked).toFixed(3) : null;
        let applied = (await tasks()) - before;
        while (applied < acked) {
          if ((performance.now() - t0) / 1000 > loadSeconds + 300) throw new Error(`${writePath}: only ${applied} of ${acked} acknowledged writes stored 300 s after the load`);
          await sleep(100);
          applied = (await tasks()) - before;
        }
        const allStoredSeconds = (performance.now() - t0) / 1000;
        const sys1 = await cpuNow();
        // A backend that started during the load counts from 0.
        let postgres = 0;
        for (const [pid, cpu] of sys1.backends) postgres += cpu - (sys0.backends.get(pid) ?? 0);
        const perWrite = (seconds) => (acked ? +((1000 * seconds) / acked).toFixed(3) : null);
        const systemCpu = { api: sys1.api - sys0.api, worker: sys1.worker - sys0.worker, postgres, rabbitmq: sys1.rabbitmq - sys0.rabbitmq, redis: sys1.redis - sys0.redis };
        const systemTotal = Object.values(systemCpu).reduce((a, b) => a + b, 0);
        out[writePath] = {
          acknowledgedPerSecond: Math.round(acked / loadSeconds),
          p50: r.p50,
          p99: r.p99,
          statuses: r.statuses,
          appliedPerSecond: Math.round(acked / allStoredSeconds),
          drainedSecondsAfterLoad: +(allStoredSeconds - loadSeconds).toFixed(2),
          apiCpuMsPerRequest: cpuMsPerRequest,
          worker: Boolean(worker),
          cpuMsPerWrite: { ...Object.fromEntries(Object.entries(systemCpu).map(([k, v]) => [k, perWrite(v)])), total: perWrite(systemTotal) },
          coresBusy: +(systemTotal / allStoredSeconds).toFixed(2),
        };
        log(
          `queued-e2e ${writePath}: acknowledged ${out[writePath].acknowledgedPerSecond}/s (p50 ${r.p50} p99 ${r.p99} ms), applied end to end ${out[writePath].appliedPerSecond}/s, all stored ${out[writePath].drainedSecondsAfterLoad} s after the load, api ${cpuMsPerRequest} ms cpu/request; ${worker ? 'with' : 'no'} worker; CPU ms per write ${JSON.stringify(out[writePath].cpuMsPerWrite)}, ${out[writePath].coresBusy} cores busy | load ${os.loadavg()[0].toFixed(1)}`,
        );
      } finally {
        if (worker) await stop(worker.child);
        await stop(api.child);
      }
    }
  } finally {
    await db.end();
  }
  return { ...out, appliedRatio: out.sync && out.queued ? +(out.queued.appliedPerSecond / out.sync.appliedPerSecond).toFixed(2) : null };
}

/**
 * Issue 13's "cheaper 202": what a 201 and a 202 cost the api, measured round by round in the
 * same run (the host's load moves between rounds, not within one comparison).
 */
async function writeCostCase() {
  const rate = Number(process.env.BENCH_COST_RATE ?? 100);
  const seconds = SECONDS;
  await forgetEarlierEvents();
  const db = new pg.Client({ connectionString: run.dbUrl });
  await db.connect();
  const stored = async () => Number((await db.query(`SELECT count(*)::int AS n FROM tasks WHERE title = $1`, [WRITE_BODY.title])).rows[0].n);
  const paths = {};
  const rounds = [];
  const syscalls = {};
  try {
    for (const writePath of ['sync', 'queued']) {
      const env = { WRITE_PATH: writePath, COMMAND_QUEUE_NAME: run.queueFor(`cost-${writePath}`), EVENT_EXCHANGE_NAME: run.queueFor(`cost-${writePath}-events`) };
      const api = await startApi(env);
      const worker = await startWorker(env);
      paths[writePath] = { api, worker, okStatus: writePath === 'queued' ? 202 : 201, tokens: (await users(api.base, `cost-${writePath}`, WRITE_USERS)).map((u) => u.token) };
    }
    let acknowledged = 0;
    const settle = async () => {
      const deadline = performance.now() + 120_000;
      while ((await stored()) < acknowledged) {
        if (performance.now() > deadline) throw new Error('write-cost: acknowledged writes not all stored 120 s after a round');
        await sleep(100);
      }
    };
    // Every user's first write warms both paths' caches and JIT.
    for (const [writePath, p] of Object.entries(paths)) {
      const r = summary(await load(`${p.api.base}/v1/tasks`, { method: 'POST', body: JSON.stringify(WRITE_BODY), tokens: p.tokens, seconds: 3 }), p.okStatus);
      acknowledged += r.statuses[p.okStatus] ?? 0;
      log(`write-cost ${writePath}: warm-up ${r.okPerSecond}/s`);
    }
    await settle();
    for (let round = 1; round <= ROUNDS; round++) {
      const row = { round };
      for (const [writePath, p] of Object.entries(paths)) {
        const pid = p.api.child.pid;
        let c0 = cpuSeconds(pid);
        const { records } = await openLoad({ url: `${p.api.base}/v1/tasks`, tokens: p.tokens, body: WRITE_BODY, rate, seconds });
        const ok = records.filter((r) => r.status === p.okStatus);
        acknowledged += ok.length;
        const fixed = { rate, ok: ok.length, ...stats(ok), cpuMsPerRequest: ok.length ? +((1000 * (cpuSeconds(pid) - c0)) / ok.length).toFixed(3) : null };
        delete fixed.byStatus;
        fixed.statuses = stats(records).byStatus;
        await settle();
        c0 = cpuSeconds(pid);
        const full = summary(await load(`${p.api.base}/v1/tasks`, { method: 'POST', body: JSON.stringify(WRITE_BODY), tokens: p.tokens, seconds }), p.okStatus);
        const okCount = full.statuses[p.okStatus] ?? 0;
        acknowledged += okCount;
        full.cpuMsPerRequest = okCount ? +((1000 * (cpuSeconds(pid) - c0)) / okCount).toFixed(3) : null;
        delete full.raw;
        await settle();
        row[writePath] = { fixed, full, loadavg: +os.loadavg()[0].toFixed(1) };
        log(
          `write-cost round ${round} ${writePath}: at ${rate}/s p50 ${fixed.p50} p95 ${fixed.p95} p99 ${fixed.p99} ms, ${fixed.cpuMsPerRequest} ms cpu/req ${JSON.stringify(fixed.statuses)} | full speed ${full.okPerSecond} ${p.okStatus}/s p50 ${full.p50} p99 ${full.p99} ms, ${full.cpuMsPerRequest} ms cpu/req | load ${os.loadavg()[0].toFixed(1)}`,
        );
      }
      rounds.push(row);
    }
    // BENCH_COST_STRACE=1: the system calls each path's api makes per request at the fixed rate
    // (strace -c on every thread; it slows the api, so no latency or CPU is taken from this phase).
    if (process.env.BENCH_COST_STRACE === '1') {
      for (const [writePath, p] of Object.entries(paths)) {
        const file = path.join(os.tmpdir(), `ln-bench-${run.id}-${writePath}.strace`);
        const tracer = spawn('strace', ['-c', '-f', '-o', file, '-p', String(p.api.child.pid)], { stdio: 'ignore' });
        await sleep(1000);
        const { records } = await openLoad({ url: `${p.api.base}/v1/tasks`, tokens: p.tokens, body: WRITE_BODY, rate, seconds });
        const ok = records.filter((r) => r.status === p.okStatus).length;
        acknowledged += ok;
        tracer.kill('SIGINT');
        await new Promise((resolve) => tracer.once('exit', resolve));
        const perRequest = {};
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
          if (m && m[2] !== 'total') perRequest[m[2]] = +(Number(m[1]) / ok).toFixed(2);
        }
        rmSync(file, { force: true });
        const total = +Object.values(perRequest).reduce((a, b) => a + b, 0).toFixed(2);
        syscalls[writePath] = { requests: ok, total, perRequest };
        log(`write-cost ${writePath}: ${total} system calls per request at ${rate}/s: ${JSON.stringify(Object.fromEntries(Object.entries(perRequest).sort((a, b) => b[1] - a[1]).slice(0, 12)))}`);
        await settle();
      }
    }
  } finally {
    for (const p of Object.values(paths)) {
      await stop(p.worker.child);
      await stop(p.api.child);
    }
    await db.end();
  }
  const med = (path, mode, field) => median(rounds.map((r) => r[path][mode][field]));
  const out = { rate, rounds, median: {}, ...(Object.keys(syscalls).length ? { syscallsPerRequest: syscalls } : {}) };
  for (const path of ['sync', 'queued']) {
    out.median[path] = {
      fixed: { cpuMsPerRequest: med(path, 'fixed', 'cpuMsPerRequest'), p50: med(path, 'fixed', 'p50'), p99: med(path, 'fixed', 'p99') },
      full: { okPerSecond: med(path, 'full', 'okPerSecond'), cpuMsPerRequest: med(path, 'full', 'cpuMsPerRequest'), p50: med(path, 'full', 'p50'), p99: med(path, 'full', 'p99') },
    };
  }
  return out;
}

async function brownoutRun(label, base, tokens, proxy, rate) {
  const seconds = BROWNOUT_PAUSE_S + 15;
  const pauseAt = 8_000;
  const resumeAt = pauseAt + BROWNOUT_PAUSE_S * 1000;
  const timers = [setTimeout(() => proxy.pause(), pauseAt), setTimeout(() => proxy.resume(), resumeAt)];
  try {
    const { records, skipped } = await openLoad({
      url: `${base}/v1/tasks`,
      tokens,
      body: WRITE_BODY,
      rate,
      seconds,
      timeoutMs: 60_000,
    });
    const before = stats(records.filter((r) => r.start < pauseAt));
    const during = stats(records.filter((r) => r.start >= pauseAt && r.start < resumeAt));
    const after = stats(records.filter((r) => r.start >= resumeAt));
    log(`brownout ${label}: before ${JSON.stringify(before)}`);
    log(`brownout ${label}: during the ${BROWNOUT_PAUSE_S} s stall ${JSON.stringify(during)}`);
    log(`brownout ${label}: after ${JSON.stringify(after)}${skipped ? `; ${skipped} requests not sent (too many in flight)` : ''}`);
    return { rate, pauseSeconds: BROWNOUT_PAUSE_S, before, during, after, skipped };
  } finally {
    timers.forEach(clearTimeout);
    proxy.resume();
  }
}

async function brownoutCase(paths, rate) {
  const target = new URL(run.dbUrl);
  const result = {};
  for (const writePath of paths) {
    await forgetEarlierEvents();
    const proxy = await startPausableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(run.dbUrl);
    viaProxy.port = String(proxy.port);
    const env = { WRITE_PATH: writePath, DATABASE_URL: viaProxy.toString(), COMMAND_QUEUE_NAME: run.queueFor(`${writePath}-brownout`) };
    const api = await startApi(env);
    // The queued path's worker, on the same stalled database: it holds its batch and catches up.
    const worker = writePath === 'queued' ? await startWorker(env) : undefined;
    try {
      const tokens = (await users(api.base, `brownout-${writePath}`, 50)).map((u) => u.token);
      result[writePath] = await brownoutRun(writePath, api.base, tokens, proxy, rate);
    } finally {
      await stop(worker?.child);
      await stop(api.child);
      await proxy.close();
    }
  }
  return result;
}

// ---- setup and teardown ----

async function cleanup() {
  const errors = [];
  await (async () => {
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${run.dbName} WITH (FORCE)`);
    await c.end();
  })().catch((e) => errors.push(`database: ${e.message}`));
  await (async () => {
    const conn = await amqp.connect(AMQP);
    const ch = await conn.createChannel();
    for (const queue of run.queues) {
      for (let p = 0; p < PARTITIONS; p++) await ch.deleteQueue(`${queue}.p${p}`);
      await ch.deleteQueue(`${queue}.dead`);
      // The workers' presence queue (LaneSharingConsumer).
      await ch.deleteQueue(`${queue}.workers`);
      // The ceiling case publishes to a plain queue of that name.
      await ch.deleteQueue(queue);
      // The worker's event subscriptions (apps/worker/src/event-consumers.ts).
      for (const consumer of ['learning.history', 'tasks.predictions', 'coach.plans', 'coach.wording', 'learning.plan-feedback']) {
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
  if (errors.length) process.stderr.write(`cleanup: ${errors.join('; ')}\n`);
}

const COACH_USERS = Number(process.env.BENCH_COACH_USERS ?? 200);
const COACH_RATE = Number(process.env.BENCH_COACH_RATE ?? 10);
const FAILURE_REASONS = ['too_big', 'no_time', 'low_energy', 'blocked', 'unclear', 'forgot', 'deprioritized', 'interrupted', 'other'];

/** A Prometheus histogram's buckets (summed over its label sets): [le, cumulative count]. */
async function histogram(metricsUrl, name) {
  const text = await (await fetch(metricsUrl)).text();
  const buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const le = /le="([^"]+)"/.exec(line)[1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]);
}

/** A quantile from cumulative buckets, linear within the bucket it falls in (as PromQL's histogram_quantile). */
function bucketQuantile(buckets, q) {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let [lower, below] = [0, 0];
  for (const [le, count] of buckets) {
    if (count >= rank) return le === Infinity ? lower : +(lower + ((le - lower) * (rank - below)) / Math.max(1, count - below)).toFixed(3);
    [lower, below] = [le, count];
  }
  return null;
}

/**
 * The coach's latency under a stream of failures from many users: each user's one task fails at a
 * fixed rate; the worker plans each (its own stage); the time from each failure's commit to its
 * plan being stored is read from the worker's histogram, and every failure must have its plan.
 */
async function coachCase(writePath) {
  const queue = run.queueFor(`coach-${writePath}`);
  const api = await startApi({ WRITE_PATH: writePath, COMMAND_QUEUE_NAME: queue });
  const worker = await startWorker({ WRITE_PATH: writePath, COMMAND_QUEUE_NAME: queue });
  try {
    const people = await users(api.base, `coach-${writePath}`, COACH_USERS);
    const tasks = [];
    for (let i = 0; i < people.length; i += 20) {
      const batch = people.slice(i, i + 20);
      tasks.push(
        ...(await Promise.all(
          batch.map(async (u, k) => {
            const res = await post(api.base, '/v1/tasks', { title: `Prepare the quarterly review ${i + k}`, estimateMinutes: 30 + ((i + k) % 6) * 30, tags: ['work'] }, u.token);
            if (res.status !== 201 && res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`);
            return { token: u.token, id: (await res.json()).id };
          }),
        )),
      );
    }
    // The queued path applies the creates in the worker: wait until every task is stored.
    for (const t of tasks) {
      for (let i = 0; ; i++) {
        const res = await fetch(`${api.base}/v1/tasks/${t.id}`, { headers: { authorization: `Bearer ${t.token}` } });
        if (res.status === 200 && (await res.json()).status === 'open') break;
        if (i > 200) throw new Error(`task ${t.id} never stored`);
        await sleep(50);
      }
    }
    const before = await histogram(worker.metrics, 'ln_coach_plan_ready_seconds');
    const startedAt = performance.now();
    const acks = [];
    await Promise.all(
      tasks.map(async (t, i) => {
        const due = startedAt + (i * 1000) / COACH_RATE;
        await sleep(Math.max(0, due - performance.now()));
        const sent = performance.now();
        const res = await post(api.base, `/v1/tasks/${t.id}/fail`, { reason: FAILURE_REASONS[i % FAILURE_REASONS.length] }, t.token);
        acks.push({ status: res.status, ms: performance.now() - sent });
        await res.text();
      }),
    );
    const streamSeconds = (performance.now() - startedAt) / 1000;
    // Every failure must get its plan.
    let missing = tasks.length;
    for (const waitStarted = performance.now(); performance.now() - waitStarted < 120_000; ) {
      const got = await Promise.all(tasks.map(async (t) => (await (await fetch(`${api.base}/v1/tasks/${t.id}/plans`, { headers: { authorization: `Bearer ${t.token}` } })).json()).items?.length > 0));
      missing = got.filter((x) => !x).length;
      if (missing === 0) break;
      await sleep(500);
    }
    const after = await histogram(worker.metrics, 'ln_coach_plan_ready_seconds');
    const buckets = after.map(([le, n]) => [le, n - (before.find(([b]) => b === le)?.[1] ?? 0)]);
    const planned = buckets.at(-1)?.[1] ?? 0;
    const within2s = buckets.find(([le]) => le === 2)?.[1] ?? 0;
    const out = {
      writePath,
      users: people.length,
      failures: tasks.length,
      ratePerSecond: COACH_RATE,
      streamSeconds: +streamSeconds.toFixed(1),
      failAck: stats(acks),
      planned,
      withoutPlan: missing,
      planReadySeconds: { p50: bucketQuantile(buckets, 0.5), p95: bucketQuantile(buckets, 0.95), p99: bucketQuantile(buckets, 0.99), within2s: planned ? +(within2s / planned).toFixed(3) : null },
      buckets: buckets.map(([le, n]) => [le === Infinity ? '+Inf' : le, n]),
      target: 'p95 <= 2 s',
    };
    log(`coach (${writePath}): ${out.failures} failures at ${COACH_RATE}/s from ${out.users} users; fail answered p95 ${out.failAck.p95} ms; plans ${planned}, missing ${missing}; plan ready p50 ${out.planReadySeconds.p50} s, p95 ${out.planReadySeconds.p95} s, within 2 s ${(out.planReadySeconds.within2s ?? 0) * 100}%`);
    return out;
  } finally {
    await stop(worker.child);
    await stop(api.child);
  }
}

/** What load-tests/bench/scale.mjs needs from this script. */
function scaleHelpers() {
  return { run, log, startApi, startWorker, stop, users, userToken, post, freePort, commandQueue, createEnvelope, processedCount, forgetEarlierEvents, WRITE_BODY, CONNECTIONS, SECONDS, ROUNDS, PARTITIONS, AMQP, REDIS };
}

async function main() {
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${run.dbName}`);
  await admin.end();
  const dbUrl = new URL(PG);
  dbUrl.pathname = `/${run.dbName}`;
  run.dbUrl = dbUrl.toString();

  const ctx = {
    async bare(getBytes, postBytes = 500) {
      const port = await freePort();
      const child = await start(process.execPath, ['load-tests/bench/bare-fastify.mjs'], { PORT: String(port), BODY_BYTES: String(getBytes), POST_BODY_BYTES: String(postBytes) }, 'ready');
      return { child, base: `http://127.0.0.1:${port}` };
    },
  };

  const result = { at: new Date().toISOString(), node: process.version, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, cases: CASES };
  try {
    if (CASES.includes('read')) result.read = await readCase(ctx);
    if (CASES.includes('sync-write')) result.syncWrite = await writeCase(ctx, 'sync');
    if (CASES.includes('queued-write')) result.queuedWrite = await writeCase(ctx, 'queued');
    if (CASES.includes('ceiling')) result.ceiling = await ceilingCase(ctx);
    if (CASES.includes('insights')) result.insights = await insightsCase(ctx);
    if (CASES.includes('worker-rate')) result.workerRate = await workerRateCase();
    if (CASES.includes('queued-e2e')) result.queuedE2e = await queuedE2eCase();
    if (CASES.includes('write-cost')) result.writeCost = await writeCostCase();
    if (CASES.includes('overlay-read')) result.overlayRead = await overlayReadCase();
    if (CASES.includes('coach')) {
      result.coach = {};
      for (const p of (process.env.BENCH_COACH_PATHS ?? 'sync,queued').split(',')) result.coach[p] = await coachCase(p);
    }
    if (CASES.includes('brownout')) {
      const paths = (process.env.BENCH_BROWNOUT_PATHS ?? 'sync,queued').split(',');
      // Moderate load: half of what the sync path sustained in this run, at most 500/s (it must
      // keep up before the stall, or the stall is not what is measured, and every query now also
      // crosses the pausable proxy, a Node process on the same cores), else 50/s; the same rate
      // for both paths.
      const syncRate = result.syncWrite ? median(result.syncWrite.rounds.map((r) => r.product.okPerSecond)) : undefined;
      const rate = BROWNOUT_RATE ?? (syncRate ? Math.min(500, Math.max(10, Math.round(syncRate / 2))) : 50);
      result.brownout = await brownoutCase(paths, rate);
    }
    if (CASES.includes('scale-out')) result.scaleOut = await scaleOutCase(scaleHelpers());
    if (CASES.includes('workers')) result.workers = await workersCase(scaleHelpers());
    if (CASES.includes('live-latency')) result.liveLatency = await liveLatencyCase(scaleHelpers());
    if (CASES.includes('live-idle')) result.liveIdle = await liveIdleCase(scaleHelpers());
  } finally {
    for (const c of children) await stop(c);
    await cleanup();
  }

  mkdirSync(path.join(ROOT, 'load-tests/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'load-tests/results/latest.json'), JSON.stringify(result, null, 2) + '\n');
  log('');
  if (result.read) log(`cached GET /v1/tasks vs bare Fastify: ${result.read.medianRatio}x (target >= 0.35x)`);
  if (result.syncWrite) log(`sync POST /v1/tasks (201) vs bare Fastify POST: ${result.syncWrite.medianRatio}x (target >= 0.12x)`);
  if (result.queuedWrite) log(`queued POST /v1/tasks (202) vs bare Fastify POST: ${result.queuedWrite.medianRatio}x (target >= 0.28x)`);
  for (const [m, c] of Object.entries(result.ceiling ?? {})) log(`ceiling (minimal Nest + JWT + one ${m}) vs bare Fastify POST: ${c.medianRatio}x`);
  if (result.workerRate) log(`worker: ${result.workerRate.drain.steadyPerSecond} commands/s draining a backlog; sustained without growth: ${result.workerRate.sustainedPerSecond ?? 'none of the rates tried'}/s`);
  if (result.queuedE2e) log(`queued end to end: applied ${result.queuedE2e.queued.appliedPerSecond}/s vs sync ${result.queuedE2e.sync.appliedPerSecond}/s (${result.queuedE2e.appliedRatio}x, target >= 0.5x)`);
  if (result.writeCost) {
    const m = result.writeCost.median;
    log(
      `write cost, medians of ${result.writeCost.rounds.length} rounds: at ${result.writeCost.rate}/s api cpu/req 202 ${m.queued.fixed.cpuMsPerRequest} vs 201 ${m.sync.fixed.cpuMsPerRequest} ms, p99 202 ${m.queued.fixed.p99} vs 201 ${m.sync.fixed.p99} ms; full speed 202 ${m.queued.full.okPerSecond}/s ${m.queued.full.cpuMsPerRequest} ms p99 ${m.queued.full.p99} vs 201 ${m.sync.full.okPerSecond}/s ${m.sync.full.cpuMsPerRequest} ms p99 ${m.sync.full.p99}`,
    );
  }
  for (const [p, c] of Object.entries(result.coach ?? {})) log(`coach ${p}: plan ready p95 ${c.planReadySeconds.p95} s (target <= 2 s), ${c.withoutPlan} failures without a plan`);
  for (const [p, b] of Object.entries(result.brownout ?? {})) {
    log(`brownout ${p}: during the stall p50 ${b.during.p50} p95 ${b.during.p95} p99 ${b.during.p99} max ${b.during.max} ms, ${JSON.stringify(b.during.byStatus)}`);
  }
  if (result.scaleOut?.skipped) log(`scale-out: SKIPPED (${result.scaleOut.skipped})`);
  else if (result.scaleOut) log(`scale-out: 2 apis / 1 api behind nginx: cached read ${result.scaleOut.read.twoOverOne}x, sync write ${result.scaleOut.write.twoOverOne}x; api RSS at ${result.scaleOut.rss[0]?.name.split(' ')[0]} connections at most ${result.scaleOut.maxRssMb} MB${result.scaleOut.maxRssCappedMb ? `, ${result.scaleOut.maxRssCappedMb} MB with the heap capped (${result.scaleOut.rssCapped[0].heap})` : ''} (target <= 300 MB)`);
  if (result.workers) log(`workers: 2 / 1 drain rate ${result.workers.twoOverOne.join(', ')} (target >= 1.5x)`);
  log('details in load-tests/results/latest.json');
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
  },
);
