import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { type RabbitMqErrorSink, type RabbitMqLink, deferred, deliveryNumber, refusedByBroker } from '@ln/kernel/adapters/messaging/rabbitmq-link';
import { BatchWindow, PartitionQueues, type Waiting } from '../batch-window';
import { type BatchHandler, type BatchedCommand, type RunningBatch, runBatch, settleOrAbandon, settlesWithin } from '../command-batch';
import { type CommandTopology, decodeEnvelope } from './command-topology';

/** Pause before reopening a consumer channel the broker closed (or that failed to set up). */
const REOPEN_DELAY_MS = 1000;

export interface CommandConsumerConfig {
  readonly name: string;
  readonly topology: CommandTopology;
  readonly handler: BatchHandler;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  /** Batches side by side, each over its own partitions (partition p in lane p % parallel); default 1. */
  readonly parallel?: number;
  /** The partitions (of the topology's) this consumer takes; default all of them. */
  readonly partitions?: readonly number[];
  readonly prefetch: number;
  readonly maxDeliveries: number;
  readonly closeTimeoutMs: number;
  readonly report: RabbitMqErrorSink;
}

/** One channel's worth of consumers; everything it delivered dies with it (the broker has it back). */
interface Generation {
  readonly channel: Channel;
  readonly connection: ChannelModel;
  alive: boolean;
  /** Per partition, received and not handed out (or handed back), in arrival order. */
  readonly pending: PartitionQueues<Inbound>;
  seq: number;
}

interface Inbound extends BatchedCommand, Waiting {
  readonly message: ConsumeMessage;
  readonly generation: Generation;
  /** The broker's count (x-delivery-count + 1) plus the retries made here. */
  deliveryCount: number;
  /** Times it failed on its own here (given back by the handler), in this consumer's life. */
  failures: number;
}

/**
 * Consumes every partition queue on one channel (manual ack, per-consumer prefetch) and hands the
 * handler one batch at a time per lane (`parallel` lanes, partition p in lane p % parallel), so the
 * next batch of a lane, and with it the next command of any user of its partitions, waits for the
 * handler, while other lanes' batches run beside it (#13: a connection each). retry() keeps the message unacked and delivers it again from the
 * front of its partition, and close() closes the channel without cancelling first. Why: ADR 9,
 * "Retries in the consumer" and "Closing a consumer". Its channel is its own: ADR 9, "Consumer channel".
 */
export class RabbitMqCommandConsumer implements Subscription {
  private readonly readyDeferred = deferred();
  private readonly closedDeferred = deferred();
  readonly ready = this.readyDeferred.promise;
  readonly closed = this.closedDeferred.promise;
  private readonly queues: readonly string[];
  private readonly onConnect = () => void this.open();
  /**
   * One lane per batch that may run at once: its partitions, its batch window, its batch in
   * progress. A partition is in one lane only, so a user's commands are applied in order.
   */
  private readonly lanes: { readonly partitions: ReadonlySet<number>; readonly window: BatchWindow; current?: RunningBatch }[];
  private generation?: Generation;
  /** The generation that has had a delivery: on a single-active-consumer queue, only the active consumer gets any. */
  private receivedOn?: Generation;
  private stopping = false;
  private closing?: Promise<void>;
  /** The open() in progress, and whether another was asked for meanwhile. */
  private opening?: Promise<void>;
  private openAgain = false;
  private reopenTimer?: NodeJS.Timeout;
  private scheduled = false;

  constructor(
    private readonly config: CommandConsumerConfig,
    private readonly link: RabbitMqLink,
  ) {
    const all = config.topology.queues();
    this.queues = config.partitions ? config.partitions.map((p) => all[p]) : all;
    const parallel = Math.max(1, Math.min(config.parallel ?? 1, this.queues.length));
    this.lanes = Array.from({ length: parallel }, (_, lane) => ({
      partitions: new Set(this.queues.map((_, p) => p).filter((p) => p % parallel === lane)),
      window: new BatchWindow(() => this.schedule()),
    }));
    link.manager.on('connect', this.onConnect);
    void this.open();
  }

