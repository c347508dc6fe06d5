import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EVENT_CONSUMERS } from '@app/worker';
import amqp from 'amqplib';
import { createScratchDatabase, deleteCommandQueues, deleteEventTopology } from '../support/app';
import { SERVICES, describeWithService } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { freePort } from '../support/free-port';

/**
 * The product as a newcomer runs it: the built server as a child process, embedded mode,
 * nothing but a data folder.
 */
const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/apps/server/src/main.js');


function start(env: Record<string, string>): { child: ChildProcess; ready: Promise<string>; output: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    // A first embedded start creates its database (initdb, 3-15 s alone, far more on a loaded host).
    const timer = setTimeout(() => reject(new Error(`not ready within 90 s:\n${out}`)), 90_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.includes(' ready: '));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
  return { child, ready, output: () => out, stderr: () => err };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// The server under test is dist/, built by the global setup.
describe('starting the product (embedded)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ln-start-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves Swagger UI and the API with no services, and keeps data and tokens across a restart', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port), METRICS_PORT: String(metricsPort), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const first = start(env);
    try {
      const line = await first.ready;
      // The first start created the database in a child process (ADR 19: initdb's peak is not kept by the server).
      expect(first.output()).toContain(`created the embedded database in ${dataDir} (in a separate process)`);
      expect(line).toContain(`Swagger UI: http://127.0.0.1:${port}/docs`);
      expect(line).toContain(`metrics and health on http://127.0.0.1:${metricsPort}`);
      // Metrics and the detailed readiness on the operations port only; the API port's readiness is terse.
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${metricsPort}/health/ready`)).json()).toEqual({ status: 'ok', checks: { 'database (pglite)': { status: 'up' } } });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      expect(await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()).toEqual({ status: 'ok' });
      const docs = await fetch(`http://127.0.0.1:${port}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui');
      const register = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'restart@example.com', password: 'long enough' }),
      });
      expect(register.status).toBe(201);
    } finally {
      await stop(first.child);
    }
    // The generated signing key is private to the owner.
    expect(statSync(path.join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);

    const second = start(env);
    try {
      await second.ready;
      expect(second.output()).not.toContain('created the embedded database');
      const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'restart@example.com', password: 'long enough' }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const me = await fetch(`http://127.0.0.1:${port}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(me.status).toBe(200);
      // Logs: one JSON line per request with its id; no password or token anywhere.
      // (the line is written after the answer went out)
      const logged = () =>
        second
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .find((l) => l.path === '/v1/me' && l.status === 200);
      for (let i = 0; i < 80 && !logged(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(logged()).toMatchObject({ requestId: expect.any(String), method: 'GET' });
      expect(second.output()).not.toContain(accessToken);
      expect(second.output()).not.toContain('long enough');
    } finally {
      await stop(second.child);
    }
  }, 240_000);

  it("passes the image's smoke probe, writes the log line of a request answered just before SIGTERM, exits 0, and prints no warning", async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    // The suite's data folder: its database exists already (a fresh one's initdb is slow on a busy host).
    const env = { DATA_DIR: dataDir, PORT: String(port), METRICS_PORT: String(metricsPort), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const run = start(env);
    try {
      await run.ready;
      // docker/smoke-probe.mjs, what the deploy workflow runs against the image: readiness, register, login, create, read.
      // (Asynchronously: the server's output is read by this process meanwhile.)
      const probe = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [path.join(ROOT, 'docker/smoke-probe.mjs'), `http://127.0.0.1:${port}`, `http://127.0.0.1:${metricsPort}`], (error, stdout, stderr) =>
          resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect({ status: probe.status, stderr: probe.stderr, passed: probe.stdout.includes('smoke test passed') }).toEqual({ status: 0, stderr: '', passed: true });
      const register = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'last-before-sigterm' },
        body: JSON.stringify({ email: 'flush@example.com', password: 'long enough' }),
      });
      expect(register.status).toBe(201);
      // At once: the line sits in pino's buffer (flushed every second or at 4 KB) when the signal lands.
      // 'close', not 'exit': everything the process wrote has been read by then.
      const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => run.child.once('close', (code, signal) => resolve([code, signal])));
      run.child.kill('SIGTERM');
      expect(await closed).toEqual([0, null]);
      const lines = run
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ requestId: 'last-before-sigterm', path: '/v1/auth/register', status: 201 }));
      // Node prints process warnings (Fastify's FSTDEP codes, fast-jwt's cache-key warning) on stderr.
      expect(run.stderr()).not.toMatch(/warning|deprecat/i);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) await stop(run.child);
    }
  }, 60_000);

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ROLE: 'worker' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://127.0.0.1/x' }, 'JWT_SECRET'],
  ])('refuses %j naming %s and exits non-zero', async (bad, name) => {
    const run = start({ DATA_DIR: dataDir, ...bad });
    await expect(run.ready).rejects.toThrow(/exited with 78/);
    expect(run.output()).toContain(name);
  });
});

