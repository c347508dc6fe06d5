import { partitionOf, type CommandBatchOptions, type CommandDelivery, type CommandEnvelope, type CommandQueue } from '../../application/queued-writes/ports/command-queue.port';
import { type CommandQueueDepths, type CommandQueueStats } from '../../application/queued-writes/ports/command-queue-stats.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';

export type CommandQueueErrorSink = (message: string, error: unknown) => void;

export interface InProcessCommandQueueOptions {
  /** Number of FIFO partitions users are hashed onto (`partitionOf`). Default 4. */
  partitions?: number;
  /** Attempts of one command that failed on its own before a retry dead-letters it instead. Default 5. */
  maxDeliveries?: number;
  /**
   * How long closing a subscription waits for the batch in progress. Past it the batch is
   * abandoned, as if its consumer had died: its unsettled commands go back to the front of their
   * partitions (counting a delivery but not a failure: the commands did nothing wrong) and the
   * handler's later ack/retry calls reject. Default 10000.
   */
  closeTimeoutMs?: number;
  /** Failing handlers, unsettled deliveries and abandoned batches are reported here. */
  onError?: CommandQueueErrorSink;
}

export interface DeadCommand {
  readonly envelope: CommandEnvelope;
  /** How many times the command was handed to a handler. */
  readonly deliveries: number;
}

interface QueuedCommand {
  /** The envelope as it went over the "wire"; every delivery decodes a fresh copy. */
  readonly body: string;
  readonly commandId: string;
  readonly partition: number;
  /** Send order; a retried command keeps it, which is what puts it back at the front. */
  readonly seq: number;
  deliveries: number;
  /** Times a handler gave it back (not counting consumers that went away holding it). */
  failures: number;
  /** When it (re)entered its partition: a batch closes maxWaitMs after its oldest command. */
  readyAt: number;
}

type DeliveryState = 'open' | 'acked' | 'retried';

interface InFlight {
  readonly command: QueuedCommand;
  state: DeliveryState;
}

interface Consumer {
  readonly handler: (batch: readonly CommandDelivery[]) => Promise<void>;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  stopped: boolean;
  /** The batch being handled, if any; settles when the handler (and the settling after it) does. */
  current?: Promise<void>;
  /** Settles the batch in progress as abandoned (close timed out). */
  abandon?: () => void;
  closing?: Promise<void>;
}

/**
 * CommandQueue inside one process, for tests and single-process runs. It mirrors the RabbitMQ
 * adapter on what a consumer can observe: K partitions each FIFO, one active consumer (a second
 * consume() waits as a standby and takes over when the active one closes, like
 * single-active-consumer), batches bounded by size and wait, retry to the front of the partition,
 * dead-lettering past maxDeliveries, and an envelope that went over a wire.
 */
export class InProcessCommandQueue implements CommandQueue, CommandQueueStats {
  readonly partitions: number;
  private readonly maxDeliveries: number;
  private readonly closeTimeoutMs: number;
  private readonly report: CommandQueueErrorSink;
  private readonly queues: QueuedCommand[][];
  private readonly dead: DeadCommand[] = [];
  /** The first is the active consumer, the rest stand by in consume() order. */
  private readonly consumers: Consumer[] = [];
  private seq = 0;
  private timer?: { handle: NodeJS.Timeout; due: number };
  private closing?: Promise<void>;

