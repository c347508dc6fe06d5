// Scale-out cases of `npm run bench` (issue 14, "Scale-out past one process"; issue 13, two workers):
//
//   scale-out  a real nginx (Debian's package) on loopback in front of 1 and then 2 api processes
//              (services mode, WRITE_PATH=sync): the cached GET /v1/tasks and the sync POST /v1/tasks
//              from many users, rounds alternating direct-to-one-api / nginx + 1 api / nginx + 2 apis
//              in the same run, with the apis' and nginx's CPU per request; then each api's RSS while
//              500 connections read and write through nginx. Without nginx it says so and is skipped.
//   workers    a backlog of queued creates drained by 1 and by 2 worker processes (started together),
//              alternating in the same run: the drain rate, each worker's share (ln_commands_total),
//              and where the CPU went (workers, the scratch database's PostgreSQL backends, RabbitMQ,
//              Redis) per 1,000 commands.
//
// The helpers of run.mjs are passed in (`h`), so run.mjs only calls these; everything started here
// is stopped here, by pid.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { findNginx, startNginx } from '../nginx/nginx.mjs';
import { cpuSeconds } from './proc.mjs';

const SCALE_USERS = Number(process.env.BENCH_SCALE_USERS ?? 200);
const SCALE_TASKS_PER_USER = Number(process.env.BENCH_SCALE_TASKS ?? 5);
const RSS_CONNECTIONS = Number(process.env.BENCH_RSS_CONNECTIONS ?? 500);
// The RSS runs are repeated on two fresh apis started with this V8 heap cap (0: not repeated).
const RSS_HEAP_MB = Number(process.env.BENCH_RSS_HEAP_MB ?? 160);
const WORKERS_BACKLOG = Number(process.env.BENCH_WORKERS_BACKLOG ?? 10_000);
const WORKERS_USERS = Number(process.env.BENCH_WORKERS_USERS ?? 64);

/** FNV-1a onto K partitions, as the product's partitionOf (libs/kernel/application). */
function partitionOf(userId, partitions) {
  let x = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    x ^= userId.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x % partitions;
}

const loadavg = () => os.loadavg().map((l) => +l.toFixed(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
const range = (xs) => {
  const s = xs.filter((x) => typeof x === 'number');
  return s.length ? [Math.min(...s), Math.max(...s)] : null;
};

const cpuOf = (pids) => pids.reduce((a, p) => a + cpuSeconds(p), 0);

/** VmRSS and VmHWM (peak) of a process in MB. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMb: +(kb('VmRSS') / 1024).toFixed(1), peakMb: +(kb('VmHWM') / 1024).toFixed(1) };
  } catch {
    return { rssMb: null, peakMb: null };
  }
}

/** The pid listening on a loopback TCP port (the shared RabbitMQ, Redis), from /proc; null if not found. */
export function listenerPid(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        // local_address ends in :PORT, state 0A = LISTEN
        if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]);
      }
    } catch {
      // not Linux
    }
  }
  if (!inodes.size) return null;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** autocannon with its own connection count; each request the next user's token. */
function cannon(url, { connections, seconds, method = 'GET', body, tokens }) {
  let next = 0;
  const latencies = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method,
        connections,
        duration: seconds,
        pipelining: 1,
        headers: body ? { 'content-type': 'application/json' } : {},
        body,
        requests: [{ method, body, setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }) }],
      },
      (err, r) => (err ? reject(err) : resolve({ r, latencies })),
    );
    instance.on('response', (_c, status, _b, ms) => latencies.push({ status, ms }));
  });
}

