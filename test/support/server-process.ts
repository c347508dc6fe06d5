import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SERVICES } from './services';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Starts the built server (dist/, built by the global setup) as a child process with only `env`
 * (and PATH), and resolves once it prints its ` ready: ` line; rejects with its output if it exits
 * first or is not ready within 30 s. The caller stops it (by its own pid: `child.kill`).
 */
export function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/apps/server/src/main.js'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 30_000);
    const on = (b: Buffer) => {
      out += b.toString();
      if (out.includes(' ready: ')) {
        clearTimeout(timer);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

/** SIGTERM, and waits for the exit. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The environment of a services-mode process of one suite: its database, its own Redis key prefix,
 * command queues and event exchange (all named from `prefix`, removed by the suite), one JWT key
 * for every process it starts. Add ROLE, PORT and METRICS_PORT per process.
 */
export function servicesEnv(prefix: string, databaseUrl: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: SERVICES.redis,
    REDIS_KEY_PREFIX: `test:${prefix}:`,
    AMQP_URL: SERVICES.rabbitmq,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    COMMAND_QUEUE_NAME: prefix,
    EVENT_EXCHANGE_NAME: `${prefix}.events`,
    LOG_LEVEL: 'warn',
  };
}
