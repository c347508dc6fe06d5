import type { EventDeadLetterStats } from '../../application/ports/event-dead-letter-stats.port';
import type { EventHandler, EventTransport, Subscription, SubscribeOptions } from '../../application/ports/event-transport.port';
import type { ReadinessProbe } from '../../application/ports/readiness.port';
import type { DomainEvent } from '../../domain/domain-event.base';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage, Options } from 'amqplib';

import {
  type RabbitMqErrorSink,
  RabbitMqLink,
  amqpTimestamp,
  assertDeadLetterQueue,
  assertQuorumQueue,
  deferred,
  deliveryNumber,
  refusedByBroker,
} from './rabbitmq-link';

export type { RabbitMqErrorSink };

export interface RabbitMqEventTransportOptions {
  url: string;
  /** Topic exchange every event is published to. Default `ln.events`. */
  exchange?: string;
  /** Deliveries of one event to one subscription before it is dead-lettered. Default 5. */
  maxDeliveries?: number;
  /** Unacked messages the broker may push to one subscription ahead of the handler. Default 50. */
  prefetch?: number;
  /** How long publish() waits for the broker's confirms before rejecting. Default 5000. */
  publishTimeoutMs?: number;
  /** How long subscribe() waits for the queue and consumer to be set up. Default 10000. */
  setupTimeoutMs?: number;
  /** Pause between reconnect attempts. Default 5 (amqp-connection-manager's). */
  reconnectTimeInSeconds?: number;
  /**
   * Connection trouble, failing handlers and undecodable messages are reported here; none of
   * them is thrown, because they happen on the broker's schedule, not in a caller's call.
   */
  onError?: RabbitMqErrorSink;
}

/**
 * EventTransport on RabbitMQ: one durable topic exchange (routing key = event type), a durable
 * quorum queue per subscription. Why: ADR 10, "RabbitMQ topology and reconnects".
 */
export class RabbitMqEventTransport implements EventTransport, EventDeadLetterStats {
  readonly exchange: string;
  private readonly deadLetterExchange: string;
  private readonly maxDeliveries: number;
  private readonly prefetch: number;
  private readonly publishTimeoutMs: number;
  private readonly setupTimeoutMs: number;
  private readonly report: RabbitMqErrorSink;
  private readonly publisher: ChannelWrapper;
  private readonly link: RabbitMqLink;
  /** Names of the subscriptions set up on this transport: their `.dead` queues exist. */
  private readonly subscribed = new Set<string>();
  private closing?: Promise<void>;

  constructor(options: RabbitMqEventTransportOptions) {
    this.exchange = options.exchange ?? 'ln.events';
    this.deadLetterExchange = `${this.exchange}.dlx`;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.prefetch = options.prefetch ?? 50;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.setupTimeoutMs = options.setupTimeoutMs ?? 10_000;
    this.report = options.onError ?? (() => undefined);
    if (!Number.isInteger(this.maxDeliveries) || this.maxDeliveries < 1) {
      throw new Error(`maxDeliveries must be a positive integer, got ${this.maxDeliveries}`);
    }
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1) {
      throw new Error(`prefetch must be a positive integer, got ${this.prefetch}`);
    }

