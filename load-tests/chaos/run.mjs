// `npm run chaos`: faults under a stream of writes; nothing lost, nothing doubled, per-user order.
//
// Starts PRIVATE PostgreSQL 15, RabbitMQ 3.10 and Redis instances (loopback, free ports, one temp
// dir) plus the product's api and worker processes, and runs the scenarios one after the other,
// each with fresh users writing continuously while one kind of fault is injected. After each
// scenario it drains and compares what was acknowledged with what is in PostgreSQL.
// Everything it started it stops, by pid; the temp dir is removed (CHAOS_KEEP=1 keeps it).
//
// Settings (environment):
//   CHAOS_WRITE_PATH   queued | sync                     (default queued)
//   CHAOS_SCENARIOS    comma list of scenario names      (default all, see SCENARIOS)
//   CHAOS_USERS        concurrent users per scenario     (default 6)
//   CHAOS_SCALE        multiplies every scenario's length (default 1; 0.5 for a quick run)
//   CHAOS_WORKERS      worker processes                  (default 2)
//   CHAOS_APIS         api processes                     (default 1; more than 1 puts a private nginx,
//                      Debian's package, on loopback in front of them: the clients talk to nginx)
//   CHAOS_PARTITIONS   command queue partitions          (default 4)
//   CHAOS_STREAMS      live event streams held open per user in EVERY scenario (default: the
//                      scenario's own, 2 in api-sigkill-streams, else none); each is checked
//                      against the database after the drain (streams.mjs)
//   CHAOS_OUT          write the figures as JSON to this file
//   CHAOS_KEEP=1       keep the temp dir (logs of every process) and print where it is
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import amqp from 'amqplib';
import pg from 'pg';
import { v7 } from 'uuid';
import { AppProcess, PrivatePostgres, PrivateRabbit, PrivateRedis, Workspace, freePort, sleep } from './infra.mjs';
import { findNginx, startNginx } from '../nginx/nginx.mjs';
import { UserClient } from './workload.mjs';
import { allAckedVisible, verify } from './verify.mjs';
import { StreamClient, newestStreamed, settleStreams, verifyStreams } from './streams.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRITE_PATH = process.env.CHAOS_WRITE_PATH ?? 'queued';
const USERS = Number(process.env.CHAOS_USERS ?? 6);
const SCALE = Number(process.env.CHAOS_SCALE ?? 1);
const WORKERS = Number(process.env.CHAOS_WORKERS ?? 2);
const APIS = Number(process.env.CHAOS_APIS ?? 1);
const PARTITIONS = Number(process.env.CHAOS_PARTITIONS ?? 4);
const FINISH_TIMEOUT_MS = Number(process.env.CHAOS_FINISH_TIMEOUT_MS ?? 120_000);
const DRAIN_TIMEOUT_MS = Number(process.env.CHAOS_DRAIN_TIMEOUT_MS ?? 120_000);
const TAIL_MS = Number(process.env.CHAOS_TAIL_MS ?? 6000);
const STREAMS = process.env.CHAOS_STREAMS === undefined ? undefined : Number(process.env.CHAOS_STREAMS);
const STREAM_SETTLE_MS = Number(process.env.CHAOS_STREAM_SETTLE_MS ?? 30_000);
const s = (seconds) => Math.round(seconds * 1000 * SCALE);

const log = (...a) => console.log(`[chaos ${new Date().toISOString().slice(11, 23)}]`, ...a);