function quantiles(latencies, okStatus) {
  const ms = latencies.filter((l) => l.status === okStatus).map((l) => l.ms).sort((a, b) => a - b);
  const q = (p) => (ms.length ? +ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1) : null);
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/** One measured run against `url`: answers/s, latency, and CPU per answer of the apis and of nginx. */
async function measure(url, { apiPids, nginxPids, seconds, connections, method, body, tokens, okStatus, db }) {
  // Transactions committed in the scratch database: per create, 1 / the number of creates per statement.
  const commits = async () => (db ? Number((await db.client.query('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [db.name])).rows[0].xact_commit) : 0);
  const x0 = await commits();
  const a0 = cpuOf(apiPids);
  const n0 = cpuOf(nginxPids);
  const t0 = performance.now();
  const { r, latencies } = await cannon(url, { connections, seconds, method, body, tokens });
  const wall = (performance.now() - t0) / 1000;
  const answers = latencies.length;
  const ok = latencies.filter((l) => l.status === okStatus).length;
  const statuses = {};
  for (const l of latencies) statuses[l.status] = (statuses[l.status] ?? 0) + 1;
  return {
    okPerSecond: Math.round(ok / wall),
    ...quantiles(latencies, okStatus),
    apiCpuMsPerRequest: answers ? +((1000 * (cpuOf(apiPids) - a0)) / answers).toFixed(3) : null,
    nginxCpuMsPerRequest: nginxPids.length && answers ? +((1000 * (cpuOf(nginxPids) - n0)) / answers).toFixed(3) : null,
    ...(db && answers ? { commitsPerRequest: +(((await commits()) - x0) / answers).toFixed(3) } : {}),
    statuses,
    errors: r.errors + r.timeouts,
    loadavg: loadavg(),
  };
}

/** Cached read and sync write at 1 vs 2 api processes behind nginx, and the apis' RSS at 500 connections. */
export async function scaleOutCase(h) {
  const found = findNginx();
  if (found.missing) {
    h.log(`scale-out: SKIPPED, ${found.missing}`);
    return { skipped: found.missing };
  }
  const env = { WRITE_PATH: 'sync', COMMAND_QUEUE_NAME: h.run.queueFor('scale-out'), TRUSTED_PROXIES: 'loopback' };
  const apis = [];
  let nginx;
  const db = { client: new pg.Client({ connectionString: h.run.dbUrl }), name: h.run.dbName };
  await db.client.connect();
  try {
    apis.push(await h.startApi(env), await h.startApi(env));
    const ports = apis.map((a) => Number(new URL(a.base).port));
    const [one, two] = [await h.freePort(), await h.freePort()];
    nginx = await startNginx([
      { port: one, upstream: [ports[0]] },
      { port: two, upstream: ports },
    ]);
    const nginxPids = () => [nginx.pid, ...nginx.workerPids()];
    h.log(`scale-out: ${found.version} on :${one} (1 api) and :${two} (2 apis), ${nginx.workerPids().length} nginx workers; apis :${ports.join(', :')}`);

    const people = await h.users(apis[0].base, 'scale', SCALE_USERS);
    const tokens = people.map((u) => u.token);
    for (let i = 0; i < people.length; i += 20) {
      await Promise.all(
        people.slice(i, i + 20).map(async (u, k) => {
          for (let t = 0; t < SCALE_TASKS_PER_USER; t++) {
            const res = await h.post(apis[0].base, '/v1/tasks', { title: `Scale task ${i + k}.${t}`, estimateMinutes: 30, tags: ['bench'] }, u.token);
            if (res.status !== 201) throw new Error(`seeding answered ${res.status}: ${await res.text()}`);
            await res.text();
          }
        }),
      );
    }

    const variants = [
      { name: 'direct, 1 api', url: apis[0].base, pids: [apis[0].child.pid], viaNginx: false },
      { name: 'nginx, 1 api', url: `http://127.0.0.1:${one}`, pids: [apis[0].child.pid], viaNginx: true },
      { name: 'nginx, 2 apis', url: `http://127.0.0.1:${two}`, pids: apis.map((a) => a.child.pid), viaNginx: true },
    ];
    const routes = [
      { name: 'read', label: 'cached GET /v1/tasks', path: '/v1/tasks', method: 'GET', okStatus: 200 },
      // The write also at half the connections straight to one api: how the api's CPU per create
      // depends on how many creates arrive together (they are coalesced per event-loop turn, ADR 12).
      { name: 'write', label: 'sync POST /v1/tasks', path: '/v1/tasks', method: 'POST', body: JSON.stringify(h.WRITE_BODY), okStatus: 201, extra: [{ name: `direct, 1 api, ${Math.round(h.CONNECTIONS / 2)} connections`, url: apis[0].base, pids: [apis[0].child.pid], viaNginx: false, connections: Math.round(h.CONNECTIONS / 2) }] },
    ];
    // Every variant warmed once before anything is measured (JIT, each user's cache entries in each api).
    for (const route of routes) for (const v of variants) await cannon(`${v.url}${route.path}`, { connections: h.CONNECTIONS, seconds: 3, method: route.method, body: route.body, tokens });
    // What an api process costs with no requests at all (timers, metrics, connections), per second.
    const idle0 = apis.map((a) => cpuSeconds(a.child.pid));
    await sleep(5000);
    const idleCpuMsPerSecond = apis.map((a, i) => +((1000 * (cpuSeconds(a.child.pid) - idle0[i])) / 5).toFixed(1));
    h.log(`scale-out: idle api CPU ${idleCpuMsPerSecond.join(' / ')} ms per second`);
    const out = { idleCpuMsPerSecond, nginx: found.version, nginxWorkers: nginx.workerPids().length, users: tokens.length, connections: h.CONNECTIONS, seconds: h.SECONDS };
    for (const route of routes) {
      const rounds = [];
      for (let round = 1; round <= h.ROUNDS; round++) {
        const row = { round };
        const all = [...variants, ...(route.extra ?? [])];
        // The order rotates each round, so no variant is always the one after the host's last burst.
        for (const v of [...all.slice((round - 1) % all.length), ...all.slice(0, (round - 1) % all.length)]) {
          const opts = { apiPids: v.pids, nginxPids: v.viaNginx ? nginxPids() : [], connections: v.connections ?? h.CONNECTIONS, method: route.method, body: route.body, tokens, okStatus: route.okStatus, db: route.method === 'POST' ? db : undefined };
          await cannon(`${v.url}${route.path}`, { ...opts, seconds: 2 });
          row[v.name] = await measure(`${v.url}${route.path}`, { ...opts, seconds: h.SECONDS });
          const m = row[v.name];
          h.log(
            `scale-out ${route.label} round ${round}, ${v.name}: ${m.okPerSecond} ${route.okStatus}/s p50 ${m.p50} p95 ${m.p95} p99 ${m.p99} ms, api ${m.apiCpuMsPerRequest} ms cpu/req${m.nginxCpuMsPerRequest !== null ? `, nginx ${m.nginxCpuMsPerRequest} ms cpu/req` : ''}${m.commitsPerRequest !== undefined ? `, ${m.commitsPerRequest} commits/req` : ''}, statuses ${JSON.stringify(m.statuses)} | load ${m.loadavg[0]}`,
          );
        }
        row.twoOverOne = +(row['nginx, 2 apis'].okPerSecond / Math.max(1, row['nginx, 1 api'].okPerSecond)).toFixed(2);
        row.nginxOverDirect = +(row['nginx, 1 api'].okPerSecond / Math.max(1, row['direct, 1 api'].okPerSecond)).toFixed(2);
        h.log(`scale-out ${route.label} round ${round}: 2 apis / 1 api ${row.twoOverOne}x; nginx + 1 api / direct ${row.nginxOverDirect}x`);
        rounds.push(row);
      }
      out[route.name] = { rounds, twoOverOne: median(rounds.map((r) => r.twoOverOne)), twoOverOneRange: range(rounds.map((r) => r.twoOverOne)), nginxOverDirect: median(rounds.map((r) => r.nginxOverDirect)) };
    }

    const errors = nginx.errorLog().split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l));
    out.nginxErrors = errors.length;
    if (errors.length) h.log(`scale-out: nginx logged ${errors.length} errors, e.g. ${errors[0]}`);
    // What a read returns by now (the writes above made every user's list longer).
    out.rssReadBodyBytes = Buffer.byteLength(await (await fetch(`${apis[0].base}/v1/tasks`, { headers: { authorization: `Bearer ${tokens[0]}` } })).text());
    h.log(`scale-out: a user's GET /v1/tasks is now ${out.rssReadBodyBytes} bytes`);
    out.rss = await rssRuns(h, apis, two, tokens, 'uncapped heap');
    if (RSS_HEAP_MB > 0) {
      // The same on two fresh apis whose V8 heap is capped, as a deployment would run them.
      await nginx.stop();
      for (const a of apis.splice(0)) await h.stop(a.child);
      const capped = { ...env, NODE_OPTIONS: `--max-old-space-size=${RSS_HEAP_MB}` };
      apis.push(await h.startApi(capped), await h.startApi(capped));
      nginx = await startNginx([{ port: two, upstream: apis.map((a) => Number(new URL(a.base).port)) }]);
      await cannon(`http://127.0.0.1:${two}/v1/tasks`, { connections: h.CONNECTIONS, seconds: 3, tokens });
      out.rssCapped = await rssRuns(h, apis, two, tokens, `--max-old-space-size=${RSS_HEAP_MB}`);
      out.maxRssCappedMb = Math.max(...out.rssCapped.flatMap((r) => r.rssPeakMb));
    }
    out.maxRssMb = Math.max(...out.rss.flatMap((r) => r.rssPeakMb));
    out.rssTargetMb = 300;
    return out;
  } finally {
    await nginx?.stop();
    for (const a of apis) await h.stop(a.child);
    await db.client.end();
  }
}

/** Each api's RSS, sampled every 200 ms, while RSS_CONNECTIONS connections read, then write, through nginx, then read one api directly. */
async function rssRuns(h, apis, nginxPort, tokens, heap) {
  const out = [];
  const runs = [
    { name: `${RSS_CONNECTIONS} connections via nginx, 2 apis, reads`, url: `http://127.0.0.1:${nginxPort}/v1/tasks`, method: 'GET', okStatus: 200, watched: apis },
    { name: `${RSS_CONNECTIONS} connections via nginx, 2 apis, sync writes`, url: `http://127.0.0.1:${nginxPort}/v1/tasks`, method: 'POST', body: JSON.stringify(h.WRITE_BODY), okStatus: 201, watched: apis },
    { name: `${RSS_CONNECTIONS} connections direct to 1 api, reads`, url: `${apis[0].base}/v1/tasks`, method: 'GET', okStatus: 200, watched: [apis[0]] },
  ];
  for (const run of runs) {
    const before = run.watched.map((a) => memoryOf(a.child.pid).rssMb);
    const peak = run.watched.map(() => 0);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        run.watched.forEach((a, i) => (peak[i] = Math.max(peak[i], memoryOf(a.child.pid).rssMb ?? 0)));
        await sleep(200);
      }
    })();
    const m = await measure(run.url, { apiPids: run.watched.map((a) => a.child.pid), nginxPids: [], connections: RSS_CONNECTIONS, seconds: h.SECONDS, method: run.method, body: run.body, tokens, okStatus: run.okStatus });
    sampling = false;
    await sampler;
    const after = run.watched.map((a) => memoryOf(a.child.pid));
    const row = { name: run.name, heap, okPerSecond: m.okPerSecond, p99: m.p99, statuses: m.statuses, rssBeforeMb: before, rssPeakMb: peak, vmHwmMb: after.map((x) => x.peakMb), loadavg: m.loadavg };
    out.push(row);
    h.log(`scale-out RSS (${heap}), ${run.name}: RSS before ${before.join(' / ')} MB, peak while loaded ${peak.join(' / ')} MB (VmHWM ${row.vmHwmMb.join(' / ')} MB); ${m.okPerSecond}/s p99 ${m.p99} ms, statuses ${JSON.stringify(m.statuses)} | load ${m.loadavg[0]}`);
  }
  return out;
}