    const { url, reconnectTimeInSeconds } = options;
    this.link = new RabbitMqLink(url, { reconnectTimeInSeconds, connectTimeoutMs: this.setupTimeoutMs, report: this.report, blockedEffect: 'publishes' });
    this.publisher = this.link.publisher(`${this.exchange} publisher`, 'publisher', async (channel) => {
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
    });
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.closing) throw new Error('RabbitMqEventTransport is closed');
    if (events.length === 0) return;
    // Encode everything first, so an unserialisable event fails the call before anything is sent.
    const messages = events.map((event) => ({
      routingKey: event.type,
      content: Buffer.from(JSON.stringify(event)),
      options: publishOptions(event),
    }));
    // The per-message timeout, not one of our own: ADR 10, "Publish timeouts".
    const outcomes = await Promise.allSettled(
      messages.map((m) =>
        this.publisher.publish(this.exchange, m.routingKey, m.content, { ...m.options, timeout: this.publishTimeoutMs }),
      ),
    );
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failures.length === 0) return;
    const first = failures[0];
    const why = this.link.publishFailure(first, this.publishTimeoutMs);
    throw new Error(`RabbitMQ publish of ${failures.length} of ${events.length} event(s) to ${this.exchange} ${why}`, {
      cause: first,
    });
  }

  async subscribe(name: string, patterns: readonly string[], handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    if (this.closing) throw new Error('RabbitMqEventTransport is closed');
    if (name.trim() === '') throw new Error('Subscription name must not be empty');
    if (patterns.length === 0) throw new Error(`Subscription ${name} needs at least one pattern`);
    // Copied: setup re-runs after reconnects, long after the caller may have reused its array.
    const bound = [...patterns];
    const subscription = new RabbitMqSubscription(
      {
        name,
        queue: `${this.exchange}.${name}`,
        handler,
        maxDeliveries: this.maxDeliveries,
        report: this.report,
        assertTopology: (channel, queue) => this.assertQueueTopology(channel, queue, bound, options.ordered === true),
        prefetch: this.prefetch,
      },
      this.link,
    );
    const ready = await this.link.setUp(subscription, this.setupTimeoutMs, `RabbitMQ subscription ${name}`);
    this.subscribed.add(name);
    return ready;
  }

  /**
   * Messages in the `.dead` queue of every subscription set up on this transport (closed ones
   * too: their queues stay), counted by the broker (RabbitMqLink.messageCounts: never waits for a
   * connection, rejects past `timeoutMs`).
   */
  async deadLetterCounts(timeoutMs: number): Promise<ReadonlyMap<string, number>> {
    if (this.closing) throw new Error('RabbitMqEventTransport is closed');
    const names = [...this.subscribed];
    const counts = await this.link.messageCounts(
      names.map((name) => `${this.exchange}.${name}.dead`),
      timeoutMs,
      'the event dead-letter queues',
    );
    return new Map(names.map((name, i) => [name, counts[i]]));
  }

  async ping(timeoutMs: number): Promise<void> {
    if (this.closing) throw new Error('RabbitMqEventTransport is closed');
    await this.link.ping(timeoutMs);
  }

  async close(): Promise<void> {
    this.closing ??= this.link.close();
    return this.closing;
  }

  private async assertQueueTopology(channel: Channel, queue: string, patterns: readonly string[], ordered: boolean): Promise<void> {
    await channel.assertExchange(this.exchange, 'topic', { durable: true });
    // Direct, keyed by source queue name: one shared DLX, yet each subscription's dead letters
    // land only in its own `.dead` queue.
    await assertDeadLetterQueue(channel, this.deadLetterExchange, `${queue}.dead`, queue);
    // Without a limit a poison event would loop for ever: ADR 10, "Delivery limits".
    await assertQuorumQueue(channel, queue, {
      deliveries: this.maxDeliveries,
      deadLetterExchange: this.deadLetterExchange,
      deadLetterRoutingKey: queue,
      singleActiveConsumer: ordered,
    });
    for (const pattern of patterns) await channel.bindQueue(queue, this.exchange, pattern);
  }
}

interface SubscriptionConfig {
  readonly name: string;
  readonly queue: string;
  readonly handler: EventHandler;
  readonly maxDeliveries: number;
  readonly prefetch: number;
  readonly report: RabbitMqErrorSink;
  readonly assertTopology: (channel: Channel, queue: string) => Promise<void>;
}

/**
 * One consumer on its own channel, so prefetch, cancel and close concern this subscription only.
 * Messages are handled one at a time in arrival order: prefetch saves round trips, it does not
 * buy concurrency, because the port promises per-queue order.
 */