/** FNV-1a, the same as the product's partitionOf (libs/kernel/application/partition.ts). */
function partitionOf(userId, partitions) {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

// ------------------------------------------------------------------ scenarios
// Each: load for `seconds`, and `inject(ctx)` running alongside, returning when its faults are lifted.
// A fault is recorded as { what, start, end }: `end` is when the harness lifted it (restart issued).

const SCENARIOS = {
  baseline: {
    about: 'no fault (reference)',
    seconds: 8,
    async inject() {},
  },
  'worker-sigkill': {
    about: 'SIGKILL workers mid-batch 6 times (alternately one of the two and both), each restarted at once as an orchestrator would',
    seconds: 20,
    async inject(ctx) {
      const kills = Number(process.env.CHAOS_WORKER_KILLS ?? 6);
      for (let n = 0; n < kills; n++) {
        const victims = n % 2 === 0 ? [ctx.workers[(n / 2) % ctx.workers.length]] : ctx.workers;
        // Only once they run and have had a moment to take batches: a kill mid-batch, not mid-boot.
        await Promise.all(ctx.workers.map((w) => w.whenReady()));
        await ctx.sleep(s(1) + Math.random() * s(1.5));
        const f = ctx.fault(`SIGKILL ${victims.map((w) => w.name).join('+')}`);
        await Promise.all(victims.map((w) => w.crash()));
        f.end = Date.now();
        await Promise.all(victims.map((w) => w.whenReady()));
        f.ready = Date.now();
      }
    },
  },
  'rabbitmq-restart': {
    about: 'RabbitMQ stopped (rabbitmqctl stop) 3 s then started; later SIGKILLed 3 s then started',
    seconds: 36,
    async inject(ctx) {
      await ctx.sleep(s(4));
      let f = ctx.fault('rabbitmq stop (graceful)');
      await ctx.rabbit.stop();
      await ctx.sleep(3000);
      f.end = Date.now();
      await ctx.rabbit.start();
      f.ready = Date.now();
      await ctx.sleep(s(8));
      f = ctx.fault('rabbitmq SIGKILL');
      await ctx.rabbit.kill();
      await ctx.sleep(3000);
      f.end = Date.now();
      await ctx.rabbit.start();
      f.ready = Date.now();
    },
  },
  'api-sigkill': {
    about: 'SIGKILL an api mid-request 3 times (with several apis, each in turn), restart at once; clients retry with the same ids/keys',
    seconds: 24,
    async inject(ctx) {
      for (let i = 0; i < 3; i++) {
        await ctx.sleep(s(5));
        const victim = ctx.apis[i % ctx.apis.length];
        // Only while requests are in flight: that is the point.
        const f = ctx.fault(`SIGKILL ${victim.name} (${ctx.inFlight()} requests in flight)`);
        await victim.crash();
        f.end = Date.now();
        await victim.whenReady();
        f.ready = Date.now();
      }
    },
  },
  'api-sigkill-streams': {
    about: 'each user holds 2 event streams open; SIGKILL the api holding them 3 times (with several apis, each in turn), restart at once; the streams resume by Last-Event-ID',
    seconds: 24,
    streams: 2,
    async inject(ctx) {
      // Kills land mid-stream: after every stream has had events. (A stream broken before its first
      // event resumes from the id it started with, ADR 28; the e2e suite covers that case.)
      await ctx.streamsFlowing(s(10));
      for (let i = 0; i < 3; i++) {
        await ctx.sleep(s(5));
        const victim = ctx.apis[i % ctx.apis.length];
        const open = await openStreamsOn(victim);
        const f = ctx.fault(`SIGKILL ${victim.name} (${open ?? '?'} streams open on it, ${ctx.inFlight()} requests in flight)`);
        await victim.crash();
        f.end = Date.now();
        await victim.whenReady();
        f.ready = Date.now();
      }
    },
  },
  'postgres-stop': {
    about: 'PostgreSQL stopped (immediate shutdown: a crash) for 6 s, then started',
    seconds: 24,
    async inject(ctx) {
      await ctx.sleep(s(5));
      const f = ctx.fault('postgres stop -m immediate for 6 s');
      await ctx.pg.stop();
      await ctx.sleep(6000);
      f.end = Date.now();
      await ctx.pg.start();
      f.ready = Date.now();
    },
  },
  poison: {
    about: 'three poison commands published into live partitions: not JSON; an envelope whose commandId is not a UUID; one whose userId is not a UUID',
    seconds: 12,
    async inject(ctx) {
      await ctx.sleep(s(3));
      const users = ctx.clients.map((c) => c.userId);
      const poison = [
        { id: `poison-${v7()}`, key: 'p0', body: Buffer.from('{"this is": not json') },
        (() => {
          const commandId = `poison-not-a-uuid-${randomBytes(3).toString('hex')}`;
          const env = { commandId, userId: users[0], type: 'task.edit.v1', payload: { id: ctx.clients[0].counterId, changes: { title: 'poison' } }, issuedAt: new Date().toISOString() };
          return { id: commandId, key: `p${partitionOf(users[0], PARTITIONS)}`, body: Buffer.from(JSON.stringify(env)) };
        })(),
        (() => {
          const commandId = v7();
          const env = { commandId, userId: 'not-a-user-id', type: 'task.create.v1', payload: { input: { id: v7(), title: 'poison' } }, issuedAt: new Date().toISOString() };
          return { id: commandId, key: `p${partitionOf('not-a-user-id', PARTITIONS)}`, body: Buffer.from(JSON.stringify(env)) };
        })(),
      ];
      const conn = await amqp.connect(ctx.rabbit.url);
      const ch = await conn.createConfirmChannel();
      const f = ctx.fault(`publish ${poison.length} poison commands`);
      for (const p of poison) {
        ch.publish(ctx.prefix, p.key, p.body, { persistent: true, messageId: p.id, contentType: 'application/json', type: 'poison' });
        ctx.poisonIds.add(p.id);
      }
      await ch.waitForConfirms();
      await conn.close();
      f.end = Date.now();
      f.kind = 'poison';
    },
  },
};

/** ln_live_streams_open of an api (its operations port), or null. */
async function openStreamsOn(app) {
  try {
    const res = await fetch(`http://127.0.0.1:${app.env.METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(2000) });
    const m = /^ln_live_streams_open (\d+)/m.exec(await res.text());
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const names = (process.env.CHAOS_SCENARIOS ?? Object.keys(SCENARIOS).join(',')).split(',').map((n) => n.trim()).filter(Boolean);
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const runStarted = Date.now();
  const ws = new Workspace();
  if (APIS > 1 && findNginx().missing) throw new Error(`CHAOS_APIS=${APIS} needs nginx in front of the apis: ${findNginx().missing}`);
  log(`workspace ${ws.dir}; write path ${WRITE_PATH}; ${USERS} users/scenario; ${APIS} api(s); ${WORKERS} workers; scale ${SCALE}`);

  const pgs = new PrivatePostgres(ws);
  const rabbit = new PrivateRabbit(ws);
  const redis = new PrivateRedis(ws);
  await Promise.all([pgs.init(), rabbit.init(), redis.init()]);
  log(`private PostgreSQL :${pgs.port}, RabbitMQ ${rabbit.name} :${rabbit.port}, Redis :${redis.port}`);

  const prefix = `ln.chaos.${randomBytes(3).toString('hex')}`;
  const common = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: pgs.url,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `${prefix}:`,
    AMQP_URL: rabbit.url,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    COMMAND_QUEUE_NAME: prefix,
    COMMAND_PARTITIONS: String(PARTITIONS),
    WORKER_BATCH_SIZE: process.env.CHAOS_BATCH_SIZE ?? '50',
    WORKER_BATCH_WAIT_MS: process.env.CHAOS_BATCH_WAIT_MS ?? '10',
    WRITE_PATH,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    // Every chaos user registers from 127.0.0.1: not what the per-client limit is for.
    REGISTER_PER_CLIENT_PER_HOUR: '1000000',
  };
  const migrate = spawnSync(process.execPath, ['dist/apps/server/src/migrate.js'], { cwd: ROOT, env: { PATH: process.env.PATH, ...common }, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stderr}${migrate.stdout}`);

  const logDir = ws.sub('logs');
  const apis = [];
  for (let i = 0; i < APIS; i++) {
    const port = await freePort();
    // Behind nginx the client address is in X-Forwarded-For, believed only from loopback.
    const env = { ...common, ROLE: 'api', PORT: String(port), METRICS_PORT: String(await freePort()), ...(APIS > 1 ? { TRUSTED_PROXIES: 'loopback' } : {}) };
    apis.push(Object.assign(new AppProcess({ name: APIS > 1 ? `api${i + 1}` : 'api', root: ROOT, logDir, env }), { port }));
  }
  const api = apis[0];
  const workers = [];
  for (let i = 0; i < WORKERS; i++) {
    workers.push(new AppProcess({ name: `worker${i + 1}`, root: ROOT, logDir, env: { ...common, ROLE: 'worker', PORT: String(await freePort()), METRICS_PORT: String(await freePort()) } }));
  }
  await Promise.all([...apis.map((a) => a.start()), ...workers.map((w) => w.start())]);
  let nginx;
  let apiPort = api.port;
  if (APIS > 1) {
    apiPort = await freePort();
    nginx = await startNginx([{ port: apiPort, upstream: apis.map((a) => a.port) }], { workers: 1 });
    log(`${nginx.version} on :${apiPort} in front of ${apis.map((a) => `${a.name} :${a.port}`).join(', ')}`);
  }
  log(`${APIS > 1 ? 'apis' : 'api'} :${apiPort} and ${WORKERS} worker(s) ready`);

  const db = new pg.Pool({ connectionString: pgs.url, max: 2 });
  db.on('error', () => undefined);
  const query = async (sql, params) => {
    for (let i = 0; ; i++) {
      try {
        return await db.query(sql, params);
      } catch (error) {
        if (i > 100) throw error;
        await sleep(300);
      }
    }
  };
  const dbq = { query };

  const runId = randomBytes(4).toString('hex');
  const results = [];
  let failed = false;
  for (const name of names) {
    const result = await runScenario(name, SCENARIOS[name], { api, apis, workers, rabbit, pg: pgs, dbq, prefix, runId, base: () => `http://127.0.0.1:${apiPort}` });
    results.push(result);
    if (!result.pass) failed = true;
  }

  printTable(results);
  const summary = {
    at: new Date().toISOString(),
    writePath: WRITE_PATH,
    users: USERS,
    apis: APIS,
    balancer: nginx ? nginx.version : null,
    workers: WORKERS,
    partitions: PARTITIONS,
    scale: SCALE,
    durationSeconds: Math.round((Date.now() - runStarted) / 1000),
    results,
  };
  if (process.env.CHAOS_OUT) writeFileSync(process.env.CHAOS_OUT, `${JSON.stringify(summary, null, 2)}\n`);

  await db.end().catch(() => undefined);
  await Promise.all([...apis.map((a) => a.stop('SIGTERM')), ...workers.map((w) => w.stop('SIGTERM'))]);
  await nginx?.stop();
  await rabbit.stop().catch(() => undefined);
  await pgs.stop().catch(() => undefined);
  if (ws.keep) log(`kept ${ws.dir}`);
  log(`done in ${summary.durationSeconds} s: ${failed ? 'FAILED' : 'passed'} (lost = duplicated = order violations = 0 in every scenario${failed ? ' NOT met' : ''})`);
  process.exit(failed ? 1 : 0);
}

async function runScenario(name, sc, env) {
  const { api, apis, workers, rabbit, pg: pgs, dbq, prefix, runId, base } = env;
  // Every fault of the previous scenario must be over.
  await Promise.all([...apis, ...workers].map((p) => p.whenReady()));
  log(`=== ${name}: ${sc.about}`);
  const sink = { acks: [], anomalies: [] };
  const clients = Array.from({ length: USERS }, (_, index) => new UserClient({ base, runId, index, sink, tag: name }));
  await Promise.all(clients.map((c) => c.setup()));
  // Whatever was dead before this scenario is not this scenario's.
  await rabbit.drainQueue(`${prefix}.dead`).catch(() => []);
  // The streams open before the first write: each must then get every streamed row of its user.
  const perUser = STREAMS ?? sc.streams ?? 0;
  const streams = clients.flatMap((user) => Array.from({ length: perUser }, (_, n) => new StreamClient({ base, user, n })));
  await Promise.all(streams.map((st) => st.start()));
  for (const st of streams) st.startSeq = await newestStreamed(dbq, st.user.userId);
  if (streams.length) log(`  ${streams.length} event streams open (${perUser} per user)`);

  let inFlight = 0;
  const faults = [];
  const poisonIds = new Set();
  const length = s(sc.seconds);
  const t0 = Date.now();
  const ctx = {
    api,
    apis,
    workers,
    rabbit,
    pg: pgs,
    prefix,
    clients,
    poisonIds,
    length,
    elapsed: () => Date.now() - t0,
    sleep: (ms) => sleep(ms),
    inFlight: () => clients.filter((c) => c.ops.length && !c.ops[c.ops.length - 1].outcome).length,
    streams,
    /** Until every stream has received an event (or `ms` passed). */
    streamsFlowing: async (ms) => {
      const end = Date.now() + ms;
      while (streams.some((st) => st.received.length === 0) && Date.now() < end) await sleep(100);
      const idle = streams.filter((st) => st.received.length === 0).length;
      if (idle) log(`  ${idle} stream(s) had no event after ${ms} ms; faults start anyway`);
    },
    fault: (what) => {
      const f = { what, start: Date.now() };
      faults.push(f);
      log(`  fault: ${what} at +${((f.start - t0) / 1000).toFixed(1)} s`);
      return f;
    },
  };
  const hard = t0 + length + FINISH_TIMEOUT_MS * 2;
  const running = clients.map((c) => c.run(hard));
  const injecting = sc.inject(ctx).catch((error) => {
    log(`  fault injection failed: ${error.stack ?? error}`);
    throw error;
  });
  await sleep(length);
  await injecting;
  // The load goes on for a while after the last fault was lifted: recovery is measured under load.
  const lastLifted = Math.max(0, ...faults.map((f) => f.ready ?? f.end ?? 0));
  await sleep(Math.max(0, lastLifted + TAIL_MS - Date.now()));
  clients.forEach((c) => c.stop());
  await Promise.all(running);
  const loadEnd = Date.now();
  log(`  load over (${((loadEnd - t0) / 1000).toFixed(1)} s incl. finishing the ops in progress); draining`);

  // Drain: every acknowledged op committed, queues empty, outbox relayed.
  const drainStart = Date.now();
  let drained = false;
  while (Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
    if (await allAckedVisible(dbq, clients)) {
      drained = true;
      break;
    }
    await sleep(250);
  }
  const queues = Array.from({ length: PARTITIONS }, (_, n) => `${prefix}.p${n}`);
  const queueEnd = Date.now() + 30_000;
  let backlog = null;
  while (Date.now() < queueEnd) {
    const counts = await Promise.all(queues.map((q) => rabbit.messageCount(q).catch(() => null)));
    backlog = counts.reduce((a, b) => a + (b ?? 0), 0);
    if (backlog === 0 && (poisonIds.size === 0 || ((await rabbit.messageCount(`${prefix}.dead`)) ?? 0) >= poisonIds.size)) break;
    await sleep(250);
  }
  // Redeliveries still in flight would show up as duplicates: give them a moment.
  await sleep(1500);
  const userIds = clients.map((c) => c.userId);
  let unrelayed = null;
  const relayEnd = Date.now() + 30_000;
  while (Date.now() < relayEnd) {
    unrelayed = Number((await dbq.query(`SELECT count(*) AS n FROM outbox WHERE user_id = ANY($1::uuid[]) AND published_at IS NULL`, [userIds])).rows[0].n);
    if (unrelayed === 0) break;
    await sleep(250);
  }
  const dead = await rabbit.drainQueue(`${prefix}.dead`);
  const deadIds = dead.map((m) => String(m.properties.messageId));
  const unexpectedDead = deadIds.filter((id) => !poisonIds.has(id));
  const missingPoison = [...poisonIds].filter((id) => !deadIds.includes(id));

  const { figures, problems } = await verify(dbq, clients, { queued: WRITE_PATH === 'queued' });
  let live = null;
  if (streams.length) {
    const settled = await settleStreams(dbq, streams, STREAM_SETTLE_MS);
    if (settled.unstamped) problems.push(`streams: ${settled.unstamped} outbox row(s) of these users still without stream_seq after ${STREAM_SETTLE_MS} ms`);
    if (settled.behind) problems.push(`streams: ${settled.behind} stream(s) had not received their user's newest event ${STREAM_SETTLE_MS} ms after the drain`);
    const checked = await verifyStreams(dbq, streams);
    live = { ...checked.figures, settleMs: settled.settleMs };
    problems.push(...checked.problems);
  }
  if (!drained) problems.push(`drain: not every acknowledged op was committed within ${DRAIN_TIMEOUT_MS} ms`);
  if (unexpectedDead.length) problems.push(`dead-lettered commands that were not poison: ${unexpectedDead.join(', ')}`);
  if (missingPoison.length) problems.push(`poison commands NOT dead-lettered: ${missingPoison.join(', ')}`);
  if (backlog) problems.push(`${backlog} message(s) still in the command queues after the drain`);

  // Recovery: from the fault's end to the first acknowledgement and the first commit after it.
  const ackTimes = sink.acks.map((a) => a.at).sort((a, b) => a - b);
  const commitTimes = figures.commitTimes.sort((a, b) => a - b);
  delete figures.commitTimes;
  const after = (times, t) => times.find((x) => x >= t);
  for (const f of faults) {
    if (f.end === undefined) continue;
    if (f.kind === 'poison') {
      f.recoveryMs = null;
      continue;
    }
    const a = after(ackTimes, f.end);
    const c = after(commitTimes, f.end);
    f.firstAckMs = a === undefined ? null : a - f.end;
    f.firstCommitMs = c === undefined ? null : c - f.end;
    f.recoveryMs = a === undefined || c === undefined ? null : Math.max(a, c) - f.end;
  }
  // The longest stretch with no acknowledgement at all, as the clients saw it.
  let gap = 0;
  for (let i = 1; i < ackTimes.length; i++) gap = Math.max(gap, ackTimes[i] - ackTimes[i - 1]);
  const recoveries = faults.map((f) => f.recoveryMs).filter((x) => typeof x === 'number');
  const pass = figures.lost === 0 && figures.duplicated === 0 && figures.orderViolations === 0 && problems.length === 0;
  const result = {
    scenario: name,
    about: sc.about,
    pass,
    ...figures,
    deadLettered: dead.length,
    poisonInjected: poisonIds.size,
    unexpectedDeadLetters: unexpectedDead.length,
    unrelayedEvents: unrelayed,
    streams: live,
    recoveryMaxMs: recoveries.length ? Math.max(...recoveries) : null,
    longestAckGapMs: gap,
    loadSeconds: Math.round((loadEnd - t0) / 100) / 10,
    bootMs: Object.fromEntries([...apis, ...workers].map((p) => [p.name, p.bootMs])),
    faults: faults.map((f) => ({ ...f, start: new Date(f.start).toISOString(), end: f.end && new Date(f.end).toISOString(), ready: f.ready && new Date(f.ready).toISOString() })),
    clientAnomalies: sink.anomalies,
    problems,
  };
  log(
    `  ${name}: accepted ${figures.accepted} (+${figures.resolvedInDoubt} in doubt, resolved) lost ${figures.lost} dup ${figures.duplicated} order ${figures.orderViolations} dead ${dead.length} lag p99 ${fmt(figures.lagP99Ms)} max ${fmt(figures.lagMaxMs)} recovery ${fmt(result.recoveryMaxMs)} ${pass ? 'OK' : 'FAIL'}`,
  );
  if (live) {
    log(
      `  ${name} streams: ${live.streams} streams, ${live.events} events received of ${live.expected} in the log; lost ${live.lost} doubled ${live.doubled} out-of-order ${live.outOfOrder} unknown ${live.unknown} event-id mismatches ${live.eventIdMismatch} resets ${live.resets}; event -> stream p50 ${fmt(live.lagP50Ms)} p99 ${fmt(live.lagP99Ms)}; ${live.reconnects} resumes (${live.freshResumes} of them without Last-Event-ID), failed attempts ${JSON.stringify(live.failedAttempts)}, ends ${JSON.stringify(live.ends)}, caught up ${fmt(live.settleMs)} after the drain`,
    );
  }
  for (const f of faults) log(`    ${f.what}: first ack +${fmt(f.firstAckMs)}, first commit +${fmt(f.firstCommitMs)} after it was lifted`);
  for (const o of figures.retriedOps.slice(0, 12)) log(`    retried: user ${o.user} op ${o.k} ${o.kind} -> ${o.outcome} ${o.ackStatus ?? ''} after ${fmt(o.tookMs)}, ${o.effects} effect(s); attempts: ${o.attempts}`);
  for (const a of sink.anomalies.slice(0, 10)) log(`    client: user ${a.user} op ${a.k} ${a.kind}: ${a.what}`);
  for (const p of problems.slice(0, 30)) log(`    PROBLEM ${p}`);
  return result;
}

const fmt = (ms) => (ms === null || ms === undefined ? '-' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

function printTable(results) {
  const head = ['scenario', 'accepted', 'in doubt', 'lost (202->rejected)', 'duplicated', 'order viol.', 'dead-lettered', 'lag p99', 'lag max', 'recovery', 'longest op', 'acks', 'result'];
  const rows = results.map((r) => [
    r.scenario,
    String(r.accepted),
    `${r.resolvedInDoubt}${r.unresolved ? ` (+${r.unresolved} open)` : ''}`,
    `${r.lost}${r.lost ? ` (${r.lostRejectedAfter202})` : ''}`,
    String(r.duplicated),
    r.orderViolations ? `${r.orderViolations} ${JSON.stringify(r.orderViolationsByUser)}` : '0',
    `${r.deadLettered}${r.poisonInjected ? `/${r.poisonInjected} poison` : ''}`,
    fmt(r.lagP99Ms),
    fmt(r.lagMaxMs),
    fmt(r.recoveryMaxMs),
    fmt(r.longestOpMs),
    Object.entries(r.ackStatuses).map(([k, v]) => `${k}:${v}`).join(' '),
    r.pass ? 'pass' : 'FAIL',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  console.log('');
  console.log(`write path: ${WRITE_PATH}; ${USERS} users per scenario, ${APIS} api(s)${APIS > 1 ? ' behind nginx' : ''}, ${WORKERS} workers, ${PARTITIONS} partitions`);
  console.log(line(head));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('lag = acknowledged -> committed (row commit timestamp); negative = committed before the answer (sync).');
  console.log('lost = acknowledged, effect not in PostgreSQL; (n) of them were 202 then rejected by the worker although no one else wrote.');
  console.log('in doubt = answer lost (api killed, reset, 5xx) and the retry refused as a repeat; resolved by reading the effect.');
  console.log('longest op = longest time one client waited, first attempt -> acknowledged, retries included.');
  console.log('recovery = max over the scenario\'s faults of (fault lifted -> first acknowledged write and first commit).');
  const live = results.filter((r) => r.streams);
  if (live.length === 0) return;
  const sHead = ['scenario', 'streams', 'events received', 'in the log', 'lost', 'doubled', 'out of order', 'unknown/wrong id', 'resets', 'resumes', 'failed attempts', 'result'];
  const sRows = live.map((r) => {
    const x = r.streams;
    return [r.scenario, String(x.streams), String(x.events), String(x.expected), String(x.lost), String(x.doubled), String(x.outOfOrder), String(x.unknown + x.eventIdMismatch), String(x.resets), String(x.reconnects), Object.entries(x.failedAttempts).map(([k, v]) => `${k}:${v}`).join(' ') || '0', r.pass ? 'pass' : 'FAIL'];
  });
  const sWidth = sHead.map((h, i) => Math.max(h.length, ...sRows.map((r) => r[i].length)));
  const sLine = (cells) => `| ${cells.map((c, i) => c.padEnd(sWidth[i])).join(' | ')} |`;
  console.log('');
  console.log(sLine(sHead));
  console.log(`|${sWidth.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of sRows) console.log(sLine(r));
  console.log('streams: GET /v1/events held open from before the first write; events received = ids, summed over the streams; in the log = the');
  console.log('users\' streamed outbox rows each stream had to get; resumes = reconnects with Last-Event-ID after a break.');
}

main().catch((error) => {
  console.error(`chaos run failed: ${error.stack ?? error}`);
  process.exit(2);
});
