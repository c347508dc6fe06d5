// Live-update cases of `npm run bench` (issue 15):
//
//   live-latency  one api process (ROLE=api) holding BENCH_LIVE_STREAMS (1,000) open event streams,
//                 BENCH_LIVE_STREAMS_PER_USER (5) per user, and a worker (ROLE=worker: it relays the
//                 outbox, which stamps each event's stream seq and wakes the apis). Task creates from
//                 the same users at a fixed open-loop rate (BENCH_LIVE_RATE, 100/s, for
//                 BENCH_LIVE_SECONDS, 20), on the sync path and then the queued path, each with its
//                 own api and worker. For every create and every stream of its user: the time from
//                 the 201/202 to the `task.created.v1` frame on that stream, and from the create's
//                 commit (its outbox row's created_at, clock_timestamp() at the insert, a little
//                 before the commit) to the frame. Targets: p95 <= 100 ms from the 201 (sync); p95
//                 from the 202 <= the persistence lag's p95 + 100 ms (queued).
//   live-idle     BENCH_LIVE_IDLE_STREAMS (10,000) idle open streams on one api process,
//                 STREAMS_PER_USER (10) each from BENCH_LIVE_IDLE_STREAMS / 10 users: the api's RSS
//                 before, with the streams open and at its highest through two heartbeats, the KB per
//                 stream, and the api's CPU for those heartbeats. Target: <= 300 MB RSS.
//
// The helpers of run.mjs are passed in (`h`); everything started here is stopped here, by pid.
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { v7 } from 'uuid';
import { cpuSeconds, rssMb } from './proc.mjs';

const STREAMS = Number(process.env.BENCH_LIVE_STREAMS ?? 1000);
const STREAMS_PER_USER = Number(process.env.BENCH_LIVE_STREAMS_PER_USER ?? 5);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
const PATHS = (process.env.BENCH_LIVE_PATHS ?? 'sync,queued').split(',');
const IDLE_STREAMS = Number(process.env.BENCH_LIVE_IDLE_STREAMS ?? 10_000);
const IDLE_PER_USER = 10;
const HEARTBEAT_SECONDS = 15;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadavg = () => os.loadavg().map((l) => +l.toFixed(2));

function pct(xs, p) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(1);
}
const dist = (xs) => ({ n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: pct(xs, 100) });

/**
 * One open event stream, parsed as an EventSource would: `onEvent(type, id, data, at)` for each
 * frame, `at` the wall clock (ms) when its blank line arrived. Resolves once the head is in.
 */