class RabbitMqSubscription implements Subscription {
  private readonly readyDeferred = deferred();
  private readonly closedDeferred = deferred();
  readonly ready = this.readyDeferred.promise;
  readonly closed = this.closedDeferred.promise;
  private readonly wrapper: ChannelWrapper;
  private consumer?: { channel: Channel; consumerTag: string };
  private stopping = false;
  private closing?: Promise<void>;
  /** Chain of handled messages; its tail is what close() waits for. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: SubscriptionConfig,
    private readonly link: RabbitMqLink,
  ) {
    this.wrapper = link.manager.createChannel({
      name: `subscription ${config.name}`,
      confirm: false,
      setup: (channel: Channel) => this.setup(channel),
    });
    this.wrapper.on('error', (error: unknown) =>
      this.config.report(`RabbitMQ subscription ${config.name} could not be set up`, error),
    );
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      // Lets a subscribe() still waiting for setup fail now instead of at its timeout.
      this.readyDeferred.reject(new Error('was closed before it was set up'));
      const consumer = this.consumer;
      if (consumer) {
        try {
          await consumer.channel.cancel(consumer.consumerTag);
        } catch {
          // The channel is already gone: nothing more can arrive on it anyway.
        }
      }
      // Everything the broker pushed before cancel-ok is in the chain; handling (and acking) it
      // now matters on 3.x quorum queues, where a message returned by a closing channel counts
      // as a failed delivery and could be dead-lettered by nothing but restarts.
      await this.tail;
      await this.wrapper.close().catch(() => undefined);
      this.closedDeferred.resolve();
    })();
    return this.closing;
  }

  // Re-run by amqp-connection-manager on every new channel, i.e. after each reconnect.
  private async setup(channel: Channel): Promise<void> {
    this.link.watch(channel, `subscription ${this.config.name}`);
    try {
      await this.config.assertTopology(channel, this.config.queue);
      if (this.stopping) return;
      await channel.prefetch(this.config.prefetch);
      const { consumerTag } = await channel.consume(this.config.queue, (message) => this.onMessage(channel, message), {
        noAck: false,
      });
      this.consumer = { channel, consumerTag };
      this.readyDeferred.resolve();
    } catch (error: unknown) {
      // A connection lost mid-setup is retried on the next one; setUp's timeout bounds the wait.
      if (refusedByBroker(error)) this.readyDeferred.reject(error);
      throw error;
    }
  }

  private onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      this.config.report(
        `RabbitMQ cancelled the consumer of ${this.config.queue} (queue deleted?); it resumes after the next reconnect`,
        undefined,
      );
      return;
    }
    this.tail = this.tail.then(() => this.handle(channel, message));
  }

  /** Never rejects: one bad message must not break the chain for the ones behind it. */
  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    let event: DomainEvent;
    try {
      event = decodeEvent(message.content);
    } catch (error: unknown) {
      this.config.report(
        `RabbitMQ message ${String(message.properties.messageId)} on ${this.config.queue} is not an event; dead-lettering it`,
        error,
      );
      // No requeue: redelivering bytes that cannot parse would only burn the delivery limit.
      settle(() => channel.nack(message, false, false));
      return;
    }
    try {
      await this.config.handler(event);
    } catch (error: unknown) {
      const delivery = deliveryNumber(message);
      const fate = delivery >= this.config.maxDeliveries ? 'dead-lettering it' : 'it will be redelivered';
      this.config.report(
        `Subscription ${this.config.name} failed on ${event.type} ${event.eventId} (delivery ${delivery} of ${this.config.maxDeliveries}); ${fate}`,
        error,
      );
      // The quorum queue counts this return and dead-letters the event once over the limit.
      settle(() => channel.nack(message, false, true));
      return;
    }
    settle(() => channel.ack(message));
  }
}

/** `ReadinessProbe` for the broker the transport uses. */
export class RabbitMqReadinessProbe implements ReadinessProbe {
  readonly name = 'rabbitmq';

  constructor(
    private readonly transport: RabbitMqEventTransport,
    private readonly timeoutMs = 2000,
  ) {}

  check(): Promise<void> {
    return this.transport.ping(this.timeoutMs);
  }
}

function publishOptions(event: DomainEvent): Options.Publish {
  return {
    persistent: true,
    messageId: event.eventId,
    contentType: 'application/json',
    type: event.type,
    timestamp: amqpTimestamp(event.occurredAt),
    ...(event.correlationId === undefined ? {} : { correlationId: event.correlationId }),
    headers: {
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      userId: event.userId,
      version: event.version,
    },
  };
}

function decodeEvent(content: Buffer): DomainEvent {
  const parsed: unknown = JSON.parse(content.toString('utf8'));
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { eventId?: unknown }).eventId !== 'string' ||
    typeof (parsed as { type?: unknown }).type !== 'string'
  ) {
    throw new Error('body is JSON but not a domain event (no string eventId/type)');
  }
  return parsed as DomainEvent;
}

function settle(action: () => void): void {
  try {
    action();
  } catch {
    // The channel closed under us: the broker requeues the message itself, and redelivery is
    // covered by at-least-once (handlers dedupe by eventId).
  }
}
