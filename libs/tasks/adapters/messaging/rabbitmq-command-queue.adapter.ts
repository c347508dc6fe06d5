import { partitionOf, type CommandBatchOptions, type CommandDelivery, type CommandEnvelope, type CommandQueue } from '../../application/queued-writes/ports/command-queue.port';
import { type CommandQueueDepths, type CommandQueueStats } from '../../application/queued-writes/ports/command-queue-stats.port';
import { type ReadinessProbe } from '@ln/kernel/application/ports/readiness.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import { type RabbitMqErrorSink, RabbitMqLink, errorText, withTimeout } from '@ln/kernel/adapters/messaging/rabbitmq-link';

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
   * by a consumer that died holding it, before RabbitMQ dead-letters it. It bounds a command that
   * kills its worker; it must be well above maxDeliveries because every command a dying worker
   * had prefetched is counted too. Default max(50, 10 × maxDeliveries).
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
  /** Pause between reconnect attempts. Default 5 (amqp-connection-manager's). */
  reconnectTimeInSeconds?: number;
  /** Connection trouble, failing handlers and undecodable messages; none of them is thrown. */
  onError?: RabbitMqErrorSink;
}

/**
 * CommandQueue on RabbitMQ. A durable direct exchange routes each command, by its user's
 * partition, to one of K durable quorum queues `<prefix>.p<n>`. Each queue has
 * single-active-consumer, so however many workers consume, one of them at a time gets a
 * partition, in order; another takes over when it goes. Quorum queues count deliveries, so a
 * command whose consumers keep dying is dead-lettered (to `<prefix>.dead`) instead of looping.
 *
 * Retries are done in the consumer, not by requeueing (see `RabbitMqCommandConsumer`), because on
 * RabbitMQ 3.x a requeued message returns behind the ones already prefetched, which breaks the
 * per-user order as soon as the consumer changes.
 *
 * Topology is asserted in channel setup functions, which amqp-connection-manager re-runs after
 * every reconnect, so a broker restart (or a deleted queue) heals itself.
 */
export class RabbitMqCommandQueue implements CommandQueue, CommandQueueStats {
  readonly prefix: string;
  readonly partitions: number;
  private readonly deadLetterExchange: string;
  private readonly deadQueue: string;
  private readonly maxDeliveries: number;
  private readonly brokerDeliveryLimit: number;
  private readonly prefetch?: number;
  private readonly publishTimeoutMs: number;
  private readonly setupTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly report: RabbitMqErrorSink;
  private readonly where: string;
  private readonly manager: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly consumers = new Set<RabbitMqCommandConsumer>();
  /** commandIds the broker returned as unroutable (basic.return arrives before the confirm). */
  private readonly unroutable = new Set<string>();
  private readonly link: RabbitMqLink;
  /** A plain channel kept for depths(); dropped when it closes or stops answering. */
  private statsChannel?: Promise<Channel>;
  private closing?: Promise<void>;

  constructor(options: RabbitMqCommandQueueOptions) {
    this.prefix = options.prefix ?? 'ln.commands';
    this.deadLetterExchange = `${this.prefix}.dlx`;
    this.deadQueue = `${this.prefix}.dead`;
    this.partitions = options.partitions ?? 4;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.brokerDeliveryLimit = options.brokerDeliveryLimit ?? Math.max(50, 10 * this.maxDeliveries);
    this.prefetch = options.prefetch;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.setupTimeoutMs = options.setupTimeoutMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.report = options.onError ?? (() => undefined);
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new Error(`partitions must be a positive integer, got ${this.partitions}`);
    }
    if (!Number.isInteger(this.maxDeliveries) || this.maxDeliveries < 1) {
      throw new Error(`maxDeliveries must be a positive integer, got ${this.maxDeliveries}`);
    }
    if (this.prefetch !== undefined && (!Number.isInteger(this.prefetch) || this.prefetch < 1)) {
      throw new Error(`prefetch must be a positive integer, got ${this.prefetch}`);
    }

    this.link = new RabbitMqLink(options.url, {
      reconnectTimeInSeconds: options.reconnectTimeInSeconds,
      connectTimeoutMs: this.setupTimeoutMs,
      report: this.report,
      blockedEffect: 'sends',
    });
    this.manager = this.link.manager;
    this.where = this.link.where;

