import type { AttemptCount, AttemptCounter } from '../../application/ports/attempt-counter.port';

export interface MemoryAttemptCounterOptions {
  /** Upper bound on tracked keys; the oldest windows go first when it is reached. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

const NONE: AttemptCount = { count: 0, resetInMs: 0 };

/**
 * Single-process fixed-window counter (one replica only: counts are not shared). Closed windows
 * are dropped lazily; the size cap bounds memory when an attacker sprays keys.
 */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly windows = new Map<string, Window>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryAttemptCounterOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.now = options.now ?? Date.now;
  }

  async increment(key: string, windowMs: number): Promise<AttemptCount> {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new RangeError(`windowMs must be a positive number, got ${windowMs}`);
    }
    const now = this.now();
    let window = this.open(key, now);
    if (window) {
      window.count += 1;
    } else {
      window = { count: 1, resetAt: now + Math.ceil(windowMs) };
      this.windows.set(key, window);
      this.evictOverflow();
    }
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async get(key: string): Promise<AttemptCount> {
    const now = this.now();
    const window = this.open(key, now);
    return window ? { count: window.count, resetInMs: window.resetAt - now } : NONE;
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async decrement(key: string): Promise<void> {
    const window = this.open(key, this.now());
    if (!window) return;
    if (window.count <= 1) this.windows.delete(key);
    else window.count -= 1;
  }

  private open(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      // Deleting (not reusing) keeps Map order equal to window-opening order, see evictOverflow.
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private evictOverflow(): void {
    // Windows enter the Map when they open, so the first ones close soonest: with similar window
    // lengths, evicting oldest-first drops mostly windows that are already over.
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= this.maxEntries) break;
      this.windows.delete(oldest);
    }
  }
}
