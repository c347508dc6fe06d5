#!/usr/bin/env node
// The image's smoke test, the part that talks HTTP (docker/smoke-test.sh starts the containers):
// waits for readiness on the operations port, then does what a new user does first: register, log
// in, create a task and read it back. Exits 0 when all of it worked, 1 with the reason otherwise.
//   node docker/smoke-probe.mjs <api base URL> <operations base URL...>
// e.g. node docker/smoke-probe.mjs http://127.0.0.1:3000 http://127.0.0.1:9464 http://127.0.0.1:9465
// SMOKE_WAIT_SECONDS (default 90): how long the processes may take to become ready.
// No dependencies: Node's fetch only, so it runs on a bare CI runner.

const [api, ...ops] = process.argv.slice(2);
if (!api || ops.length === 0) {
  console.error('usage: smoke-probe.mjs <api base URL> <operations base URL...>');
  process.exit(2);
}
const waitSeconds = Number(process.env.SMOKE_WAIT_SECONDS ?? 90);

function fail(message) {
  console.error(`smoke test FAILED: ${message}`);
  process.exit(1);
}

async function waitReady(base) {
  const deadline = Date.now() + waitSeconds * 1000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      if (res.status === 200) return console.log(`ready: ${base} ${body}`);
      last = `${res.status} ${body}`;
    } catch (error) {
      last = String(error?.cause?.code ?? error);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  fail(`${base}/health/ready not ready within ${waitSeconds} s (last: ${last})`);
}

async function call(method, path, { body, token, expect } = {}) {
  const headers = { 'x-request-id': `smoke-${Date.now()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${api}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!expect.includes(res.status)) fail(`${method} ${path}: ${res.status}, expected ${expect.join(' or ')}: ${text}`);
  console.log(`${method} ${path} -> ${res.status}`);
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

for (const base of ops) await waitReady(base);
const live = await call('GET', '/health/ready', { expect: [200] });
if (live.json?.status !== 'ok') fail(`public readiness said ${JSON.stringify(live.json)}`);

const email = `smoke-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const password = 'smoke test password';
await call('POST', '/v1/auth/register', { body: { email, password }, expect: [201] });
const login = await call('POST', '/v1/auth/login', { body: { email, password }, expect: [200] });
const token = login.json?.accessToken;
if (typeof token !== 'string') fail('login answered no accessToken');
// 201 on the synchronous write path, 202 on the queued one (WRITE_PATH=queued).
const created = await call('POST', '/v1/tasks', { body: { title: 'smoke test task', tags: ['smoke'] }, token, expect: [201, 202] });
const id = created.json?.id;
if (typeof id !== 'string') fail('task create answered no id');
// The author reads their own write at once, on either path.
const read = await call('GET', `/v1/tasks/${id}`, { token, expect: [200] });
if (read.json?.title !== 'smoke test task') fail(`read back ${JSON.stringify(read.json)}`);
console.log('smoke test passed');
