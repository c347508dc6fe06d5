export { partitionOf } from '@ln/kernel/application/partition';
import type { Subscription } from '@ln/kernel/application/ports/event-transport.port';

export const COMMAND_QUEUE = Symbol('CommandQueue');

/** A write accepted by the api and applied later by a worker (the queued write path). */
export interface CommandEnvelope {
  /** UUIDv7; the worker's inbox is keyed by it, so a redelivered command has no second effect. */
  readonly commandId: string;
  /** The owner: commands are partitioned by user so one user's commands apply in order. */
  readonly userId: string;
  /** Versioned contract name, e.g. `task.create.v1`. */
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly issuedAt: string;
}

export interface CommandDelivery {
  readonly envelope: CommandEnvelope;
  /** 1 on the first delivery; grows with redeliveries (the broker dead-letters past its limit). */
  readonly deliveryCount: number;
  /** The command's effect is committed (or it was rejected and that is recorded): never deliver it again. */
  ack(): Promise<void>;
  /** Give it back to be delivered again later; counts toward the delivery limit, after which it is dead-lettered. */
  retry(): Promise<void>;
}

export interface CommandBatchOptions {
  /** At most this many commands per batch. */
  readonly maxBatch: number;
  /** A batch closes this long after its first command arrived, full or not. */
  readonly maxWaitMs: number;
  /**
   * Batches handed out side by side (default 1): partition p belongs to lane p % parallel, and a
   * lane runs one batch at a time over its own partitions, so a user's commands (one partition)
   * keep their order while other users' are applied beside them (#13). Adapters that cannot
   * run batches side by side hand out one at a time.
   */
  readonly parallel?: number;
}

/**
 * Durable, partitioned, ordered per user. `send` resolves only when the broker has taken
 * responsibility for the command (publisher confirm): before that nothing is promised, and a
 * broker that is down or does not confirm within a bound makes `send` reject.
 */
export interface CommandQueue {
  send(envelope: CommandEnvelope): Promise<void>;
  /**
   * Delivers batches to the handler, one batch at a time per consumer. Within a partition,
   * commands arrive in send order; only one consumer in the whole deployment is active for a
   * partition at a time, and another takes over when it dies.
   */
  consume(handler: (batch: readonly CommandDelivery[]) => Promise<void>, options: CommandBatchOptions): Promise<Subscription>;
  close(): Promise<void>;
}