  constructor(options: InProcessCommandQueueOptions = {}) {
    this.partitions = options.partitions ?? 4;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.report = options.onError ?? (() => undefined);
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new Error(`partitions must be a positive integer, got ${this.partitions}`);
    }
    if (!Number.isInteger(this.maxDeliveries) || this.maxDeliveries < 1) {
      throw new Error(`maxDeliveries must be a positive integer, got ${this.maxDeliveries}`);
    }
    this.queues = Array.from({ length: this.partitions }, () => []);
  }

  async send(envelope: CommandEnvelope): Promise<void> {
    if (this.closing) throw new Error('InProcessCommandQueue is closed');
    // Serialised now, so a later change to the caller's object cannot reach the consumer.
    const body = JSON.stringify(envelope);
    const partition = partitionOf(envelope.userId, this.partitions);
    this.seq += 1;
    this.queues[partition].push({
      body,
      commandId: envelope.commandId,
      partition,
      seq: this.seq,
      deliveries: 0,
      failures: 0,
      readyAt: Date.now(),
    });
    // Never inside send(): a real broker cannot run the handler before send returns either.
    setImmediate(() => this.schedule());
  }

  async consume(
    handler: (batch: readonly CommandDelivery[]) => Promise<void>,
    options: CommandBatchOptions,
  ): Promise<Subscription> {
    if (this.closing) throw new Error('InProcessCommandQueue is closed');
    checkBatchOptions(options);
    const consumer: Consumer = { handler, maxBatch: options.maxBatch, maxWaitMs: options.maxWaitMs, stopped: false };
    this.consumers.push(consumer);
    setImmediate(() => this.schedule());
    return { close: () => this.closeConsumer(consumer) };
  }

  /** Commands retried past maxDeliveries, oldest first. */
  deadLetters(): readonly DeadCommand[] {
    return [...this.dead];
  }

  /** Commands waiting in the partitions (not counting a batch in progress). */
  depth(): number {
    return this.queues.reduce((sum, queue) => sum + queue.length, 0);
  }

  /** Per partition, the commands waiting (not in a batch in progress); and the dead ones. */
  async depths(): Promise<CommandQueueDepths> {
    return { partitions: this.queues.map((queue) => queue.length), deadLetters: this.dead.length };
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => this.closeConsumer(consumer)));
      this.clearTimer();
    })();
    return this.closing;
  }

  private closeConsumer(consumer: Consumer): Promise<void> {
    consumer.closing ??= (async () => {
      consumer.stopped = true;
      if (consumer.current) {
        const finished = await settlesWithin(consumer.current, this.closeTimeoutMs);
        if (!finished) {
          this.report(
            `InProcessCommandQueue: the batch in progress did not settle within ${this.closeTimeoutMs} ms of close; abandoning it (its unsettled commands are redelivered)`,
            undefined,
          );
          consumer.abandon?.();
        }
      }
      const index = this.consumers.indexOf(consumer);
      if (index >= 0) this.consumers.splice(index, 1);
      // The standby (if any) takes over.
      this.schedule();
    })();
    return consumer.closing;
  }

  /** Starts a batch for the active consumer if one is due, or arms the timer for when it will be. */
  private schedule(): void {
    const consumer = this.consumers[0];
    if (!consumer || consumer.stopped || consumer.current) return this.clearTimer();
    let count = 0;
    let oldest = Infinity;
    for (const queue of this.queues) {
      count += queue.length;
      for (const command of queue) oldest = Math.min(oldest, command.readyAt);
    }
    if (count === 0) return this.clearTimer();
    const due = oldest + consumer.maxWaitMs;
    if (count >= consumer.maxBatch || Date.now() >= due) {
      this.clearTimer();
      this.dispatch(consumer);
      return;
    }
    if (this.timer?.due === due) return;
    this.clearTimer();
    this.timer = {
      due,
      handle: setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, due - Date.now()),
    };
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  private dispatch(consumer: Consumer): void {
    const taken = this.take(consumer.maxBatch);
    const flights: InFlight[] = taken.map((command) => {
      command.deliveries += 1;
      return { command, state: 'open' };
    });
    let over = false;
    const deliveries = flights.map((flight): CommandDelivery => {
      const settle = async (action: 'acked' | 'retried'): Promise<void> => {
        if (flight.state === action) return;
        if (flight.state !== 'open' || over) {
          throw new Error(
            `Command ${flight.command.commandId} was already ${flight.state === 'open' ? 'given back (its batch is over)' : flight.state}; cannot mark it ${action}`,
          );
        }
        flight.state = action;
        if (action === 'retried') this.giveBack(flight.command);
      };
      return Object.freeze({
        envelope: JSON.parse(flight.command.body) as CommandEnvelope,
        deliveryCount: flight.command.deliveries,
        ack: () => settle('acked'),
        retry: () => settle('retried'),
      });
    });

    const giveBackOpen = (why: string, error: unknown, abandoned = false): void => {
      const open = flights.filter((f) => f.state === 'open');
      if (open.length > 0) {
        this.report(`InProcessCommandQueue: ${why}; retrying ${open.length} unsettled command(s)`, error);
      }
      for (const flight of open) {
        flight.state = 'retried';
        this.giveBack(flight.command, abandoned);
      }
      over = true;
    };

    let abandon!: () => void;
    const abandoned = new Promise<void>((resolve) => {
      abandon = () => {
        if (over) return;
        giveBackOpen('a batch was abandoned on close', undefined, true);
        resolve();
      };
    });
    consumer.abandon = abandon;
    const handled = (async () => {
      // A later tick, like any broker delivery.
      await Promise.resolve();
      try {
        await consumer.handler(deliveries);
        if (!over) giveBackOpen('the handler resolved without settling every delivery', undefined);
      } catch (error: unknown) {
        if (!over) giveBackOpen('the handler threw', error);
      }
    })();
    consumer.current = Promise.race([handled, abandoned]).finally(() => {
      consumer.current = undefined;
      consumer.abandon = undefined;
      this.schedule();
    });
  }

  /** Up to `max` commands, oldest send first across partitions: each partition's order holds. */
  private take(max: number): QueuedCommand[] {
    const taken: QueuedCommand[] = [];
    while (taken.length < max) {
      let best: QueuedCommand[] | undefined;
      for (const queue of this.queues) {
        if (queue.length > 0 && (!best || queue[0].seq < best[0].seq)) best = queue;
      }
      if (!best) break;
      taken.push(best.shift()!);
    }
    return taken;
  }

  /** Back to the front of its partition (by send order, so several retries keep theirs), or dead. */
  private giveBack(command: QueuedCommand, abandoned = false): void {
    if (!abandoned) command.failures += 1;
    if (command.failures >= this.maxDeliveries) {
      this.dead.push(
        Object.freeze({ envelope: JSON.parse(command.body) as CommandEnvelope, deliveries: command.deliveries }),
      );
    } else {
      command.readyAt = Date.now();
      const queue = this.queues[command.partition];
      let at = 0;
      while (at < queue.length && queue[at].seq < command.seq) at += 1;
      queue.splice(at, 0, command);
    }
    setImmediate(() => this.schedule());
  }
}

function checkBatchOptions(options: CommandBatchOptions): void {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
    throw new Error(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  }
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
    throw new Error(`maxWaitMs must be a non-negative number, got ${options.maxWaitMs}`);
  }
}

/** true when `promise` settled within `ms`; never rejects. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
