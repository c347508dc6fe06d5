// `npm run sim`: the simulator at full size on the real application in embedded mode (PGlite,
// in-process events, the worker's learning projection, all in this process), then the success
// model's and the insights' evaluation as markdown tables (recorded in docs/learning.md).
//
// Settings (environment):
//   SIM_SEED      the PRNG seed (default 20261205); the same seed gives the same numbers
//   SIM_USERS     simulated users, habits round robin over long/late/busy/tag/none (default 200)
//   SIM_TASKS     training outcomes per user: between half of this and this (default 80)
//   SIM_HELD_OUT  held-out tasks per user (default 30)
//   SIM_CONCURRENCY users written at the same time (default 4)
//   SIM_OUT       also write the report (options, per-user patterns, every score) as JSON here
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@ln/config/config';
import { createApp } from '../../apps/server/src/bootstrap';
import { evaluate, formatEvaluation, simulate } from './sim';

const int = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${v}`);
  return n;
};

async function main(): Promise<void> {
  const seed = int('SIM_SEED', 20261205);
  const options = { seed, users: int('SIM_USERS', 200), tasks: int('SIM_TASKS', 80), heldOut: int('SIM_HELD_OUT', 30), concurrency: int('SIM_CONCURRENCY', 4) };
  const log = (m: string) => console.log(`[sim ${new Date().toISOString().slice(11, 19)}] ${m}`);
  log(`seed ${seed} (SIM_SEED), ${options.users} users (SIM_USERS), up to ${options.tasks} training outcomes each (SIM_TASKS), ~${options.heldOut} held out (SIM_HELD_OUT)`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ln-sim-'));
  // Embedded mode, as test/support/app.ts startTestApp('embedded') boots it.
  const app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test', REGISTER_PER_CLIENT_PER_HOUR: '1000000' }));
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const report = await simulate(app, { ...options, log });
    console.log(`\n${formatEvaluation(report, evaluate(report))}\n`);
    if (process.env.SIM_OUT) writeFileSync(process.env.SIM_OUT, JSON.stringify(report, null, 1));
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