const PHASES = ['read', 'decide', 'write', 'record', 'commit', 'settle', 'ack', 'apply'];

/**
 * `ln_commands_total` (all outcomes), the batch histogram's sum and count, and the seconds spent in
 * each phase of a batch (`ln_command_batch_phase_seconds_sum{phase}`), from a worker's /metrics.
 */
export async function workerCounters(metricsUrl) {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const sum = (re) => text.split('\n').filter((l) => re.test(l)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const phaseSeconds = Object.fromEntries(PHASES.map((p) => [p, sum(new RegExp(`^ln_command_batch_phase_seconds_sum\\{phase="${p}"\\}`))]));
    return { commands: sum(/^ln_commands_total[{ ]/), batchSeconds: sum(/^ln_command_batch_commit_seconds_sum[{ ]/), batches: sum(/^ln_command_batch_commit_seconds_count[{ ]/), phaseSeconds };
  } catch {
    return { commands: null, batchSeconds: null, batches: null, phaseSeconds: null };
  }
}

/** Milliseconds per batch in each phase, the phases a run saw. */
export function phaseMsPerBatch(counters) {
  const out = {};
  for (const p of PHASES) {
    const seconds = counters.reduce((a, c) => a + (c.phaseSeconds?.[p] ?? 0), 0);
    const batches = counters.reduce((a, c) => a + (c.batches ?? 0), 0);
    if (seconds > 0 && batches > 0) out[p] = +((1000 * seconds) / batches).toFixed(2);
  }
  return out;
}

/** The scratch database's PostgreSQL backends (not `exceptPid`, the bench's own connection) and their CPU. */
export async function backendCpu(db, dbName, exceptPid) {
  const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [dbName, exceptPid]);
  return new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)]));
}

