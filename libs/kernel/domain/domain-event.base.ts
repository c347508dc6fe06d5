/**
 * A fact that happened to an aggregate. Events carry their own identity so that every
 * consumer downstream (outbox relay, inbox, learning pipeline) can deduplicate by eventId
 * and order by (aggregateId, version).
 */
export interface DomainEvent<TPayload extends object = Record<string, unknown>> {
  readonly eventId: string;
  /** Versioned contract name, e.g. `user.registered.v1`. */
  readonly type: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly userId: string;
  /** Aggregate version this event produced. */
  readonly version: number;
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly payload: TPayload;
}