  /** Whether its current channel has had a delivery, i.e. it is (or was until now) the active consumer of one of its queues. */
  get receiving(): boolean {
    return this.generation !== undefined && this.receivedOn === this.generation;
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      for (const lane of this.lanes) lane.window.stop();
      clearTimeout(this.reopenTimer);
      this.link.manager.removeListener('connect', this.onConnect);
      // Lets a consume() still waiting for setup fail now instead of at its timeout.
      this.readyDeferred.reject(new Error('was closed before it was set up'));
      if (this.opening) await settlesWithin(this.opening, this.config.closeTimeoutMs);
      await Promise.all(
        this.lanes.map(async ({ current }) => {
          if (!current) return;
          await settleOrAbandon(current, this.config.closeTimeoutMs, () =>
            this.config.report(
              `RabbitMQ ${this.config.name}: the batch in progress did not settle within ${this.config.closeTimeoutMs} ms of close; closing its channel anyway (the broker redelivers what was not acked)`,
              undefined,
            ),
          );
        }),
      );
      // Closing (not cancelling) hands every unacked message back in order: ADR 9, "Closing a consumer".
      const generation = this.generation;
      if (generation) {
        this.drop(generation);
        await generation.channel.close().catch(() => undefined);
      }
      this.closedDeferred.resolve();
    })();
    return this.closing;
  }

  /** Opens a channel and consumes, unless one is already consuming on the current connection. */
  private open(): Promise<void> {
    if (this.opening) {
      this.openAgain = true;
      return this.opening;
    }
    this.opening = this.openOnce().finally(() => {
      this.opening = undefined;
      if (this.openAgain) {
        this.openAgain = false;
        void this.open();
      }
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    const connection = this.link.manager.connection;
    if (!connection || this.stopping) return;
    if (this.generation?.alive && this.generation.connection === connection) return;
    let channel: Channel | undefined;
    try {
      channel = await connection.createChannel();
      const opened = channel;
      this.link.watch(opened, this.config.name);
      opened.on('close', () => this.onChannelClose(opened));
      await this.setup(opened, connection);
    } catch (error: unknown) {
      // A connection lost mid-setup is retried on the next one; setUp's timeout bounds the wait.
      if (refusedByBroker(error)) this.readyDeferred.reject(error);
      if (!this.stopping) this.config.report(`RabbitMQ ${this.config.name} could not be set up; trying again`, error);
      await channel?.close().catch(() => undefined);
      this.reopenSoon();
    }
  }

  private async setup(channel: Channel, connection: ChannelModel): Promise<void> {
    await this.config.topology.assert(channel);
    if (this.stopping) {
      await channel.close().catch(() => undefined);
      return;
    }
    // Per consumer (global=false): quorum queues do not support a channel-wide limit.
    await channel.prefetch(this.config.prefetch, false);
    const generation: Generation = {
      channel,
      connection,
      alive: true,
      pending: new PartitionQueues(this.queues.length),
      seq: 0,
    };
    if (this.generation) this.drop(this.generation);
    this.generation = generation;
    for (const [partition, queue] of this.queues.entries()) {
      await channel.consume(queue, (message) => this.onMessage(generation, partition, message), { noAck: false });
    }
    if (this.stopping) {
      // close() ran meanwhile and saw no channel to close: this one must not keep consuming.
      this.drop(generation);
      await channel.close().catch(() => undefined);
      return;
    }
    this.readyDeferred.resolve();
  }

  private onChannelClose(channel: Channel): void {
    if (this.generation?.channel === channel) this.drop(this.generation);
    // After a reconnect the manager's 'connect' reopens; under a live connection, this does.
    if (!this.stopping) this.reopenSoon();
  }

  private reopenSoon(): void {
    if (this.stopping || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      void this.open();
    }, REOPEN_DELAY_MS);
  }

  private drop(generation: Generation): void {
    generation.alive = false;
    generation.pending.clear();
    if (this.generation === generation) this.generation = undefined;
  }

  private onMessage(generation: Generation, partition: number, message: ConsumeMessage | null): void {
    if (message === null) {
      this.config.report(
        `RabbitMQ cancelled the consumer of ${this.queues[partition]} (queue deleted?); reopening the channel`,
        undefined,
      );
      // A fresh channel re-declares the topology and consumes every queue again.
      if (generation.alive) {
        this.drop(generation);
        generation.channel.close().catch(() => undefined);
      }
      return;
    }
    if (!generation.alive) return;
    this.receivedOn = generation;
    const body = message.content.toString('utf8');
    let commandId: string;
    try {
      commandId = decodeEnvelope(body).commandId;
    } catch (error: unknown) {
      this.config.report(
        `RabbitMQ message ${String(message.properties.messageId)} on ${this.queues[partition]} is not a command; dead-lettering it`,
        error,
      );
      // No requeue: redelivering bytes that cannot parse would only burn the delivery limit.
      this.settleOnChannel(generation, () => generation.channel.nack(message, false, false));
      return;
    }
    generation.seq += 1;
    generation.pending.push({
      message,
      generation,
      partition,
      seq: generation.seq,
      body,
      commandId,
      deliveryCount: deliveryNumber(message),
      failures: 0,
      readyAt: Date.now(),
    });
    this.scheduleSoon();
  }

  /** Coalesces the schedule() calls of a burst of arrivals into one. */
  private scheduleSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.schedule();
    });
  }

  /** In each idle lane, starts a batch if one is due, or arms the lane's timer for when it will be. */
  private schedule(): void {
    const generation = this.generation;
    for (const lane of this.lanes) {
      if (this.stopping || lane.current || !generation) {
        lane.window.stop();
        continue;
      }
      const batch = lane.window.close(generation.pending, this.config, this.lanes.length > 1 ? lane.partitions : undefined);
      if (batch) this.dispatch(lane, batch);
    }
  }

  private dispatch(lane: (typeof this.lanes)[number], batch: Inbound[]): void {
    const running = runBatch(batch, {
      handler: this.config.handler,
      label: `RabbitMQ ${this.config.name}`,
      report: this.config.report,
      ack: ({ generation, message }) => this.settleOnChannel(generation, () => generation.channel.ack(message)),
      giveBack: (inbound) => this.giveBack(inbound),
      // Not handed back on abandon: the channel is about to close, which returns them to the broker.
      onAbandon: 'leave',
    });
    lane.current = {
      done: running.done.finally(() => {
        lane.current = undefined;
        this.schedule();
      }),
      abandon: running.abandon,
    };
  }

  /** Back to the front of its partition (by arrival order, so several retries keep theirs), or dead. */
  private giveBack(inbound: Inbound): void {
    const { generation } = inbound;
    // Its channel is gone, so the broker has it back already and redelivers it.
    if (!generation.alive) return;
    // Only the command's own failures count here: deliveries returned by a worker that died (the
    // broker's count) say nothing about this command, whose place in the prefetch was bad luck.
    inbound.failures += 1;
    if (inbound.failures >= this.config.maxDeliveries) {
      this.config.report(
        `RabbitMQ ${this.config.name}: command ${inbound.commandId} failed ${inbound.failures} of ${this.config.maxDeliveries} attempts (delivery ${inbound.deliveryCount}); dead-lettering it`,
        undefined,
      );
      this.settleOnChannel(generation, () => generation.channel.nack(inbound.message, false, false));
      return;
    }
    inbound.deliveryCount += 1;
    generation.pending.putBack(inbound);
    this.scheduleSoon();
  }

  private settleOnChannel(generation: Generation, action: () => void): void {
    if (!generation.alive) return;
    try {
      action();
    } catch (error: unknown) {
      // The channel closed under us: the broker has the message back and redelivers it, which
      // at-least-once covers (the worker's inbox dedupes by commandId).
      this.config.report(`RabbitMQ ${this.config.name}: could not settle a delivery on a closed channel`, error);
    }
  }
}
