// `npm run sim:coach`: the coach's evaluation at full size on the real application in embedded
// mode (see coach-sim.ts); prints the table recorded in docs/coach.md.
//   SIM_SEED (20261205), SIM_USERS (50), SIM_TASKS (60), COACH_SIM_FAILURES (4 per user),
//   COACH_SIM_OUT=file.json keeps every plan's probe (causes, chances)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@ln/config/config';
import { createApp } from '../../apps/server/src/bootstrap';
import { evaluateCoach, formatCoachEvaluation, simulateCoach } from './coach-sim';

const int = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${v}`);
  return n;
};

async function main(): Promise<void> {
  const options = { seed: int('SIM_SEED', 20261205), users: int('SIM_USERS', 50), tasks: int('SIM_TASKS', 60), failures: int('COACH_SIM_FAILURES', 4) };
  const log = (m: string) => console.log(`[coach-sim ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ln-coach-sim-'));
  const app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test', COACH_REQUESTS_PER_HOUR: '0', REGISTER_PER_CLIENT_PER_HOUR: '1000000' }));
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const report = await simulateCoach(app, { ...options, log });
    console.log(`\n${formatCoachEvaluation(report, evaluateCoach(report))}\n`);
    if (process.env.COACH_SIM_OUT) writeFileSync(process.env.COACH_SIM_OUT, JSON.stringify(report, null, 1));
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
