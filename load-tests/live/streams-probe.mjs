// A probe, not the bench: starts the built server (embedded by default; services when DATABASE_URL
// etc. are set in the environment) as a child process, opens STREAMS idle event streams of one
// user and measures the server's RSS before and after, then measures, for WRITES sequential task
// creates of another user, the time from each 201 to its event on that user's stream.
//   npm run build && STREAMS=2000 WRITES=200 node load-tests/live/streams-probe.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const STREAMS = Number(process.env.STREAMS ?? 2000);
const WRITES = Number(process.env.WRITES ?? 200);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ln-streams-'));
const port = await freePort();
const env = { PATH: process.env.PATH, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(await freePort()), LOG_LEVEL: 'warn', STREAMS_PER_USER: String(STREAMS + 10), STREAMS_PER_PROCESS: String(STREAMS + 100), REGISTER_PER_CLIENT_PER_HOUR: '1000', ...Object.fromEntries(['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'JWT_SECRET', 'WRITE_PATH', 'COMMAND_QUEUE_NAME', 'EVENT_EXCHANGE_NAME', 'REDIS_KEY_PREFIX'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])) };
const child = spawn(process.execPath, ['dist/apps/server/src/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
    if (out.includes(' ready: ')) resolve();
  });
  child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const base = `http://127.0.0.1:${port}`;
const post = async (url, body, token) => {
  const res = await fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return res.json();
};
async function user() {
  const email = `probe-${Math.random().toString(36).slice(2)}@example.com`;
  await post('/v1/auth/register', { email, password: 'correct horse' });
  return (await post('/v1/auth/login', { email, password: 'correct horse' })).accessToken;
}
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
function open(token, onData) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/v1/events`, { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', onData ?? (() => undefined));
      resolve(req);
    });
    req.on('error', reject);
  });
}

try {
  const idle = await user();
  const writer = await user();
  // Warm the process up (routes, JIT, pools) before the baseline.
  for (let i = 0; i < 20; i++) await post('/v1/tasks', { title: `warm ${i}` }, writer);
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssMb(child.pid);
  const reqs = [];
  for (let i = 0; i < STREAMS; i += 100) reqs.push(...(await Promise.all(Array.from({ length: Math.min(100, STREAMS - i) }, () => open(idle)))));
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssMb(child.pid);
  console.log(`idle streams: ${STREAMS}; server RSS ${before.toFixed(0)} MB -> ${after.toFixed(0)} MB (+${(((after - before) * 1024) / STREAMS).toFixed(1)} KB per stream)`);

  let buffer = '';
  const arrived = new Map();
  await open(writer, (chunk) => {
    buffer += chunk;
    for (const m of buffer.matchAll(/"title":"probe (\d+)"/g)) if (!arrived.has(m[1])) arrived.set(m[1], performance.now());
    buffer = buffer.slice(-200);
  });
  const lat = [];
  for (let i = 0; i < WRITES; i++) {
    await post('/v1/tasks', { title: `probe ${i}` }, writer);
    const answered = performance.now();
    const deadline = answered + 5000;
    while (!arrived.has(String(i)) && performance.now() < deadline) await new Promise((r) => setImmediate(r));
    if (arrived.has(String(i))) lat.push(arrived.get(String(i)) - answered);
  }
  console.log(`write answered -> event on the stream, ${lat.length}/${WRITES} arrived (with ${STREAMS} idle streams open): p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms`);
  for (const r of reqs) r.destroy();
} finally {
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
