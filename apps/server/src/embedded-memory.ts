import { setFlagsFromString } from 'node:v8';
import type { EmbeddedMemory } from '@ln/config/config';

/**
 * The V8 flags that bound the embedded process's memory (ADR 19), from its configuration:
 * `--liftoff-only` keeps PGlite's WebAssembly on V8's baseline compiler (TurboFan's recompilation
 * of the hot functions held 50-70 MB more), `--heap-growing-percent` lets the heap grow to that much
 * over live memory before a full collection (V8's own growth let garbage reach ~100 MB more).
 */
export function embeddedV8Flags(memory: EmbeddedMemory): string[] {
  return [...(memory.wasmTierUp ? [] : ['--liftoff-only']), ...(memory.heapGrowingPercent > 0 ? [`--heap-growing-percent=${memory.heapGrowingPercent}`] : [])];
}

/**
 * Sets them on the running V8. Call before PGlite compiles its module (it does so when the database
 * opens): V8 reads the compiler flag per compilation and the growing factor at every full
 * collection, so both take effect though the process has started (measured, ADR 19).
 */
export function applyEmbeddedV8Flags(memory: EmbeddedMemory): string[] {
  const flags = embeddedV8Flags(memory);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
