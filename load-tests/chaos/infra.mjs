// Private, throw-away services and product processes for `npm run chaos`. Everything here binds to
// 127.0.0.1 on free ports, lives in one temp dir, and is stopped by the pid it was given: the
// machine's shared PostgreSQL, RabbitMQ and Redis are never touched.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import pg from 'pg';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const RABBIT_BIN = process.env.CHAOS_RABBIT_BIN ?? '/usr/lib/rabbitmq/bin';
const REDIS_BIN = process.env.CHAOS_REDIS_BIN ?? '/usr/bin/redis-server';

/** Synchronous last-resort cleanups, run on exit (also after a crash of the harness). */
const exitHooks = new Set();
let exiting = false;
export function onExit(fn) {
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}
function runExitHooks() {
  if (exiting) return;
  exiting = true;
  for (const fn of [...exitHooks].reverse()) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}
process.on('exit', runExitHooks);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => process.exit(130));

const usedPorts = new Set();
/** A loopback port that was free a moment ago and that this run has not handed out before. */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what, check, ms, every = 100) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(every);
  }
}

export class Workspace {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'ln-chaos-'));
    chmodSync(this.dir, 0o755);
    this.keep = process.env.CHAOS_KEEP === '1';
    onExit(() => {
      if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
    });
  }
  sub(name, owner) {
    const d = path.join(this.dir, name);
    mkdirSync(d, { recursive: true });
    if (owner) chownTree(d, owner);
    return d;
  }
}

function ids(user) {
  const out = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`no user ${user}`);
  return { uid: Number(out.stdout), gid: Number(gid.stdout) };
}
function chownTree(d, user) {
  const { uid, gid } = ids(user);
  chownSync(d, uid, gid);
}

