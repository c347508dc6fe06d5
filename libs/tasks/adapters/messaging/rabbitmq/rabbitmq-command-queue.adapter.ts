import { type CommandBatchOptions, type CommandEnvelope, type CommandQueue } from '../../../application/queued-writes/ports/command-queue.port';
import { type CommandQueueDepths, type CommandQueueStats } from '../../../application/queued-writes/ports/command-queue-stats.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ChannelModel, Message } from 'amqplib';
import { type RabbitMqErrorSink, RabbitMqLink, withTimeout } from '@ln/kernel/adapters/messaging/rabbitmq-link';
import { checkBatchOptions } from '../batch-window';
import { type BatchHandler, checkQueueOptions } from '../command-batch';
import { CommandTopology, publishOptions } from './command-topology';
import { type DeadCommandLetter, DeadCommandLetters } from './dead-command-letters';
import { LaneSharingConsumer } from './lane-sharing-consumer';
import { RabbitMqCommandConsumer } from './rabbitmq-command-consumer.adapter';

export type { DeadCommandLetter };

export interface RabbitMqCommandQueueOptions {
  url: string;
  /** Name of the exchange, and prefix of every queue and of the dead-letter exchange. Default `ln.commands`. */
  prefix?: string;
  /** Number of partition queues users are hashed onto (`partitionOf`). Default 4. */
  partitions?: number;
  /** Attempts of one command that failed on its own (in one consumer's life) before it is dead-lettered. Default 5. */
  maxDeliveries?: number;
  /**
   * The broker's safety net (`x-delivery-limit`): deliveries of one message, counting every return
   * by a consumer that died holding it. Default max(50, 10 × maxDeliveries); ADR 9, "Poison limit".
   */
  brokerDeliveryLimit?: number;
  /** Unacked messages the broker may push per partition queue ahead of the handler. Default max(50, 2 × maxBatch). */
  prefetch?: number;
  /** How long send() waits for the broker's confirm before rejecting. Default 5000. */
  publishTimeoutMs?: number;
  /** How long consume() waits for the queues and consumers to be set up. Default 10000. */
  setupTimeoutMs?: number;
  /**
   * How long closing a subscription waits for the batch in progress before it closes the channel
   * anyway (the broker then redelivers what was not acked). Default 10000.
   */
  closeTimeoutMs?: number;
  /**
   * With several lanes (`parallel` > 1), how often a consumer compares the lanes it receives from
   * with its share among the workers and hands the extra ones over (LaneSharingConsumer,
   * docs/scaling.md). Default 2000; 0 keeps one channel for every lane and never hands over.
   */
  shareLanesEveryMs?: number;
  /** Pause between reconnect attempts. Default 5 (amqp-connection-manager's). */
  reconnectTimeInSeconds?: number;
  /** Connection trouble, failing handlers and undecodable messages; none of them is thrown. */
  onError?: RabbitMqErrorSink;
}

/**
 * CommandQueue on RabbitMQ: a direct exchange routes each command, by its user's partition, to
 * one of K quorum queues with single active consumer. Why: ADR 9, "RabbitMQ topology".
 */
export class RabbitMqCommandQueue implements CommandQueue, CommandQueueStats {
  readonly prefix: string;
  readonly partitions: number;
  private readonly topology: CommandTopology;
  private readonly maxDeliveries: number;
  private readonly prefetch?: number;
  private readonly publishTimeoutMs: number;
  private readonly setupTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly shareLanesEveryMs: number;
  private readonly report: RabbitMqErrorSink;
  private readonly link: RabbitMqLink;
  private readonly publisher: ChannelWrapper;
  private readonly dead: DeadCommandLetters;
  /** commandIds the broker returned as unroutable (basic.return arrives before the confirm). */
  private readonly unroutable = new Set<string>();
  /** A plain channel kept for depths(); dropped when it closes or stops answering. */
  private statsChannel?: Promise<Channel>;
  private closing?: Promise<void>;

  constructor(options: RabbitMqCommandQueueOptions) {
    this.prefix = options.prefix ?? 'ln.commands';
    this.partitions = options.partitions ?? 4;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    const brokerDeliveryLimit = options.brokerDeliveryLimit ?? Math.max(50, 10 * this.maxDeliveries);
    this.prefetch = options.prefetch;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.setupTimeoutMs = options.setupTimeoutMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.shareLanesEveryMs = options.shareLanesEveryMs ?? 2000;
    this.report = options.onError ?? (() => undefined);
    checkQueueOptions({ partitions: this.partitions, maxDeliveries: this.maxDeliveries });
    if (this.prefetch !== undefined && (!Number.isInteger(this.prefetch) || this.prefetch < 1)) {
      throw new Error(`prefetch must be a positive integer, got ${this.prefetch}`);
    }
    this.topology = new CommandTopology(this.prefix, this.partitions, brokerDeliveryLimit);

    const { url, reconnectTimeInSeconds } = options;
    this.link = new RabbitMqLink(url, { reconnectTimeInSeconds, connectTimeoutMs: this.setupTimeoutMs, report: this.report, blockedEffect: 'sends' });
    this.publisher = this.link.publisher(`${this.prefix} publisher`, 'command publisher', async (channel) => {
      channel.on('return', (message: Message) => {
        const id = message.properties.messageId as unknown;
        if (typeof id === 'string') this.unroutable.add(id);
      });
      // The queues too, not just the exchange: a command sent before any worker ever
      // consumed must be kept, not dropped for want of a binding.
      await this.topology.assert(channel);
    });
    this.dead = new DeadCommandLetters(this.link, this.topology, this.setupTimeoutMs, this.report);
  }

