export const EVENT_DEAD_LETTER_STATS = Symbol('EventDeadLetterStats');

/**
 * How many events each subscription of this process's event transport has dead-lettered (handled
 * `maxDeliveries` times without success), as the transport counts them, for monitoring (read when
 * Prometheus scrapes). Kept apart from `EventTransport`: nothing in the event path depends on it.
 */
export interface EventDeadLetterStats {
  /**
   * Per subscription opened on this transport (by name), the events waiting in its dead-letter
   * queue. A process that opened none gets an empty map. Rejects, rather than waits, when the
   * broker cannot answer within `timeoutMs`.
   */
  deadLetterCounts(timeoutMs: number): Promise<ReadonlyMap<string, number>>;
}