describeWithService('postgres', 'the worker role (services)', () => {
  it('opens no public API: only health on the metrics port; every RabbitMQ name it declares derives from COMMAND_QUEUE_NAME or EVENT_EXCHANGE_NAME', async () => {
    const db = await createScratchDatabase();
    const port = await freePort();
    const queueName = `ln.test.worker.${randomBytes(4).toString('hex')}`;
    const run = start({
      ROLE: 'worker',
      METRICS_PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      REDIS_URL: SERVICES.redis,
      REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`,
      AMQP_URL: SERVICES.rabbitmq,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      COMMAND_QUEUE_NAME: queueName,
      EVENT_EXCHANGE_NAME: `${queueName}.events`,
    });
    try {
      expect(await run.ready).toContain(`worker health on http://127.0.0.1:${port}/health/ready`);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(Object.keys(((await ready.json()) as { checks: object }).checks)).toEqual(['database (postgresql)', 'redis', 'rabbitmq']);
      for (const url of ['/v1/me', '/docs', '/v1/tasks']) {
        expect((await fetch(`http://127.0.0.1:${port}${url}`)).status).toBe(404);
      }
      // Per-deployment names: the topology the worker declared is under the two configured names
      // (a passive declare fails on a name that does not exist).
      const exchange = `${queueName}.events`;
      const names = {
        exchanges: [queueName, `${queueName}.dlx`, exchange, `${exchange}.dlx`],
        queues: [...[0, 1, 2, 3].map((p) => `${queueName}.p${p}`), `${queueName}.dead`],
      };
      const conn = await amqp.connect(SERVICES.rabbitmq);
      try {
        for (const name of names.exchanges) {
          const ch = await conn.createChannel();
          await expect(ch.checkExchange(name)).resolves.toBeDefined();
          await ch.close();
        }
        for (const name of names.queues) {
          const ch = await conn.createChannel();
          await expect(ch.checkQueue(name)).resolves.toMatchObject({ queue: name });
          await ch.close();
        }
        // Each event consumer the worker runs (some only with their feature configured) has its
        // queue and dead-letter queue under the event exchange's name.
        const exists = async (queue: string) => {
          const ch = await conn.createChannel();
          ch.on('error', () => undefined);
          try {
            await ch.checkQueue(queue);
            await ch.close();
            return true;
          } catch {
            return false;
          }
        };
        const running = [];
        for (const consumer of EVENT_CONSUMERS) if (await exists(`${exchange}.${consumer}`)) running.push(consumer);
        expect(running.length).toBeGreaterThanOrEqual(3);
        for (const consumer of running) expect({ consumer, dead: await exists(`${exchange}.${consumer}.dead`) }).toEqual({ consumer, dead: true });
      } finally {
        await conn.close();
      }
      // No process warning in services mode either (ioredis, amqplib, pg, Fastify, fast-jwt).
      expect(run.stderr()).not.toMatch(/warning|deprecat/i);
    } finally {
      await stop(run.child);
      await db.drop();
      await deleteCommandQueues(queueName, 4);
      await deleteEventTopology(`${queueName}.events`);
    }
  }, 60_000);
});

describeWithService('rabbitmq', 'shutting down with the broker gone silent (services)', () => {
  it('a queued api sent SIGTERM while its RabbitMQ connection stalls exits with status 1 at SHUTDOWN_TIMEOUT_MS, saying why', async () => {
    const db = await createScratchDatabase();
    const amqpUrl = new URL(SERVICES.rabbitmq);
    const proxy = await TcpProxy.start({ host: amqpUrl.hostname, port: Number(amqpUrl.port || 5672) });
    amqpUrl.hostname = '127.0.0.1';
    amqpUrl.port = String(proxy.port);
    const queueName = `ln.test.shutdown.${randomBytes(4).toString('hex')}`;
    const run = start({
      ROLE: 'api',
      WRITE_PATH: 'queued',
      PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      REDIS_URL: SERVICES.redis,
      REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`,
      AMQP_URL: amqpUrl.toString(),
      JWT_SECRET: randomBytes(32).toString('base64url'),
      COMMAND_QUEUE_NAME: queueName,
      EVENT_EXCHANGE_NAME: `${queueName}.events`,
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    try {
      await run.ready;
      // The broker stops answering without hanging up (a partition): closing waits on it for ever.
      proxy.stall();
      // 'close', not 'exit': the last lines it wrote are read by then.
      const exited = new Promise<number | null>((resolve) => run.child.once('close', (code) => resolve(code)));
      run.child.kill('SIGTERM');
      // Without the deadline it was still running 40 s later; the test's own timeout is the bound.
      expect(await exited).toBe(1);
      const lines = run.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; context?: string; msg?: string });
      expect(lines).toContainEqual(expect.objectContaining({ level: 60, context: 'Shutdown', msg: expect.stringContaining('did not finish within 2000 ms') }));
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await proxy.close();
      await db.drop();
      await deleteCommandQueues(queueName, 4);
      await deleteEventTopology(`${queueName}.events`);
    }
  }, 60_000);
});