  /** Routing key (and queue suffix) of a user's partition. */
  partitionKey(userId: string): string {
    return this.topology.partitionKey(userId);
  }

  async send(envelope: CommandEnvelope): Promise<void> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    if (typeof envelope.commandId !== 'string' || typeof envelope.userId !== 'string') {
      throw new Error('A command needs a string commandId and userId');
    }
    const routingKey = this.partitionKey(envelope.userId);
    const content = Buffer.from(JSON.stringify(envelope));
    try {
      // The per-message timeout, not one of our own: ADR 10, "Publish timeouts".
      await this.publisher.publish(this.prefix, routingKey, content, {
        ...publishOptions(envelope),
        mandatory: true,
        timeout: this.publishTimeoutMs,
      });
    } catch (error: unknown) {
      const why = this.link.publishFailure(error, this.publishTimeoutMs);
      throw new Error(`RabbitMQ send of command ${envelope.commandId} (${envelope.type}) to ${this.prefix} ${why}`, {
        cause: error,
      });
    }
    if (this.unroutable.delete(envelope.commandId)) {
      throw new Error(
        `RabbitMQ returned command ${envelope.commandId} as unroutable: no queue is bound to ${this.prefix} with key ${routingKey} (was ${this.prefix}.${routingKey} deleted?)`,
      );
    }
  }

  async consume(handler: BatchHandler, options: CommandBatchOptions): Promise<Subscription> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    checkBatchOptions(options);
    const parallel = Math.max(1, Math.min(options.parallel ?? 1, this.partitions));
    const config = {
      name: `${this.prefix} consumer`,
      topology: this.topology,
      handler,
      maxBatch: options.maxBatch,
      maxWaitMs: options.maxWaitMs,
      // Room for a full batch in progress and one waiting, in every lane.
      prefetch: this.prefetch ?? Math.max(50, 2 * options.maxBatch * parallel),
      maxDeliveries: this.maxDeliveries,
      closeTimeoutMs: this.closeTimeoutMs,
      report: this.report,
    };
    if (parallel === 1 || this.shareLanesEveryMs === 0) {
      const consumer = new RabbitMqCommandConsumer({ ...config, parallel }, this.link);
      return this.link.setUp(consumer, this.setupTimeoutMs, `RabbitMQ command consumer on ${this.prefix}`);
    }
    // A consumer (and channel) per lane, partition p in lane p % parallel, so lanes can be handed to other workers.
    const lanes = Array.from({ length: parallel }, (_, lane) => Array.from({ length: this.partitions }, (_, p) => p).filter((p) => p % parallel === lane));
    const sharing = new LaneSharingConsumer(lanes, (partitions) => new RabbitMqCommandConsumer({ ...config, partitions }, this.link), this.link, {
      name: config.name,
      presenceQueue: this.topology.presenceQueue,
      rebalanceMs: this.shareLanesEveryMs,
      report: this.report,
    });
    return this.link.setUp(sharing, this.setupTimeoutMs, `RabbitMQ command consumer on ${this.prefix}`);
  }

  /**
   * The dead-lettered commands (up to `limit`), for an operator to inspect. They are put back
   * untouched; their order in the dead-letter queue may rotate.
   */
  deadLetters(limit = 100): Promise<DeadCommandLetter[]> {
    return this.dead.list(limit);
  }

  /** Sends dead-lettered commands (up to `limit`) back to their user's partition; how many. See DeadCommandLetters.replay. */
  replayDeadLetters(limit = 100): Promise<number> {
    return this.dead.replay(limit);
  }

  /**
   * Ready messages per partition queue and in the dead-letter queue (passive `queue.declare`s on a
   * channel of their own). Never waits for a connection: when there is none it rejects at once,
   * and a broker that does not answer within `timeoutMs` makes it reject (its channel is dropped).
   */
  async depths(timeoutMs: number): Promise<CommandQueueDepths> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    const connection = this.link.manager.connection;
    if (!connection) throw new Error(`RabbitMQ at ${this.link.where} is not connected${this.link.lastConnectErrorText()}`);
    const opened = (this.statsChannel ??= this.openStatsChannel(connection));
    const counting = (async () => {
      const channel = await opened;
      const names = [...this.topology.queues(), this.topology.deadQueue];
      // amqplib runs one RPC at a time per channel and queues the rest: one round trip each.
      const counts = await Promise.all(names.map(async (name) => (await channel.checkQueue(name)).messageCount));
      return { partitions: counts.slice(0, this.partitions), deadLetters: counts[this.partitions] };
    })();
    try {
      return await withTimeout(counting, timeoutMs, () => `RabbitMQ at ${this.link.where} did not count the command queues within ${timeoutMs} ms`);
    } catch (error: unknown) {
      // A missing queue (404) has closed the channel already; a stuck one must not be reused.
      if (this.statsChannel === opened) this.statsChannel = undefined;
      counting.catch(() => undefined);
      void opened.then((channel) => channel.close()).catch(() => undefined);
      throw error;
    }
  }

  private openStatsChannel(connection: ChannelModel): Promise<Channel> {
    const opening = connection.createChannel().then((channel) => {
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.statsChannel === opening) this.statsChannel = undefined;
      });
      return channel;
    });
    opening.catch(() => {
      if (this.statsChannel === opening) this.statsChannel = undefined;
    });
    return opening;
  }

  async ping(timeoutMs: number): Promise<void> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    await this.link.ping(timeoutMs);
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await this.link.close(async () => {
        const stats = this.statsChannel;
        this.statsChannel = undefined;
        await stats?.then((channel) => channel.close()).catch(() => undefined);
      });
      this.unroutable.clear();
    })();
    return this.closing;
  }
}
