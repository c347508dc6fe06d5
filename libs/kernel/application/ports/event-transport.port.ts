import type { DomainEvent } from '../../domain/domain-event.base';

export const EVENT_TRANSPORT = Symbol('EventTransport');

export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface SubscribeOptions {
  /**
   * One consumer at a time across every process subscribed under this name (the others stand by
   * and take over when it goes), so events are handled in publish order everywhere: for
   * projections that need a user's events in order. Fixed when the subscription's queue is first
   * declared.
   */
  readonly ordered?: boolean;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * Carries committed domain events from the outbox to their consumers. `publish` resolves only
 * when the transport has taken responsibility for every event (a broker confirm), so the
 * relay may then mark the rows sent. Delivery is at least once: handlers dedupe by eventId.
 */
export interface EventTransport {
  publish(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Delivers events whose type matches one of the patterns (`*` one dot-separated word,
   * `#` any number) to the handler, in publish order per queue. A handler that throws gets
   * the event again later (bounded), then it is dead-lettered.
   */
  subscribe(name: string, patterns: readonly string[], handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
