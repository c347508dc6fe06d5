import { AsyncResource } from 'node:async_hooks';
import type { EventDeadLetterStats } from '../../application/ports/event-dead-letter-stats.port';
import type { EventHandler, EventTransport, Subscription, SubscribeOptions } from '../../application/ports/event-transport.port';
import type { DomainEvent } from '../../domain/domain-event.base';
import { topicMatchesAny } from './topic-pattern';

export interface DeadLetter {
  /** Subscription (queue) name the event was dead-lettered from. */
  readonly subscription: string;
  readonly event: DomainEvent;
  /** How many times the handler was given the event. */
  readonly attempts: number;
  /** What the last attempt threw. */
  readonly error: unknown;
}

export interface InProcessEventTransportOptions {
  /** Handler attempts per event before it is dead-lettered. Default 5. */
  maxDeliveries?: number;
  onDeadLetter?: (deadLetter: DeadLetter) => void;
}

interface Envelope {
  /** The event as it went over the "wire"; every delivery decodes a fresh copy. */
  readonly body: string;
  attempts: number;
}

/**
 * Plays the role of one durable queue, keyed by subscription name as on RabbitMQ: bindings
 * accumulate, and events keep queueing while nobody consumes, so closing and re-subscribing
 * behaves like a restarted consumer on the broker.
 */
interface NamedQueue {
  readonly name: string;
  readonly patterns: Set<string>;
  readonly pending: Envelope[];
  readonly dead: DeadLetter[];
  consumer?: Consumer;
  /** The one drain loop of this queue, so a queue never has two events in flight. */
  draining?: Promise<void>;
}

interface Consumer {
  readonly handler: EventHandler;
  stopped: boolean;
  /** Settles when the handler call in progress (if any) does. */
  inFlight?: Promise<void>;
}

/**
 * EventTransport inside one process, for tests and single-process runs. It mirrors the RabbitMQ
 * adapter on everything a consumer can observe (topic routing, per-queue FIFO, bounded
 * redelivery, dead-lettering, a payload that went over a wire) so the contract suite holds for both.
 */
export class InProcessEventTransport implements EventTransport, EventDeadLetterStats {
  private readonly maxDeliveries: number;
  private readonly onDeadLetter?: (deadLetter: DeadLetter) => void;
  private readonly queues = new Map<string, NamedQueue>();
  private closed = false;

  constructor(options: InProcessEventTransportOptions = {}) {
    this.maxDeliveries = options.maxDeliveries ?? 5;
    if (!Number.isInteger(this.maxDeliveries) || this.maxDeliveries < 1) {
      throw new Error(`maxDeliveries must be a positive integer, got ${this.maxDeliveries}`);
    }
    this.onDeadLetter = options.onDeadLetter;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.closed) throw new Error('InProcessEventTransport is closed');
    // Serialise everything before queueing anything, so an unserialisable event fails the whole
    // call (as it would on RabbitMQ) instead of leaving half of it delivered.
    const wire = events.map((event) => ({ type: event.type, body: JSON.stringify(event) }));
    const touched = new Set<NamedQueue>();
    for (const { type, body } of wire) {
      for (const queue of this.queues.values()) {
        if (!topicMatchesAny([...queue.patterns], type)) continue;
        queue.pending.push({ body, attempts: 0 });
        touched.add(queue);
      }
    }
    for (const queue of touched) this.startDraining(queue);
  }

  /** One process, one consumer per name: `ordered` always holds here. */
  async subscribe(name: string, patterns: readonly string[], handler: EventHandler, _options?: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('InProcessEventTransport is closed');
    if (name.trim() === '') throw new Error('Subscription name must not be empty');
    if (patterns.length === 0) throw new Error(`Subscription ${name} needs at least one pattern`);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { name, patterns: new Set(), pending: [], dead: [] };
      this.queues.set(name, queue);
    }
    if (queue.consumer && !queue.consumer.stopped) {
      // RabbitMQ would make them competing consumers; modelling that here is not worth it,
      // and silently picking one would hide a wiring mistake.
      throw new Error(`Subscription ${name} already has a consumer in this process`);
    }
    for (const pattern of patterns) queue.patterns.add(pattern);
    // Deliveries run in the subscriber's async context, never the publisher's: a handler must not
    // find itself inside the relay's (finished) database transaction, as it never would on RabbitMQ.
    const context = new AsyncResource('InProcessEventDelivery');
    const consumer: Consumer = { handler: (event) => context.runInAsyncScope(handler, null, event), stopped: false };
    queue.consumer = consumer;
    // Events that queued up while nobody listened are delivered now, as a durable queue would.
    this.startDraining(queue);
    return {
      close: async () => {
        consumer.stopped = true;
        await consumer.inFlight;
      },
    };
  }

  /** What was dead-lettered from the named subscription, oldest first. */
  deadLetters(name: string): readonly DeadLetter[] {
    return [...(this.queues.get(name)?.dead ?? [])];
  }

  /** How many events each subscription (ever opened here) has dead-lettered, from memory. */
  async deadLetterCounts(): Promise<ReadonlyMap<string, number>> {
    return new Map([...this.queues.values()].map((queue) => [queue.name, queue.dead.length]));
  }

  async close(): Promise<void> {
    this.closed = true;
    const draining: Promise<void>[] = [];
    for (const queue of this.queues.values()) {
      if (queue.consumer) queue.consumer.stopped = true;
      if (queue.draining) draining.push(queue.draining);
    }
    await Promise.all(draining);
  }

  private startDraining(queue: NamedQueue): void {
    if (queue.draining || !queue.consumer || queue.consumer.stopped || queue.pending.length === 0) return;
    queue.draining = this.drain(queue).finally(() => {
      queue.draining = undefined;
      // A consumer may have re-subscribed just as the loop saw the old one stop.
      this.startDraining(queue);
    });
  }

  private async drain(queue: NamedQueue): Promise<void> {
    // Deliver on a later tick, never inside publish(): a real transport cannot run the handler
    // before publish returns, and code must not come to rely on that.
    await Promise.resolve();
    while (queue.pending.length > 0) {
      // Read on every turn: the consumer can be closed, or replaced, between two events.
      const consumer = queue.consumer;
      if (!consumer || consumer.stopped) return;
      const envelope = queue.pending[0];
      envelope.attempts += 1;
      // A fresh decode per delivery: a handler that mutated the event before failing must not
      // hand its edits to the retry, or to another subscription.
      const event = decode(envelope.body);
      const attempt = Promise.resolve().then(() => consumer.handler(event));
      consumer.inFlight = attempt.then(
        () => undefined,
        () => undefined,
      );
      try {
        await attempt;
        queue.pending.shift();
      } catch (error: unknown) {
        // Redelivered straight away at the head of the queue, like a requeued nack; the bound
        // on attempts is what keeps a poison event from blocking the queue for ever.
        if (envelope.attempts >= this.maxDeliveries) {
          queue.pending.shift();
          this.deadLetter(queue, envelope, error);
        }
      } finally {
        consumer.inFlight = undefined;
      }
    }
  }

  private deadLetter(queue: NamedQueue, envelope: Envelope, error: unknown): void {
    const deadLetter: DeadLetter = Object.freeze({
      subscription: queue.name,
      event: decode(envelope.body),
      attempts: envelope.attempts,
      error,
    });
    queue.dead.push(deadLetter);
    try {
      this.onDeadLetter?.(deadLetter);
    } catch {
      // A failing observer must not stall the queue it observes.
    }
  }
}

function decode(body: string): DomainEvent {
  return JSON.parse(body) as DomainEvent;
}