/** A backlog drained by 1 and by 2 worker processes (started together), alternating; where the CPU went. */
export async function workersCase(h) {
  await h.forgetEarlierEvents();
  const queueName = h.run.queueFor('workers');
  const api = await h.startApi({ COMMAND_QUEUE_NAME: queueName });
  const queue = h.commandQueue(queueName);
  const db = new pg.Client({ connectionString: h.run.dbUrl });
  await db.connect();
  const ownPid = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const rabbitPid = listenerPid(Number(new URL(h.AMQP).port || 5672));
  const redisPid = listenerPid(Number(new URL(h.REDIS).port || 6379));
  const workers = [];
  try {
    // The same number of users in every partition, so a partition split between workers is an even one.
    const want = Math.ceil(WORKERS_USERS / h.PARTITIONS);
    const byPartition = Array.from({ length: h.PARTITIONS }, () => []);
    for (let i = 0; byPartition.some((b) => b.length < want); i += 8) {
      if (i > 20 * WORKERS_USERS) throw new Error('could not fill every partition with users');
      const ids = (await Promise.all(Array.from({ length: 8 }, (_, k) => h.userToken(api.base, `bench-workers-${i + k}@example.com`)))).map((u) => u.id);
      for (const id of ids) {
        const b = byPartition[partitionOf(id, h.PARTITIONS)];
        if (b.length < want) b.push(id);
      }
    }
    const users = byPartition.flat();
    await h.stop(api.child);
    const perPartition = byPartition.map((b) => b.length);
    h.log(`workers: ${users.length} users over ${h.PARTITIONS} partitions: ${perPartition.join(' / ')}; RabbitMQ pid ${rabbitPid ?? '?'}, Redis pid ${redisPid ?? '?'}`);

    const runs = [];
    for (let round = 1; round <= h.ROUNDS; round++) {
      for (const count of [1, 2]) {
        const before = await h.processedCount(db);
        for (let i = 0; i < WORKERS_BACKLOG; i += 500) {
          await Promise.all(Array.from({ length: Math.min(500, WORKERS_BACKLOG - i) }, (_, k) => queue.send(h.createEnvelope(users[(i + k) % users.length], i + k))));
        }
        const pg0 = await backendCpu(db, h.run.dbName, ownPid);
        const rabbit0 = rabbitPid ? cpuSeconds(rabbitPid) : 0;
        const redis0 = redisPid ? cpuSeconds(redisPid) : 0;
        // Started together, as an orchestrator starts replicas; each one's CPU is counted from its ready line.
        const started = await Promise.all(
          Array.from({ length: count }, async () => {
            const w = await h.startWorker({ COMMAND_QUEUE_NAME: queueName });
            workers.push(w);
            return { ...w, readyAt: performance.now(), cpuAtReady: cpuSeconds(w.child.pid) };
          }),
        );
        const firstReady = Math.min(...started.map((w) => w.readyAt));
        const samples = [];
        for (;;) {
          const n = (await h.processedCount(db)) - before;
          samples.push({ t: (performance.now() - firstReady) / 1000, n });
          if (n >= WORKERS_BACKLOG) break;
          if (performance.now() - firstReady > 300_000) throw new Error(`${count} worker(s) applied only ${n} of ${WORKERS_BACKLOG} in 300 s`);
          await sleep(100);
        }
        const wall = samples.at(-1).t;
        const at = (c) => samples.find((s) => s.n >= c).t;
        const steady = (0.8 * WORKERS_BACKLOG) / Math.max(0.001, at(0.9 * WORKERS_BACKLOG) - at(0.1 * WORKERS_BACKLOG));
        const pg1 = await backendCpu(db, h.run.dbName, ownPid);
        let pgCpu = 0;
        for (const [pid, cpu] of pg1) pgCpu += cpu - (pg0.get(pid) ?? 0);
        const workerCpu = started.map((w) => cpuSeconds(w.child.pid) - w.cpuAtReady);
        // A fresh process each time: its counters are this drain's.
        const counters = await Promise.all(started.map(async (w) => {
          const c = await workerCounters(w.metrics);
          return { commands: c.commands, batches: c.batches, batchSeconds: +c.batchSeconds.toFixed(2), phaseSeconds: c.phaseSeconds };
        }));
        const phases = phaseMsPerBatch(counters);
        const per1000 = (s) => +((1000 * s) / WORKERS_BACKLOG).toFixed(3);
        const cpu = {
          workers: +workerCpu.reduce((a, b) => a + b, 0).toFixed(2),
          postgresBackends: +pgCpu.toFixed(2),
          rabbitmqShared: rabbitPid ? +(cpuSeconds(rabbitPid) - rabbit0).toFixed(2) : null,
          redisShared: redisPid ? +(cpuSeconds(redisPid) - redis0).toFixed(2) : null,
        };
        const row = {
          round,
          workers: count,
          commands: WORKERS_BACKLOG,
          drainSeconds: +wall.toFixed(2),
          overallPerSecond: Math.round(WORKERS_BACKLOG / wall),
          steadyPerSecond: Math.round(steady),
          readySpreadSeconds: +((Math.max(...started.map((w) => w.readyAt)) - firstReady) / 1000).toFixed(2),
          perWorker: counters.map(({ phaseSeconds, ...c }) => c),
          phaseMsPerBatch: phases,
          cpuSeconds: cpu,
          cpuSecondsPer1000: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v === null ? null : per1000(v)])),
          coresBusyOfTwo: +((cpu.workers + cpu.postgresBackends + (cpu.rabbitmqShared ?? 0) + (cpu.redisShared ?? 0)) / wall).toFixed(2),
          loadavg: loadavg(),
        };
        runs.push(row);
        h.log(
          `workers round ${round}, ${count} worker(s): ${WORKERS_BACKLOG} drained in ${row.drainSeconds} s (${row.overallPerSecond}/s overall, ${row.steadyPerSecond}/s between 10% and 90%); commands per worker ${counters.map((c) => c.commands).join(' / ')}, batches ${counters.map((c) => `${c.batches} (${c.batchSeconds} s)`).join(' / ')}; ms per batch by phase ${JSON.stringify(phases)}; CPU s: workers ${cpu.workers} (${workerCpu.map((x) => x.toFixed(2)).join(' + ')}), PostgreSQL ${cpu.postgresBackends}, RabbitMQ ${cpu.rabbitmqShared}, Redis ${cpu.redisShared}; ${row.coresBusyOfTwo} cores busy | load ${row.loadavg[0]}`,
        );
        for (const w of started) await h.stop(w.child);
        workers.length = 0;
      }
    }
    const ratios = [];
    for (let round = 1; round <= h.ROUNDS; round++) {
      const one = runs.find((r) => r.round === round && r.workers === 1);
      const two = runs.find((r) => r.round === round && r.workers === 2);
      ratios.push(+(two.steadyPerSecond / one.steadyPerSecond).toFixed(2));
    }
    h.log(`workers: 2 workers / 1 worker (steady drain rate) per round: ${ratios.join(', ')} (target >= 1.5x)`);
    return { users: users.length, usersPerPartition: perPartition, partitions: h.PARTITIONS, backlog: WORKERS_BACKLOG, runs, twoOverOne: ratios, medianTwoOverOne: median(ratios), target: 1.5 };
  } finally {
    for (const w of workers) await h.stop(w.child);
    await h.stop(api.child);
    await queue.close();
    await db.end();
  }
}
