import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ATTEMPT_COUNTER, type AttemptCount, type AttemptCounter } from '../ports/attempt-counter.port';

/**
 * A counter key for a throttle: its kind, then a digest of what it counts by, so the counter store
 * never holds an email or an address.
 */
export function throttleKey(kind: string, ...parts: readonly string[]): string {
  return `${kind}:${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22)}`;
}

/** Whole seconds to wait until a window closes (at least 1), for Retry-After. */
export function secondsUntil(count: AttemptCount): number {
  return Math.max(1, Math.ceil(count.resetInMs / 1000));
}

/**
 * The attempt counter as the throttles use it: **fails open**. With the counter store down an
 * attempt is allowed (and the outage logged) rather than every user being locked out; tokens
 * already issued are unaffected either way (ADR 4, ADR 20).
 */
@Injectable()
export class Throttle {
  private readonly logger = new Logger(Throttle.name);

  constructor(@Inject(ATTEMPT_COUNTER) private readonly counter: AttemptCounter) {}

  /** Counts one attempt in the key's window; null when the store could not count it. */
  async take(key: string, windowMs: number): Promise<AttemptCount | null> {
    try {
      return await this.counter.increment(key, windowMs);
    } catch (error) {
      this.unavailable('allowing the attempt', error);
      return null;
    }
  }

  /** Gives back an attempt `take` counted (null: it was not counted). */
  async giveBack(key: string, taken: AttemptCount | null): Promise<void> {
    if (!taken) return;
    await this.counter.decrement(key).catch((error: unknown) => this.unavailable('an attempt stays counted', error));
  }

  async clear(key: string): Promise<void> {
    await this.counter.reset(key).catch((error: unknown) => this.unavailable('a count was not cleared', error));
  }

  /** Whether the key has a count in an open window; false when the store is down. */
  async isSet(key: string): Promise<boolean> {
    try {
      return (await this.counter.get(key)).count > 0;
    } catch (error) {
      this.unavailable('treating the client as unknown', error);
      return false;
    }
  }

  private unavailable(consequence: string, error: unknown): void {
    this.logger.warn(`throttle store unavailable, ${consequence}: ${(error as Error)?.message ?? String(error)}`);
  }
}