function openStream(agent, base, token, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/v1/events`, { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET /v1/events answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        if (typeof onEvent !== 'function') {
          // Idle streams only count their heartbeats (one comment frame each).
          if (onEvent && chunk.includes(': heartbeat')) onEvent.heartbeats += 1;
          return;
        }
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const at = Date.now();
          let type = 'message';
          let id;
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(type, id, data, at);
        }
      });
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

const counter = (counters) => {
  const c = { heartbeats: 0 };
  counters.push(c);
  return c;
};

/**
 * Opens `count` streams, `perUser` per user, a batch at a time. `onEvent(user, type, id, data, at)`
 * for each frame, or `{ counters }`: each stream only counts its heartbeats into an entry of it.
 */
async function openMany(agent, base, users, count, perUser, onEvent) {
  const plan = [];
  for (let i = 0; i < count; i++) plan.push(users[Math.floor(i / perUser) % users.length]);
  const streams = [];
  for (let i = 0; i < plan.length; i += 200) {
    streams.push(...(await Promise.all(plan.slice(i, i + 200).map((u) => openStream(agent, base, u.token, onEvent.counters ? counter(onEvent.counters) : (...a) => onEvent(u, ...a))))));
  }
  return streams;
}

/** POST /v1/tasks with a client id, from the users in turn, at `rate` per second for `seconds`. */
async function writeAtRate(base, users, rate, seconds, onAck) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(`${base}/v1/tasks`);
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending = [];
  const statuses = {};
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const user = users[n % users.length];
    const id = v7();
    const body = Buffer.from(JSON.stringify({ id, title: `Live bench ${n}`, estimateMinutes: 30 }));
    pending.push(
      new Promise((resolve) => {
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => {
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            if (res.statusCode === 201 || res.statusCode === 202) onAck(id, user, Date.now());
            resolve();
          });
        });
        req.on('error', () => {
          statuses.error = (statuses.error ?? 0) + 1;
          resolve();
        });
        req.end(body);
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return statuses;
}

async function latencyRun(h, writePath, users) {
  const streamEnv = { WRITE_PATH: writePath, STREAMS_PER_USER: String(STREAMS_PER_USER), STREAMS_PER_PROCESS: String(STREAMS + 1000) };
  const worker = await h.startWorker(streamEnv);
  const api = await h.startApi(streamEnv);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const streams = [];
  try {
    // Frames of task.created.v1 by task id: the arrival time on each stream.
    const arrivals = new Map();
    let frames = 0;
    streams.push(
      ...(await openMany(agent, api.base, users, STREAMS, STREAMS_PER_USER, (_user, type, _id, data, at) => {
        frames += 1;
        if (type !== 'task.created.v1') return;
        const { aggregateId } = JSON.parse(data);
        const list = arrivals.get(aggregateId);
        if (list) list.push(at);
        else arrivals.set(aggregateId, [at]);
      })),
    );
    const streamsOf = new Map();
    for (let i = 0; i < STREAMS; i++) {
      const u = users[Math.floor(i / STREAMS_PER_USER) % users.length];
      streamsOf.set(u.id, (streamsOf.get(u.id) ?? 0) + 1);
    }
    // Warm-up (JIT, pools, the relay), not measured.
    await writeAtRate(api.base, users, RATE, 3, () => undefined);
    await sleep(2000);
    const acks = new Map();
    const cpu0 = cpuSeconds(api.child.pid);
    const load0 = loadavg();
    const statuses = await writeAtRate(api.base, users, RATE, SECONDS, (id, user, at) => acks.set(id, { user, at }));
    const expected = [...acks.values()].reduce((a, { user }) => a + streamsOf.get(user.id), 0);
    const deadline = Date.now() + 60_000;
    const received = () => [...acks.keys()].reduce((a, id) => a + Math.min(arrivals.get(id)?.length ?? 0, streamsOf.get(acks.get(id).user.id)), 0);
    while (received() < expected && Date.now() < deadline) await sleep(250);
    const apiCpu = cpuSeconds(api.child.pid) - cpu0;
    const rss = rssMb(api.child.pid);
    // Commit times: each create's outbox row (clock_timestamp() when it was inserted).
    const db = new pg.Client({ connectionString: h.run.dbUrl });
    await db.connect();
    const { rows } = await db.query(
      `SELECT aggregate_id::text AS id, (extract(epoch FROM created_at) * 1000)::float8 AS at, (extract(epoch FROM published_at) * 1000)::float8 AS published
         FROM outbox WHERE event_type = 'task.created.v1' AND aggregate_id = ANY($1::uuid[])`,
      [[...acks.keys()]],
    );
    await db.end();
    const committed = new Map(rows.map((r) => [r.id, Number(r.at)]));
    // For reference: insert -> published on the broker (the relay stamps the row for the streams
    // first, in a transaction of its own, so this is no longer on the stream's path; ADR 28).
    const relayed = rows.filter((r) => r.published !== null).map((r) => Number(r.published) - Number(r.at));
    const fromAck = [];
    const fromCommit = [];
    const persistence = [];
    let doubled = 0;
    for (const [id, { user, at }] of acks) {
      const times = arrivals.get(id) ?? [];
      if (times.length > streamsOf.get(user.id)) doubled += times.length - streamsOf.get(user.id);
      const c = committed.get(id);
      if (c !== undefined) persistence.push(c - at);
      for (const t of times) {
        fromAck.push(t - at);
        if (c !== undefined) fromCommit.push(t - c);
      }
    }
    const result = {
      writePath,
      streams: STREAMS,
      users: users.length,
      rate: RATE,
      seconds: SECONDS,
      statuses,
      acknowledged: acks.size,
      deliveriesExpected: expected,
      deliveriesReceived: received(),
      doubled,
      framesReceived: frames,
      ackToEventMs: dist(fromAck),
      commitToEventMs: dist(fromCommit),
      // Queued: how long after the 202 the create was in PostgreSQL (negative on the sync path:
      // the row is inserted before the 201 is sent).
      ackToCommitMs: dist(persistence),
      commitToPublishedMs: dist(relayed),
      apiCpuMsPerWrite: +((apiCpu * 1000) / Math.max(1, acks.size)).toFixed(2),
      apiRssMb: +rss.toFixed(0),
      loadavg: [load0, loadavg()],
    };
    const p95 = result.ackToEventMs.p95;
    result.target = writePath === 'sync' ? { p95AckToEventMs: 100, met: p95 !== null && p95 <= 100 } : { p95AckToEventMs: `<= ackToCommit p95 (${result.ackToCommitMs.p95}) + 100`, met: p95 !== null && p95 <= (result.ackToCommitMs.p95 ?? 0) + 100 };
    result.target.met &&= result.deliveriesReceived === expected && doubled === 0;
    return result;
  } finally {
    for (const s of streams) s.close();
    agent.destroy();
    await h.stop(api.child);
    await h.stop(worker.child);
  }
}

export async function liveLatencyCase(h) {
  const userCount = Math.ceil(STREAMS / STREAMS_PER_USER);
  h.log(`live-latency: registering ${userCount} users`);
  const registrar = await h.startApi();
  let users;
  try {
    users = await h.users(registrar.base, 'live', userCount);
  } finally {
    await h.stop(registrar.child);
  }
  const out = {};
  for (const writePath of PATHS) {
    h.log(`live-latency ${writePath}: ${STREAMS} streams of ${users.length} users, creates at ${RATE}/s for ${SECONDS} s`);
    out[writePath] = await latencyRun(h, writePath, users);
    const r = out[writePath];
    h.log(
      `  ${writePath}: ${r.deliveriesReceived}/${r.deliveriesExpected} deliveries (doubled ${r.doubled}); ack->event p50 ${r.ackToEventMs.p50} p95 ${r.ackToEventMs.p95} p99 ${r.ackToEventMs.p99} ms; commit->event p50 ${r.commitToEventMs.p50} p95 ${r.commitToEventMs.p95} ms (commit->broker p95 ${r.commitToPublishedMs.p95}); ack->commit p95 ${r.ackToCommitMs.p95} ms; api ${r.apiCpuMsPerWrite} ms CPU/write, RSS ${r.apiRssMb} MB; target ${r.target.met ? 'met' : 'NOT met'}`,
    );
  }
  return out;
}

export async function liveIdleCase(h) {
  const userCount = Math.ceil(IDLE_STREAMS / IDLE_PER_USER);
  const api = await h.startApi({ WRITE_PATH: 'sync', STREAMS_PER_USER: String(IDLE_PER_USER), STREAM_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let streams = [];
  try {
    h.log(`live-idle: registering ${userCount} users`);
    const t0 = Date.now();
    const users = await h.users(api.base, 'idle', userCount);
    h.log(`  registered in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    // Warm, then settle: the baseline is a process that has served requests, not a cold one.
    for (let i = 0; i < 50; i++) await (await fetch(`${api.base}/v1/tasks`, { headers: { authorization: `Bearer ${users[i % users.length].token}` } })).arrayBuffer();
    await sleep(3000);
    const before = rssMb(api.child.pid);
    const counters = [];
    const opened = Date.now();
    streams = await openMany(agent, api.base, users, IDLE_STREAMS, IDLE_PER_USER, { counters });
    const openSeconds = (Date.now() - opened) / 1000;
    await sleep(2000);
    const open = rssMb(api.child.pid);
    // Through two heartbeats (every stream written to twice), sampling the RSS.
    const cpu0 = cpuSeconds(api.child.pid);
    let peak = open;
    const until = Date.now() + (2 * HEARTBEAT_SECONDS + 3) * 1000;
    while (Date.now() < until) {
      await sleep(500);
      peak = Math.max(peak, rssMb(api.child.pid));
    }
    const heartbeatCpu = cpuSeconds(api.child.pid) - cpu0;
    const result = {
      streams: streams.length,
      users: users.length,
      openSeconds: +openSeconds.toFixed(1),
      // Every stream was written to through the wait (a stream the server dropped gets none).
      streamsWithTwoHeartbeats: counters.filter((c) => c.heartbeats >= 2).length,
      rssMb: { before: +before.toFixed(0), open: +open.toFixed(0), peak: +peak.toFixed(0) },
      kbPerStream: +(((open - before) * 1024) / streams.length).toFixed(1),
      heartbeatCpuSeconds: +heartbeatCpu.toFixed(2),
      loadavg: loadavg(),
    };
    result.target = { rssMb: 300, met: peak <= 300 && result.streamsWithTwoHeartbeats === streams.length };
    h.log(`  ${result.streams} idle streams of ${result.users} users (${result.streamsWithTwoHeartbeats} got 2 heartbeats): RSS ${result.rssMb.before} -> ${result.rssMb.open} MB (peak ${result.rssMb.peak} through 2 heartbeats), ${result.kbPerStream} KB/stream, heartbeats ${result.heartbeatCpuSeconds} s CPU; target ${result.target.met ? 'met' : 'NOT met'}`);
    return result;
  } finally {
    for (const s of streams) s.close();
    agent.destroy();
    await h.stop(api.child);
  }
}
