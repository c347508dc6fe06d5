import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

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
