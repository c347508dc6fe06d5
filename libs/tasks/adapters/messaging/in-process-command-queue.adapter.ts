import { partitionOf, type CommandBatchOptions, type CommandEnvelope, type CommandQueue } from '../../application/queued-writes/ports/command-queue.port';
import { type CommandQueueDepths, type CommandQueueStats } from '../../application/queued-writes/ports/command-queue-stats.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { BatchWindow, PartitionQueues, checkBatchOptions } from './batch-window';
import { type BatchHandler, type CommandQueueErrorSink, type RunningBatch, checkQueueOptions, runBatch, settleOrAbandon } from './command-batch';

export type { CommandQueueErrorSink };

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
  /** How many times it was handed to a handler. */
  deliveryCount: number;
  /** Times a handler gave it back (not counting consumers that went away holding it). */
  failures: number;
  /** When it (re)entered its partition: a batch closes maxWaitMs after its oldest command. */
  readyAt: number;
}

interface Consumer {
  readonly handler: BatchHandler;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  stopped: boolean;
  /** The batch being handled, if any (its `done` settles after the handler and the settling after it). */
  current?: RunningBatch;
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
  private readonly queues: PartitionQueues<QueuedCommand>;
  private readonly window = new BatchWindow(() => this.schedule());
  private readonly dead: DeadCommand[] = [];
  /** The first is the active consumer, the rest stand by in consume() order. */
  private readonly consumers: Consumer[] = [];
  private seq = 0;
  private closing?: Promise<void>;

  constructor(options: InProcessCommandQueueOptions = {}) {
    this.partitions = options.partitions ?? 4;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.report = options.onError ?? (() => undefined);
    checkQueueOptions({ partitions: this.partitions, maxDeliveries: this.maxDeliveries });
    this.queues = new PartitionQueues(this.partitions);
  }

  async send(envelope: CommandEnvelope): Promise<void> {
    if (this.closing) throw new Error('InProcessCommandQueue is closed');
    // Serialised now, so a later change to the caller's object cannot reach the consumer.
    const body = JSON.stringify(envelope);
    const partition = partitionOf(envelope.userId, this.partitions);
    this.seq += 1;
    this.queues.push({
      body,
      commandId: envelope.commandId,
      partition,
      seq: this.seq,
      deliveryCount: 0,
      failures: 0,
      readyAt: Date.now(),
    });
    // Never inside send(): a real broker cannot run the handler before send returns either.
    setImmediate(() => this.schedule());
  }

  async consume(handler: BatchHandler, options: CommandBatchOptions): Promise<Subscription> {
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
    return this.queues.size;
  }

  /** Per partition, the commands waiting (not in a batch in progress); and the dead ones. */
  async depths(): Promise<CommandQueueDepths> {
    return { partitions: this.queues.depths(), deadLetters: this.dead.length };
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => this.closeConsumer(consumer)));
      this.window.stop();
    })();
    return this.closing;
  }

  private closeConsumer(consumer: Consumer): Promise<void> {
    consumer.closing ??= (async () => {
      consumer.stopped = true;
      if (consumer.current) {
        await settleOrAbandon(consumer.current, this.closeTimeoutMs, () =>
          this.report(
            `InProcessCommandQueue: the batch in progress did not settle within ${this.closeTimeoutMs} ms of close; abandoning it (its unsettled commands are redelivered)`,
            undefined,
          ),
        );
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
    if (!consumer || consumer.stopped || consumer.current) return this.window.stop();
    const batch = this.window.close(this.queues, consumer);
    if (batch) this.dispatch(consumer, batch);
  }

  private dispatch(consumer: Consumer, batch: QueuedCommand[]): void {
    for (const command of batch) command.deliveryCount += 1;
    const running = runBatch(batch, {
      handler: consumer.handler,
      label: 'InProcessCommandQueue',
      report: this.report,
      ack: () => undefined,
      giveBack: (command, abandoned) => this.giveBack(command, abandoned),
      onAbandon: 'give back',
      laterTick: true,
    });
    consumer.current = {
      done: running.done.finally(() => {
        consumer.current = undefined;
        this.schedule();
      }),
      abandon: running.abandon,
    };
  }

  /** Back to the front of its partition (by send order, so several retries keep theirs), or dead. */
  private giveBack(command: QueuedCommand, abandoned = false): void {
    if (!abandoned) command.failures += 1;
    if (command.failures >= this.maxDeliveries) {
      this.dead.push(
        Object.freeze({ envelope: JSON.parse(command.body) as CommandEnvelope, deliveries: command.deliveryCount }),
      );
    } else {
      this.queues.putBack(command);
    }
    setImmediate(() => this.schedule());
  }
}