    this.publisher = this.manager.createChannel({
      name: `${this.prefix} publisher`,
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.watch(channel, 'command publisher');
        channel.on('return', (message: Message) => {
          const id = message.properties.messageId as unknown;
          if (typeof id === 'string') this.unroutable.add(id);
        });
        // The queues too, not just the exchange: a command sent before any worker ever
        // consumed must be kept, not dropped for want of a binding.
        await this.assertTopology(channel);
      },
    });
    // ChannelWrapper is an EventEmitter: an 'error' nobody listens to would crash the process.
    this.publisher.on('error', (error: unknown) => this.report('RabbitMQ command publisher channel failed', error));
  }

  /** Routing key (and queue suffix) of a user's partition. */
  partitionKey(userId: string): string {
    return `p${partitionOf(userId, this.partitions)}`;
  }

  async send(envelope: CommandEnvelope): Promise<void> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    if (typeof envelope.commandId !== 'string' || typeof envelope.userId !== 'string') {
      throw new Error('A command needs a string commandId and userId');
    }
    const routingKey = this.partitionKey(envelope.userId);
    const content = Buffer.from(JSON.stringify(envelope));
    try {
      // The per-message timeout (rather than one of our own) also takes a timed-out message out
      // of the wrapper's buffer, so it is not sent after the caller was told it failed; and it
      // bounds the wait while disconnected, where the wrapper would otherwise hold it until a
      // reconnect that may never come.
      await this.publisher.publish(this.prefix, routingKey, content, {
        ...publishOptions(envelope),
        mandatory: true,
        timeout: this.publishTimeoutMs,
      });
    } catch (error: unknown) {
      const why =
        error instanceof Error && error.message === 'timeout'
          ? `not confirmed within ${this.publishTimeoutMs} ms; is RabbitMQ at ${this.where} reachable?${this.lastConnectErrorText()}`
          : error instanceof Error && error.message === 'message nacked'
            ? 'nacked by the broker'
            : `failed: ${errorText(error)}`;
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

  async consume(
    handler: (batch: readonly CommandDelivery[]) => Promise<void>,
    options: CommandBatchOptions,
  ): Promise<Subscription> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    checkBatchOptions(options);
    const consumer = new RabbitMqCommandConsumer(
      {
        name: `${this.prefix} consumer`,
        queues: Array.from({ length: this.partitions }, (_, n) => `${this.prefix}.p${n}`),
        handler,
        maxBatch: options.maxBatch,
        maxWaitMs: options.maxWaitMs,
        prefetch: this.prefetch ?? Math.max(50, 2 * options.maxBatch),
        maxDeliveries: this.maxDeliveries,
        closeTimeoutMs: this.closeTimeoutMs,
        report: this.report,
        assertTopology: (channel) => this.assertTopology(channel),
        watch: (channel, what) => this.watch(channel, what),
      },
      this.manager,
    );
    this.consumers.add(consumer);
    void consumer.closed.then(() => this.consumers.delete(consumer));
    try {
      await withTimeout(
        consumer.ready,
        this.setupTimeoutMs,
        () => `not set up within ${this.setupTimeoutMs} ms; is RabbitMQ at ${this.where} reachable?${this.lastConnectErrorText()}`,
      );
    } catch (error: unknown) {
      await consumer.close();
      throw new Error(`RabbitMQ command consumer on ${this.prefix} ${errorText(error)}`, { cause: error });
    }
    return consumer;
  }

  /**
   * The dead-lettered commands (up to `limit`), for an operator to inspect. They are put back
   * untouched; their order in the dead-letter queue may rotate.
   */
  async deadLetters(limit = 100): Promise<DeadCommandLetter[]> {
    const connection = this.manager.connection ?? (await this.nextConnection(this.setupTimeoutMs));
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const taken: Message[] = [];
    // Before any worker has run, the queues may not exist yet: an empty list, not an error.
    await this.assertTopology(channel);
    try {
      while (taken.length < limit) {
        const message = await channel.get(this.deadQueue, { noAck: false });
        if (!message) break;
        taken.push(message);
      }
      return taken.map(describeDead);
    } finally {
      for (const message of taken) channel.nack(message, false, true);
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Sends dead-lettered commands (up to `limit`) back to their user's partition, each confirmed by
   * the broker before it leaves the dead-letter queue, so a replay loses nothing. Replaying a
   * command that had in fact been applied is harmless: the worker's inbox skips it. A message that
   * is not a command envelope stays where it is, and the replay stops there. Returns how many
   * were sent back.
   */
  async replayDeadLetters(limit = 100): Promise<number> {
    const connection = this.manager.connection ?? (await this.nextConnection(this.setupTimeoutMs));
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    await this.assertTopology(channel);
    let replayed = 0;
    try {
      while (replayed < limit) {
        const message = await channel.get(this.deadQueue, { noAck: false });
        if (!message) break;
        let envelope: CommandEnvelope;
        try {
          envelope = decodeEnvelope(message.content.toString('utf8'));
        } catch (error) {
          channel.nack(message, false, true);
          this.report(`dead letter ${String(message.properties.messageId)} is not a command; left in ${this.deadQueue}`, error);
          break;
        }
        channel.publish(this.prefix, this.partitionKey(envelope.userId), message.content, publishOptions(envelope));
        await channel.waitForConfirms();
        channel.ack(message);
        replayed += 1;
      }
      return replayed;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Ready messages per partition queue and in the dead-letter queue (passive `queue.declare`s on a
   * channel of their own). Never waits for a connection: when there is none it rejects at once,
   * and a broker that does not answer within `timeoutMs` makes it reject (its channel is dropped).
   */
  async depths(timeoutMs: number): Promise<CommandQueueDepths> {
    if (this.closing) throw new Error('RabbitMqCommandQueue is closed');
    const connection = this.manager.connection;
    if (!connection) throw new Error(`RabbitMQ at ${this.where} is not connected${this.lastConnectErrorText()}`);
    const opened = (this.statsChannel ??= this.openStatsChannel(connection));
    const counting = (async () => {
      const channel = await opened;
      const names = [...Array.from({ length: this.partitions }, (_, n) => `${this.prefix}.p${n}`), this.deadQueue];
      // amqplib runs one RPC at a time per channel and queues the rest: one round trip each.
      const counts = await Promise.all(names.map(async (name) => (await channel.checkQueue(name)).messageCount));
      return { partitions: counts.slice(0, this.partitions), deadLetters: counts[this.partitions] };
    })();
    try {
      return await withTimeout(counting, timeoutMs, () => `RabbitMQ at ${this.where} did not count the command queues within ${timeoutMs} ms`);
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
      await Promise.allSettled([...this.consumers].map((c) => c.close()));
      const stats = this.statsChannel;
      this.statsChannel = undefined;
      await stats?.then((channel) => channel.close()).catch(() => undefined);
      // Rejects whatever still waits for a confirm, so no send() hangs past close.
      await this.publisher.close().catch(() => undefined);
      await this.manager.close();
      this.unroutable.clear();
    })();
    return this.closing;
  }

  private async assertTopology(channel: Channel): Promise<void> {
    await channel.assertExchange(this.prefix, 'direct', { durable: true });
    await channel.assertExchange(this.deadLetterExchange, 'direct', { durable: true });
    await channel.assertQueue(this.deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(this.deadQueue, this.deadLetterExchange, 'dead');
    for (let n = 0; n < this.partitions; n++) {
      const queue = `${this.prefix}.p${n}`;
      await channel.assertQueue(queue, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-single-active-consumer': true,
          // Limit N means N + 1 deliveries (checked on 3.10), and 3.x has no default at all.
          // Only returns count (a consumer that died holding the message, and everything it had
          // prefetched with it); retries are the consumer's own and are bounded there.
          'x-delivery-limit': this.brokerDeliveryLimit - 1,
          'x-dead-letter-exchange': this.deadLetterExchange,
          'x-dead-letter-routing-key': 'dead',
        },
      });
      await channel.bindQueue(queue, this.prefix, `p${n}`);
    }
  }

  private watch(channel: Channel, what: string): void {
    this.link.watch(channel, what, this.report);
  }

  private nextConnection(timeoutMs: number): Promise<ChannelModel> {
    return this.link.nextConnection(timeoutMs);
  }

  private lastConnectErrorText(): string {
    return this.link.lastConnectErrorText();
  }
}

/** `ReadinessProbe` for the broker the command queue uses. */
export class RabbitMqCommandQueueReadiness implements ReadinessProbe {
  readonly name = 'rabbitmq-commands';

  constructor(
    private readonly queue: RabbitMqCommandQueue,
    private readonly timeoutMs = 2000,
  ) {}

  check(): Promise<void> {
    return this.queue.ping(this.timeoutMs);
  }
}

/** Pause before reopening a consumer channel the broker closed (or that failed to set up). */
const REOPEN_DELAY_MS = 1000;

interface ConsumerConfig {
  readonly name: string;
  readonly queues: readonly string[];
  readonly handler: (batch: readonly CommandDelivery[]) => Promise<void>;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly prefetch: number;
  readonly maxDeliveries: number;
  readonly closeTimeoutMs: number;
  readonly report: RabbitMqErrorSink;
  readonly assertTopology: (channel: Channel) => Promise<void>;
  readonly watch: (channel: Channel, what: string) => void;
}

/** One channel's worth of consumers; everything it delivered dies with it (the broker has it back). */
interface Generation {
  readonly channel: Channel;
  readonly connection: ChannelModel;
  alive: boolean;
  /** Per partition, received and not handed out (or handed back), in arrival order. */
  readonly pending: Inbound[][];
  seq: number;
}

interface Inbound {
  readonly message: ConsumeMessage;
  readonly generation: Generation;
  readonly partition: number;
  /** Arrival order on the channel; a retried command keeps it, which puts it back in front. */
  readonly seq: number;
  readonly body: string;
  readonly commandId: string;
  deliveryCount: number;
  /** Times it failed on its own here (given back by the handler), in this consumer's life. */
  failures: number;
  /** When it arrived or was handed back: a batch closes maxWaitMs after its oldest command. */
  readyAt: number;
}

type DeliveryState = 'open' | 'acked' | 'retried';

/**
 * Consumes every partition queue on one channel (manual ack, per-consumer prefetch) and hands the
 * handler one batch at a time, so the next batch, and with it the next command of any user in
 * it, waits for the handler.
 *
 * retry() does NOT requeue (nack) the message. On RabbitMQ 3.10 a requeued message is redelivered
 * behind everything already prefetched, and if the channel then closes the broker returns its
 * messages in the order they were delivered, so the retried command would reach the next
 * consumer after the later commands of its user. Instead the message stays unacked here and is
 * delivered again from the front of its partition; the broker keeps its original position should
 * this consumer die. Past maxDeliveries it is rejected without requeue, i.e. dead-lettered.
 * deliveryCount is the broker's count (x-delivery-count + 1) plus the retries made here. The
 * poison decision counts only the command's own failures here (maxDeliveries per consumer life):
 * a worker that dies returns everything it had prefetched, and those innocent commands must not
 * use up their limit (found by `npm run chaos`: five kills dead-lettered a hundred good commands).
 * A command that kills its worker every time is bounded by the broker's count instead
 * (brokerDeliveryLimit).
 *
 * close() does not basic.cancel first either: on 3.10 cancelling the single active consumer
 * activates the standby at once, while this one still holds unacked messages, which the standby
 * would then receive after later ones. Closing the channel returns everything at once, ahead of
 * the rest of the queue, in order. The price (also 3.10) is that each returned message counts one
 * delivery toward the queue's limit.
 */
class RabbitMqCommandConsumer implements Subscription {
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;
  private readonly readyDeferred: Deferred;
  private readonly closedDeferred: Deferred;
  private readonly onConnect = () => void this.open();
  private generation?: Generation;
  private stopping = false;
  private closing?: Promise<void>;
  /** The open() in progress, and whether another was asked for meanwhile. */
  private opening?: Promise<void>;
  private openAgain = false;
  private reopenTimer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private abandonCurrent?: () => void;
  private timer?: { handle: NodeJS.Timeout; due: number };
  private scheduled = false;

  /**
   * The channel is managed here, not by an amqp-connection-manager ChannelWrapper: a wrapper
   * whose channel the broker closes (e.g. consumer_timeout, 30 min by default, while a batch is
   * held through an outage) only gets a new one after the next reconnect, so consumption would
   * silently stop. Here a channel closed under a live connection is reopened after a pause.
   */
  constructor(
    private readonly config: ConsumerConfig,
    private readonly manager: AmqpConnectionManager,
  ) {
    this.readyDeferred = deferred();
    this.ready = this.readyDeferred.promise;
    this.closedDeferred = deferred();
    this.closed = this.closedDeferred.promise;
    manager.on('connect', this.onConnect);
    void this.open();
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      this.clearTimer();
      clearTimeout(this.reopenTimer);
      this.manager.removeListener('connect', this.onConnect);
      // Lets a consume() still waiting for setup fail now instead of at its timeout.
      this.readyDeferred.reject(new Error('was closed before it was set up'));
      if (this.opening) await settlesWithin(this.opening, this.config.closeTimeoutMs);
      if (this.current && !(await settlesWithin(this.current, this.config.closeTimeoutMs))) {
        this.config.report(
          `RabbitMQ ${this.config.name}: the batch in progress did not settle within ${this.config.closeTimeoutMs} ms of close; closing its channel anyway (the broker redelivers what was not acked)`,
          undefined,
        );
        this.abandonCurrent?.();
      }
      // See the class comment: closing (not cancelling) hands every unacked message back in order.
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
    const connection = this.manager.connection;
    if (!connection || this.stopping) return;
    if (this.generation?.alive && this.generation.connection === connection) return;
    let channel: Channel | undefined;
    try {
      channel = await connection.createChannel();
      const opened = channel;
      this.config.watch(opened, this.config.name);
      opened.on('close', () => this.onChannelClose(opened));
      await this.setup(opened, connection);
    } catch (error: unknown) {
      this.readyDeferred.reject(error);
      if (!this.stopping) this.config.report(`RabbitMQ ${this.config.name} could not be set up; trying again`, error);
      await channel?.close().catch(() => undefined);
      this.reopenSoon();
    }
  }

  private async setup(channel: Channel, connection: ChannelModel): Promise<void> {
    await this.config.assertTopology(channel);
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
      pending: this.config.queues.map(() => []),
      seq: 0,
    };
    if (this.generation) this.drop(this.generation);
    this.generation = generation;
    for (const [partition, queue] of this.config.queues.entries()) {
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
    for (const pending of generation.pending) pending.length = 0;
    if (this.generation === generation) this.generation = undefined;
  }

  private onMessage(generation: Generation, partition: number, message: ConsumeMessage | null): void {
    if (message === null) {
      this.config.report(
        `RabbitMQ cancelled the consumer of ${this.config.queues[partition]} (queue deleted?); reopening the channel`,
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
    const body = message.content.toString('utf8');
    let commandId: string;
    try {
      commandId = decodeEnvelope(body).commandId;
    } catch (error: unknown) {
      this.config.report(
        `RabbitMQ message ${String(message.properties.messageId)} on ${this.config.queues[partition]} is not a command; dead-lettering it`,
        error,
      );
      // No requeue: redelivering bytes that cannot parse would only burn the delivery limit.
      this.settleOnChannel(generation, () => generation.channel.nack(message, false, false));
      return;
    }
    generation.seq += 1;
    generation.pending[partition].push({
      message,
      generation,
      partition,
      seq: generation.seq,
      body,
      commandId,
      deliveryCount: brokerDeliveryNumber(message),
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

  /** Starts a batch if one is due, or arms the timer for when it will be. */
  private schedule(): void {
    const generation = this.generation;
    if (this.stopping || this.current || !generation) return this.clearTimer();
    let count = 0;
    let oldest = Infinity;
    for (const pending of generation.pending) {
      count += pending.length;
      for (const inbound of pending) oldest = Math.min(oldest, inbound.readyAt);
    }
    if (count === 0) return this.clearTimer();
    const due = oldest + this.config.maxWaitMs;
    if (count >= this.config.maxBatch || Date.now() >= due) {
      this.clearTimer();
      this.dispatch(this.take(generation));
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

  /** Up to maxBatch commands, oldest arrival first across partitions: each partition's order holds. */
  private take(generation: Generation): Inbound[] {
    const taken: Inbound[] = [];
    while (taken.length < this.config.maxBatch) {
      let best: Inbound[] | undefined;
      for (const pending of generation.pending) {
        if (pending.length > 0 && (!best || pending[0].seq < best[0].seq)) best = pending;
      }
      if (!best) break;
      taken.push(best.shift()!);
    }
    return taken;
  }

  private dispatch(batch: Inbound[]): void {
    const flights = batch.map((inbound) => ({ inbound, state: 'open' as DeliveryState }));
    let over = false;
    const deliveries = flights.map((flight): CommandDelivery => {
      const settle = async (action: 'acked' | 'retried'): Promise<void> => {
        if (flight.state === action) return;
        if (flight.state !== 'open' || over) {
          throw new Error(
            `Command ${flight.inbound.commandId} was already ${flight.state === 'open' ? 'given back (its batch is over)' : flight.state}; cannot mark it ${action}`,
          );
        }
        flight.state = action;
        if (action === 'acked') {
          const { generation, message } = flight.inbound;
          this.settleOnChannel(generation, () => generation.channel.ack(message));
        } else {
          this.giveBack(flight.inbound);
        }
      };
      return Object.freeze({
        envelope: JSON.parse(flight.inbound.body) as CommandEnvelope,
        deliveryCount: flight.inbound.deliveryCount,
        ack: () => settle('acked'),
        retry: () => settle('retried'),
      });
    });

    const giveBackOpen = (why: string, error: unknown): void => {
      const open = flights.filter((f) => f.state === 'open');
      if (open.length > 0) {
        this.config.report(`RabbitMQ ${this.config.name}: ${why}; retrying ${open.length} unsettled command(s)`, error);
      }
      for (const flight of open) {
        flight.state = 'retried';
        this.giveBack(flight.inbound);
      }
      over = true;
    };

    let abandon!: () => void;
    const abandoned = new Promise<void>((resolve) => {
      abandon = () => {
        if (over) return;
        // Not handed back here: the channel is about to close, which returns them to the broker.
        for (const flight of flights) if (flight.state === 'open') flight.state = 'retried';
        over = true;
        resolve();
      };
    });
    this.abandonCurrent = abandon;
    const handled = (async () => {
      try {
        await this.config.handler(deliveries);
        if (!over) giveBackOpen('the handler resolved without settling every delivery', undefined);
      } catch (error: unknown) {
        if (!over) giveBackOpen('the handler threw', error);
      }
    })();
    this.current = Promise.race([handled, abandoned]).finally(() => {
      this.current = undefined;
      this.abandonCurrent = undefined;
      this.schedule();
    });
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
    inbound.readyAt = Date.now();
    const pending = generation.pending[inbound.partition];
    let at = 0;
    while (at < pending.length && pending[at].seq < inbound.seq) at += 1;
    pending.splice(at, 0, inbound);
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

/** A dead-lettered command as an operator sees it. */
export interface DeadCommandLetter {
  readonly commandId: string | null;
  readonly type: string | null;
  readonly userId: string | null;
  /** Why and how often RabbitMQ dead-lettered it (from `x-death`), when it says. */
  readonly reason: string | null;
  readonly deliveries: number | null;
  readonly body: string;
}

function describeDead(message: Message): DeadCommandLetter {
  const body = message.content.toString('utf8');
  let envelope: Partial<CommandEnvelope> = {};
  try {
    envelope = JSON.parse(body) as Partial<CommandEnvelope>;
  } catch {
    // Not JSON: shown as it is.
  }
  const death = (message.properties.headers?.['x-death'] as { reason?: string; count?: number }[] | undefined)?.[0];
  const delivered = message.properties.headers?.['x-delivery-count'];
  return {
    commandId: typeof envelope.commandId === 'string' ? envelope.commandId : ((message.properties.messageId as string | undefined) ?? null),
    type: typeof envelope.type === 'string' ? envelope.type : null,
    userId: typeof envelope.userId === 'string' ? envelope.userId : null,
    reason: death?.reason ?? null,
    deliveries: typeof delivered === 'number' ? delivered : (death?.count ?? null),
    body,
  };
}

function publishOptions(envelope: CommandEnvelope): Options.Publish {
  const issuedAt = Date.parse(envelope.issuedAt);
  return {
    persistent: true,
    messageId: envelope.commandId,
    type: envelope.type,
    contentType: 'application/json',
    // AMQP timestamps are whole seconds.
    timestamp: Math.floor((Number.isNaN(issuedAt) ? Date.now() : issuedAt) / 1000),
  };
}

function decodeEnvelope(body: string): CommandEnvelope {
  const parsed: unknown = JSON.parse(body);
  const fields = parsed as Partial<Record<keyof CommandEnvelope, unknown>> | null;
  if (
    typeof parsed !== 'object' ||
    fields === null ||
    typeof fields.commandId !== 'string' ||
    typeof fields.userId !== 'string' ||
    typeof fields.type !== 'string' ||
    typeof fields.payload !== 'object' ||
    fields.payload === null
  ) {
    throw new Error('body is JSON but not a command envelope (string commandId, userId, type and an object payload)');
  }
  return parsed as CommandEnvelope;
}

/** 1 for the first delivery; quorum queues stamp x-delivery-count (returns so far) on redeliveries. */
function brokerDeliveryNumber(message: ConsumeMessage): number {
  const headers = message.properties.headers as Record<string, unknown> | undefined;
  const count = headers?.['x-delivery-count'];
  return (typeof count === 'number' ? count : 0) + 1;
}

function checkBatchOptions(options: CommandBatchOptions): void {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
    throw new Error(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  }
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
    throw new Error(`maxWaitMs must be a non-negative number, got ${options.maxWaitMs}`);
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Settled from broker callbacks; a rejection nobody awaits yet must not become unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
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


