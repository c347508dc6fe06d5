import { execFileSync } from 'node:child_process';
import { loadConfig } from '@ln/config/config';
import { embeddedV8Flags } from './embedded-memory';

function embeddedMemory(env: Record<string, string> = {}) {
  const db = loadConfig(env).database;
  if (db.kind !== 'pglite') throw new Error('not embedded');
  return db.memory;
}

describe('the embedded process V8 flags (ADR 19)', () => {
  it('by default: PGlite on the baseline compiler only, and the heap grown 20% over live memory', () => {
    expect(embeddedV8Flags(embeddedMemory())).toEqual(['--liftoff-only', '--heap-growing-percent=20']);
  });

  it('each can be given back to V8', () => {
    expect(embeddedV8Flags(embeddedMemory({ PGLITE_WASM_TIER_UP: 'true' }))).toEqual(['--heap-growing-percent=20']);
    expect(embeddedV8Flags(embeddedMemory({ EMBEDDED_HEAP_GROWING_PERCENT: '0' }))).toEqual(['--liftoff-only']);
    expect(embeddedV8Flags(embeddedMemory({ PGLITE_WASM_TIER_UP: 'true', EMBEDDED_HEAP_GROWING_PERCENT: '50' }))).toEqual(['--heap-growing-percent=50']);
  });

  // v8.setFlagsFromString ignores a flag V8 does not know: this Node must know every one we set.
  it('are flags the V8 of this Node knows', () => {
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    for (const flag of embeddedV8Flags(embeddedMemory())) expect(known).toContain(`  ${flag.replace(/=.*$/, '')} (`);
  });
});
