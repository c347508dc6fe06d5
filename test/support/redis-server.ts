import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { freePort } from './free-port';
import os from 'node:os';
import path from 'node:path';

/**
 * A private, throw-away redis-server for tests that stop, pause or restart Redis: never the shared
 * one. No persistence: a restart comes back empty (pause() with SIGSTOP keeps the data instead).
 */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export function redisServerAvailable(): boolean {
  return existsSync(REDIS_SERVER_BIN);
}

/** A port that was free a moment ago (the server that asked for it is already closed). */

/** One PING over a raw socket: true on +PONG, false on anything else (refused, LOADING, silence). */
function pings(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Last line of defence if a suite dies before its afterAll: no redis-server outlives the worker.
const live = new Set<RedisServer>();
process.once('exit', () => {
  for (const server of live) server.killNow();
});

export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Spawns a server on a free port and resolves once it answers PING. */
  static async start(readyTimeoutMs = 10_000): Promise<RedisServer> {
    let lastError: unknown;
    // A free port can be taken between the probe and redis' bind: try another one.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const server = new RedisServer(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'ln-redis-')));
      live.add(server);
      try {
        await server.start(readyTimeoutMs);
        return server;
      } catch (error) {
        lastError = error;
        await server.dispose();
      }
    }
    throw lastError;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** (Re)starts the process on the same port; resolves once it answers PING. */
  async start(readyTimeoutMs = 10_000): Promise<void> {
    if (this.child) throw new Error(`redis-server on port ${this.port} is already running`);
    this.output = '';
    const child = spawn(
      REDIS_SERVER_BIN,
      ['--port', String(this.port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', this.dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.paused = false;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exitedEarly = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exitedEarly = true;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      // spawn failure (ENOENT...): 'exit' may not come, 'error' does.
      child.once('error', (error) => {
        keep(Buffer.from(String(error)));
        exitedEarly = true;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (!(await pings(this.port))) {
      if (exitedEarly || Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `redis-server on port ${this.port} ${exitedEarly ? 'exited' : `did not answer PING within ${readyTimeoutMs} ms`}:\n${this.output}`,
        );
      }
      await sleep(20);
    }
  }

  /** Kills the process (SIGKILL by default: an abrupt crash) and waits until it has exited. */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    // A stopped process does not act on SIGTERM until continued.
    if (this.paused) this.resume();
    child.kill(signal);
    await this.exited;
  }

  /** Freezes the process (SIGSTOP): connections stay open, nothing is answered, data is kept. */
  pause(): void {
    if (!this.child?.pid) throw new Error('redis-server is not running');
    process.kill(this.child.pid, 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || !this.child?.pid) return;
    process.kill(this.child.pid, 'SIGCONT');
    this.paused = false;
  }

  /** Stops the process for good and removes its working directory. Safe to call more than once. */
  async dispose(): Promise<void> {
    try {
      await this.stop('SIGKILL');
    } finally {
      live.delete(this);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Synchronous kill for process exit handlers. */
  killNow(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
