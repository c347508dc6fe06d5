import { type CommandBatchOptions, type CommandEnvelope, type CommandQueue } from '../../../application/queued-writes/ports/command-queue.port';
import { type CommandQueueDepths, type CommandQueueStats } from '../../../application/queued-writes/ports/command-queue-stats.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { type RabbitMqErrorSink, RabbitMqLink } from '@ln/kernel/adapters/messaging/rabbitmq-link';
import { checkBatchOptions } from '../batch-window';
import { type BatchHandler, checkQueueOptions } from '../command-batch';
import { CommandTopology, publishOptions } from './command-topology';
import { type DeadCommandLetter, DeadCommandLetters } from './dead-command-letters';
import { LaneSharingConsumer } from './lane-sharing-consumer';
import { RabbitMqCommandConsumer } from './rabbitmq-command-consumer.adapter';

export type { DeadCommandLetter };

interface OutgoingCommand {
  readonly envelope: CommandEnvelope;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Answered (confirmed, refused or timed out): later callbacks are ignored. */
  done: boolean;
  /** Handed to the wrapper: its timeout governs it from then on, not the turn's timer. */
  handedOver: boolean;
}

/**
 * The socket under an amqplib channel, when it can be corked: amqplib writes each frame with its
 * own write call, so the publishes of one turn are corked into one. Reached through amqplib's
 * connection object; if its shape ever changes this finds nothing and publishes are merely
 * written one by one.
 */
