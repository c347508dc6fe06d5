export const ATTEMPT_COUNTER = Symbol('AttemptCounter');

export interface AttemptCount {
  readonly count: number;
  /** Milliseconds until the window resets (0 when there is no window). */
  readonly resetInMs: number;
}

/**
 * Fixed-window counters shared by every api replica (Redis in services mode). Used for the
 * login and registration throttles (ADR 20); generic enough for any "N per window" rule.
 */
export interface AttemptCounter {
  increment(key: string, windowMs: number): Promise<AttemptCount>;
  get(key: string): Promise<AttemptCount>;
  reset(key: string): Promise<void>;
  /**
   * Takes one count back from an open window (an attempt that turned out not to count). Never
   * below zero: a window brought to zero is closed, as if never opened; an unknown or closed key is
   * left alone.
   */
  decrement(key: string): Promise<void>;
}
