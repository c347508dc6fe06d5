import { execFileSync } from 'node:child_process';
import { loadConfig } from '@ln/config/config';
import { v8MemoryFlags } from './embedded-memory';

describe('the V8 memory flags (ADR 19)', () => {
  it('by default: PGlite on the baseline compiler only (embedded), and the heap grown 20% over live memory (every mode)', () => {
    expect(v8MemoryFlags(loadConfig({}))).toEqual(['--liftoff-only', '--heap-growing-percent=20']);
    expect(v8MemoryFlags(loadConfig({ DATABASE_URL: 'postgres://h/db', JWT_SECRET: 'x'.repeat(32) }))).toEqual(['--heap-growing-percent=20']);
  });

  it('each can be given back to V8', () => {
    expect(v8MemoryFlags(loadConfig({ PGLITE_WASM_TIER_UP: 'true' }))).toEqual(['--heap-growing-percent=20']);
    expect(v8MemoryFlags(loadConfig({ HEAP_GROWING_PERCENT: '0' }))).toEqual(['--liftoff-only']);
    expect(v8MemoryFlags(loadConfig({ PGLITE_WASM_TIER_UP: 'true', HEAP_GROWING_PERCENT: '50' }))).toEqual(['--heap-growing-percent=50']);
    expect(v8MemoryFlags(loadConfig({ DATABASE_URL: 'postgres://h/db', JWT_SECRET: 'x'.repeat(32), HEAP_GROWING_PERCENT: '0' }))).toEqual([]);
  });

  // v8.setFlagsFromString ignores a flag V8 does not know: this Node must know every one we set.
  it('are flags the V8 of this Node knows', () => {
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    for (const flag of v8MemoryFlags(loadConfig({}))) expect(known).toContain(`  ${flag.replace(/=.*$/, '')} (`);
  });
});
