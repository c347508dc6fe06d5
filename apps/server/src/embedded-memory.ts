import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { AppConfig } from '@ln/config/config';

/**
 * The V8 flags that bound the process's memory (ADR 19), from its configuration:
 * `--heap-growing-percent` (every role) lets the heap grow to that much over live memory before a
 * full collection (V8's own growth let garbage reach ~100-150 MB more under the read-cache probe,
 * embedded and api alike); `--liftoff-only` (embedded) keeps PGlite's WebAssembly on V8's baseline
 * compiler (TurboFan's recompilation of the hot functions held 50-70 MB more).
 */
export function v8MemoryFlags(config: Pick<AppConfig, 'database' | 'heapGrowingPercent'>): string[] {
  return [
    ...(config.database.kind === 'pglite' && !config.database.memory.wasmTierUp ? ['--liftoff-only'] : []),
    ...(config.heapGrowingPercent > 0 ? [`--heap-growing-percent=${config.heapGrowingPercent}`] : []),
  ];
}

/**
 * Sets them on the running V8. Call before PGlite compiles its module (it does so when the database
 * opens): V8 reads the compiler flag per compilation and the growing factor at every full
 * collection, so both take effect though the process has started (measured, ADR 19).
 */
export function applyV8MemoryFlags(config: Pick<AppConfig, 'database' | 'heapGrowingPercent'>): string[] {
  const flags = v8MemoryFlags(config);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/**
 * Embedded mode's first start: PGlite's initdb runs a second PostgreSQL inside the process and
 * peaks at about 730 MB RSS, most of which the process keeps (ADR 19). So a data dir without a
 * database is created by `migrate.js` in a child process that exits before the server opens it:
 * the server's own peak is then a restart's. Returns whether it created one.
 */
export async function createEmbeddedDatabaseApart(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (existsSync(path.join(path.resolve(dataDir, 'pglite'), 'PG_VERSION'))) return false;
  const script = path.join(__dirname, 'migrate.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`creating the embedded database in ${dataDir} failed (${signal ?? `exit ${code}`})`))));
  });
  return true;
}