function corkable(channel: ConfirmChannel): { cork(): void; uncork(): void } | undefined {
  const stream = (channel as unknown as { connection?: { stream?: { cork?: unknown; uncork?: unknown } } }).connection?.stream;
  return stream && typeof stream.cork === 'function' && typeof stream.uncork === 'function' ? (stream as { cork(): void; uncork(): void }) : undefined;
}

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
  /**
   * The publisher's confirm channel while it is open (set by its setup, after the topology is
   * asserted; cleared when it closes). Sends go straight onto it; without it, through the wrapper.
   */
  private channel?: ConfirmChannel;
  /** Sends of the current event-loop turn, published together when the turn ends. */
  private turn?: OutgoingCommand[];
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
      channel.on('close', () => {
        if (this.channel === channel) this.channel = undefined;
      });
      this.channel = channel;
    });
    this.dead = new DeadCommandLetters(this.link, this.topology, this.setupTimeoutMs, this.report);
  }

  /** Routing key (and queue suffix) of a user's partition. */
  partitionKey(userId: string): string {
    return this.topology.partitionKey(userId);
  }

  /**
   * Resolves on the broker's confirm. The sends of one event-loop turn are published together
   * when the turn ends: straight onto the confirm channel, their frames in one socket write, under
   * one shared timer (ADR 11, amended: "A cheaper 202"). While there is no open channel (connecting,
   * reconnecting) each goes through the wrapper, which holds it until a channel is back or its
   * timeout; a publish whose channel closes before its confirm is handed to the wrapper too, which
   * sends it on the channel it opens after a reconnect, within what is left of its wait, as it does
   * with its own unconfirmed messages. (The wrapper opens a channel again only with a new
   * connection: after a channel error of the broker's, such as a deleted exchange, its sends time
   * out, as before this change.)
   */
  send(envelope: CommandEnvelope): Promise<void> {
    if (this.closing) return Promise.reject(new Error('RabbitMqCommandQueue is closed'));
    if (typeof envelope.commandId !== 'string' || typeof envelope.userId !== 'string') {
      return Promise.reject(new Error('A command needs a string commandId and userId'));
    }
    const routingKey = this.partitionKey(envelope.userId);
    const content = Buffer.from(JSON.stringify(envelope));
    return new Promise<void>((resolve, reject) => {
      const outgoing: OutgoingCommand = { envelope, routingKey, content, resolve, reject, done: false, handedOver: false };
      if (this.turn) this.turn.push(outgoing);
      else {
        this.turn = [outgoing];
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.turn ?? [];
    this.turn = undefined;
    if (this.closing) {
      for (const c of batch) this.settle(c, new Error('RabbitMqCommandQueue is closed'));
      return;
    }
    const channel = this.channel;
    if (!channel) {
      for (const c of batch) this.viaWrapper(c, this.publishTimeoutMs);
      return;
    }
    const sentAt = Date.now();
    let open = batch.length;
    // One timer for the turn: what is still unconfirmed when it fires has failed (what went to the
    // wrapper meanwhile has the wrapper's own timeout, which also takes it out of its buffer).
    const timer = setTimeout(() => {
      for (const c of batch) if (!c.handedOver) this.settle(c, new Error('timeout'));
    }, this.publishTimeoutMs);
    const confirmed = () => {
      if (--open === 0) clearTimeout(timer);
    };
    const socket = corkable(channel);
    socket?.cork();
    let published = 0;
    try {
      for (const c of batch) {
        channel.publish(this.prefix, c.routingKey, c.content, { ...publishOptions(c.envelope), mandatory: true }, (error: unknown) => {
          confirmed();
          if (c.done) return;
          if (error instanceof Error && error.message === 'channel closed') {
            // Lost with its channel: sent again once there is one, within what is left of its wait.
            const left = this.publishTimeoutMs - (Date.now() - sentAt);
            if (left > 0) return this.viaWrapper(c, left);
            return this.settle(c, new Error('timeout'));
          }
          this.settle(c, error ?? undefined);
        });
        published += 1;
      }
    } catch {
      // The channel refused a publish (it is closing): that one and the rest were not sent, and go
      // through the wrapper, which holds them for the next channel within their timeout.
      for (const c of batch.slice(published)) {
        confirmed();
        this.viaWrapper(c, this.publishTimeoutMs);
      }
    } finally {
      // amqplib writes the frames in its own next turn (setImmediate, scheduled on a 'readable'
      // tick): uncork after that, so the turn's publishes leave in one write. Only the timing of
      // the write depends on this order, never what is written.
      if (socket) process.nextTick(() => setImmediate(() => socket.uncork()));
    }
  }

  private viaWrapper(c: OutgoingCommand, timeoutMs: number): void {
    c.handedOver = true;
    // The per-message timeout, not one of our own: ADR 10, "Publish timeouts".
    this.publisher.publish(this.prefix, c.routingKey, c.content, { ...publishOptions(c.envelope), mandatory: true, timeout: timeoutMs }).then(
      () => this.settle(c),
      (error: unknown) => this.settle(c, error, timeoutMs),
    );
  }

  private settle(c: OutgoingCommand, error?: unknown, timeoutMs = this.publishTimeoutMs): void {
    if (c.done) return;
    c.done = true;
    const { envelope, routingKey } = c;
    if (error !== undefined) {
      const why = this.link.publishFailure(error, timeoutMs);
      c.reject(new Error(`RabbitMQ send of command ${envelope.commandId} (${envelope.type}) to ${this.prefix} ${why}`, { cause: error }));
    } else if (this.unroutable.delete(envelope.commandId)) {
      c.reject(
        new Error(
          `RabbitMQ returned command ${envelope.commandId} as unroutable: no queue is bound to ${this.prefix} with key ${routingKey} (was ${this.prefix}.${routingKey} deleted?)`,
        ),
      );
    } else c.resolve();
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
   * Ready messages per partition queue and in the dead-letter queue, counted by the broker
   * (RabbitMqLink.messageCounts: never waits for a connection, rejects past `timeoutMs`).
   */
  async depths(timeoutMs: number): Promise<CommandQueueDepths> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    const counts = await this.link.messageCounts([...this.topology.queues(), this.topology.deadQueue], timeoutMs, 'the command queues');
    return { partitions: counts.slice(0, this.partitions), deadLetters: counts[this.partitions] };
  }

  async ping(timeoutMs: number): Promise<void> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    await this.link.ping(timeoutMs);
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await this.link.close();
      this.unroutable.clear();
    })();
    return this.closing;
  }
}
