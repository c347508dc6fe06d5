export const COMMAND_QUEUE_STATS = Symbol('CommandQueueStats');

/** What waits in the command queue, as the broker counts it. */
export interface CommandQueueDepths {
  /**
   * Per partition (index = partition number), the commands ready for delivery: published and not
   * yet handed to a consumer. Commands a worker holds unacknowledged (prefetched or in a batch in
   * progress) are not counted.
   */
  readonly partitions: readonly number[];
  /** Commands in the dead-letter queue, waiting for an operator. */
  readonly deadLetters: number;
}

/**
 * Broker-side counts of the command queue, for monitoring (read when Prometheus scrapes). Kept
 * apart from `CommandQueue`: nothing in the write path depends on it.
 */
export interface CommandQueueStats {
  /** Rejects, rather than waits, when the broker cannot answer within `timeoutMs`. */
  depths(timeoutMs: number): Promise<CommandQueueDepths>;
}
