import type { EventHandler } from './event-transport.port';

export const EVENT_INBOX = Symbol('EventInbox');

/**
 * An event consumer's inbox, keyed by (consumer, eventId). Delivery is at least once (a relay may
 * publish an event again after a crash, a broker redelivers what was not acked), so a consumer's
 * effects are made through `processOnce`.
 */
export interface EventInbox {
  /**
   * Runs `effect` in a database transaction together with the inbox record of
   * (consumer, eventId): both commit or neither does. Resolves `true` when the effect ran and
   * committed, `false` when the event was already processed by this consumer (the effect is not
   * run). Only database writes made inside `effect` (through the repositories and unit of work,
   * which join the transaction) are covered; an effect outside the database is not undone.
   */
  processOnce(consumer: string, eventId: string, effect: () => Promise<void>): Promise<boolean>;
}

/**
 * Wraps an event handler so a redelivered event has no second effect: the handler for a stage of
 * the worker's event pipeline, named `consumer` (one inbox key space per consumer, so two
 * consumers of the same event each process it once).
 */
export function oncePerEvent(inbox: EventInbox, consumer: string, handler: EventHandler): EventHandler {
  return async (event) => {
    await inbox.processOnce(consumer, event.eventId, () => handler(event));
  };
}