function logTail(file, bytes = 3000) {
  try {
    const t = readFileSync(file, 'utf8');
    return t.slice(-bytes);
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** A private PostgreSQL 15 cluster (run as the `postgres` user: initdb refuses root). */
export class PrivatePostgres {
  constructor(ws) {
    this.ws = ws;
    this.dir = ws.sub('pg', 'postgres');
    this.data = path.join(this.dir, 'data');
    this.log = path.join(this.dir, 'server.log');
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  async init() {
    this.port = await freePort();
    const r = spawnSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', this.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], {
      encoding: 'utf8',
      cwd: this.dir,
    });
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.stdout}`);
    onExit(() => this.killNow());
    await this.start();
  }
  pgCtl(args, timeoutMs = 60_000) {
    return spawnSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', this.data, ...args], {
      encoding: 'utf8',
      cwd: this.dir,
      timeout: timeoutMs,
    });
  }
  async start() {
    // track_commit_timestamp gives each row's exact commit time: the persistence lag is measured to it.
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c track_commit_timestamp=on -c max_connections=200 -c fsync=on`;
    const r = this.pgCtl(['-o', opts, '-l', this.log, '-w', '-t', '60', 'start']);
    if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr || r.stdout}\n${logTail(this.log)}`);
    await waitUntil('PostgreSQL', async () => {
      const c = new pg.Client({ connectionString: this.url });
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return true;
    }, 30_000);
  }
  /** Immediate shutdown: like a crash (no checkpoint); WAL recovery on the next start. */
  async stop() {
    const r = this.pgCtl(['-m', 'immediate', '-w', 'stop']);
    if (r.status !== 0) throw new Error(`pg_ctl stop failed: ${r.stderr || r.stdout}`);
  }
  killNow() {
    if (existsSync(path.join(this.data, 'postmaster.pid'))) this.pgCtl(['-m', 'immediate', '-w', 'stop'], 20_000);
  }
}

// ---------------------------------------------------------------- RabbitMQ

/**
 * A private RabbitMQ node (run as the `rabbitmq` user, like the packaged one), with its own
 * Erlang cookie, config, mnesia and log dirs, registered with the machine's epmd under its own
 * name. No plugins. The beam process is our child's child; it is stopped with rabbitmqctl or by
 * its pid (from RABBITMQ_PID_FILE).
 */
export class PrivateRabbit {
  constructor(ws) {
    this.ws = ws;
    this.dir = ws.sub('rabbit');
    this.name = `ln-chaos-${randomBytes(3).toString('hex')}@localhost`;
    this.home = path.join(this.dir, 'home');
    this.log = path.join(this.dir, 'console.log');
  }
  get url() {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }
  env() {
    return {
      PATH: process.env.PATH,
      HOME: this.home,
      RABBITMQ_CONF_ENV_FILE: path.join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_NODENAME: this.name,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: path.join(this.dir, 'beam.pid'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
  }
  async init() {
    this.port = await freePort();
    this.distPort = await freePort();
    mkdirSync(this.home, { recursive: true });
    mkdirSync(path.join(this.dir, 'mnesia'));
    mkdirSync(path.join(this.dir, 'log'));
    writeFileSync(path.join(this.home, '.erlang.cookie'), randomBytes(24).toString('hex'));
    chmodSync(path.join(this.home, '.erlang.cookie'), 0o400);
    writeFileSync(path.join(this.dir, 'rabbitmq-env.conf'), 'ERL_EPMD_ADDRESS=127.0.0.1\n');
    writeFileSync(path.join(this.dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${this.port}\n`);
    writeFileSync(path.join(this.dir, 'enabled_plugins'), '[].\n');
    spawnSync('chown', ['-R', 'rabbitmq:rabbitmq', this.dir]);
    onExit(() => this.killNow());
    await this.start();
  }
  async start() {
    const out = createWriteStream(this.log, { flags: 'a' });
    const child = spawn('runuser', ['-u', 'rabbitmq', '--', 'env', '-i', ...Object.entries(this.env()).map(([k, v]) => `${k}=${v}`), `${RABBIT_BIN}/rabbitmq-server`], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    this.child = child;
    let exited = false;
    child.once('exit', () => (exited = true));
    await waitUntil(
      `RabbitMQ ${this.name}`,
      async () => {
        if (exited) throw new Error(`rabbitmq-server exited:\n${logTail(this.log)}`);
        const c = await amqp.connect(this.url);
        await c.close();
        return true;
      },
      90_000,
      250,
    );
    this.pid = Number(readFileSync(path.join(this.dir, 'beam.pid'), 'utf8').trim());
  }
  ctl(args, timeoutMs = 60_000) {
    return spawnSync('runuser', ['-u', 'rabbitmq', '--', 'env', '-i', ...Object.entries(this.env()).map(([k, v]) => `${k}=${v}`), `${RABBIT_BIN}/rabbitmqctl`, '-n', this.name, ...args], {
      cwd: this.dir,
      encoding: 'utf8',
      timeout: timeoutMs,
    });
  }
  /** Graceful stop (`rabbitmqctl stop`), waits until the node's process is gone. */
  async stop() {
    const r = this.ctl(['stop']);
    if (r.status !== 0) throw new Error(`rabbitmqctl stop failed: ${r.stderr || r.stdout}`);
    await waitUntil('beam to exit', () => !alive(this.pid), 30_000);
  }
  /** SIGKILL of the node's beam process: a crash. */
  async kill() {
    process.kill(this.pid, 'SIGKILL');
    await waitUntil('beam to exit', () => !alive(this.pid), 30_000);
    // The wrapper shell and runuser exit with it.
  }
  killNow() {
    if (!alive(this.pid)) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // gone
    }
    for (let i = 0; i < 50 && alive(this.pid); i++) spawnSync('sleep', ['0.1']);
  }
  /** Ready-message count of a queue, or null if it does not exist. */
  async messageCount(queue) {
    const c = await amqp.connect(this.url);
    c.on('error', () => undefined);
    try {
      const ch = await c.createChannel();
      ch.on('error', () => undefined);
      try {
        const q = await ch.checkQueue(queue);
        return q.messageCount;
      } catch {
        return null;
      }
    } finally {
      await c.close().catch(() => undefined);
    }
  }
  /** Takes every message off a queue (acked, i.e. removed): for reading what was dead-lettered. */
  async drainQueue(queue) {
    const c = await amqp.connect(this.url);
    c.on('error', () => undefined);
    const taken = [];
    try {
      const ch = await c.createChannel();
      ch.on('error', () => undefined);
      for (;;) {
        const m = await ch.get(queue, { noAck: true });
        if (!m) break;
        taken.push(m);
      }
      return taken;
    } finally {
      await c.close().catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------- Redis

export class PrivateRedis {
  constructor(ws) {
    this.dir = ws.sub('redis');
  }
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async init() {
    this.port = await freePort();
    this.child = spawn(REDIS_BIN, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    onExit(() => this.killNow());
    await waitUntil(
      'redis',
      () =>
        new Promise((resolve) => {
          const s = net.connect({ host: '127.0.0.1', port: this.port });
          s.once('error', () => resolve(false));
          s.once('connect', () => s.write('PING\r\n'));
          s.once('data', (d) => {
            s.destroy();
            resolve(String(d).startsWith('+PONG'));
          });
        }),
      10_000,
      50,
    );
  }
  killNow() {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- product processes

/**
 * One `node dist/apps/server/src/main.js` (api or worker), supervised: when its process dies
 * without stop() having been asked (a crash injected with crash()), a new one is spawned at once,
 * as an orchestrator would. Output goes to a log file.
 */
export class AppProcess {
  constructor({ name, root, env, logDir }) {
    this.name = name;
    this.root = root;
    this.env = env;
    this.log = path.join(logDir, `${name}.log`);
    this.out = createWriteStream(this.log, { flags: 'a' });
    this.generation = 0;
    this.wanted = false;
    this.ready = false;
    this.failuresBeforeReady = 0;
    this.waiters = [];
    onExit(() => this.killNow());
  }
  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }
  /** Starts (if not yet) and resolves once a process of it is ready. */
  async start(timeoutMs = 120_000) {
    if (!this.wanted) {
      this.wanted = true;
      this.spawnOne();
    }
    await this.whenReady(timeoutMs);
  }
  whenReady(timeoutMs = 120_000) {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.name} not ready within ${timeoutMs} ms; see ${this.log}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
  settleWaiters(error) {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      if (error) w.reject(error);
      else w.resolve();
    }
  }
  spawnOne() {
    this.generation += 1;
    this.ready = false;
    const started = Date.now();
    this.out.write(`\n----- ${new Date().toISOString()} start #${this.generation}\n`);
    const child = spawn(process.execPath, ['dist/apps/server/src/main.js'], {
      cwd: this.root,
      env: { PATH: process.env.PATH, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.crashed = false;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    let buf = '';
    const on = (b) => {
      this.out.write(b);
      if (buf !== null) {
        buf += b;
        if (buf.includes(' ready: ')) {
          buf = null;
          if (this.child !== child) return;
          this.ready = true;
          this.readyAt = Date.now();
          this.bootMs = this.readyAt - started;
          this.failuresBeforeReady = 0;
          this.settleWaiters();
        }
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.ready = false;
      this.out.write(`----- exited ${code ?? signal}\n`);
      if (!this.wanted || exiting) return;
      if (buf !== null && !this.crashed) {
        // Died on its own before it was ready: a broken start, not a crash we caused.
        this.failuresBeforeReady += 1;
        if (this.failuresBeforeReady >= 5) {
          this.wanted = false;
          this.settleWaiters(new Error(`${this.name} keeps failing to start:\n${buf.slice(-3000)}`));
          return;
        }
        setTimeout(() => this.wanted && this.spawnOne(), 500);
        return;
      }
      this.spawnOne();
    });
  }
  /** SIGKILL now; the supervisor starts a new process right away. Resolves once the old one is gone. */
  async crash() {
    if (!this.running) return;
    this.crashed = true;
    const exited = this.exited;
    this.child.kill('SIGKILL');
    await exited;
  }
  /** Stops for good (no restart). */
  async stop(signal = 'SIGTERM') {
    this.wanted = false;
    if (!this.running) return;
    const exited = this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.killNow(), 15_000);
    await exited;
    clearTimeout(timer);
  }
  killNow() {
    this.wanted = false;
    if (this.running) this.child.kill('SIGKILL');
  }
}
