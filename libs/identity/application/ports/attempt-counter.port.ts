export const ATTEMPT_COUNTER = Symbol('AttemptCounter');

export interface AttemptCount {
  readonly count: number;
  /** Milliseconds until the window resets (0 when there is no window). */
  readonly resetInMs: number;
}

/**
 * Fixed-window counters shared by every api replica (Redis in services mode). Used to rate
 * limit failed logins; generic enough for any "N per window" rule.
 */
export interface AttemptCounter {
  increment(key: string, windowMs: number): Promise<AttemptCount>;
  get(key: string): Promise<AttemptCount>;
  reset(key: string): Promise<void>;
}
