import { partitionOf } from '../../application/partition';
import type { DomainEvent } from '../../domain/domain-event.base';
import type { EntityManager } from 'typeorm';

/** The channel a committed outbox write is announced on (payload: the owner's partition key). */
export const OUTBOX_CHANNEL = 'ln_outbox';

/**
 * The channel the relay announces published rows on, once per owner per pass (payload: the owner's
 * user id), delivered when the pass commits: what wakes the live streams (ADR 28).
 */
export const STREAM_CHANNEL = 'ln_stream';

/**
 * The owner's full 32-bit partition hash, stored with each row. `partitionOf(userId, K)` is this
 * value modulo K (the hash is already below 2^32), so relays configured with K partitions work
 * `partition_key % K` and share their K with the command queue's partitioning.
 */
export function outboxPartitionKey(userId: string): number {
  return partitionOf(userId, 2 ** 32);
}

/**
 * The outbox append as CTEs for one statement: `outbox_rows` inserts the events (unnest keeps
 * the array order, so positions follow event order) and `outbox_notified` queues one NOTIFY per
 * owner, which PostgreSQL (and PGlite) deliver only when the statement's transaction commits: a
 * relay is woken exactly when the rows become visible, and never by a write that rolled back.
 * Parameters start at `$first`; `guard` (SQL over the event row `e`) may make the insert conditional
 * on an earlier CTE.
 */
export function outboxStatement(events: readonly DomainEvent[], first: number, guard = 'TRUE'): { ctes: string; params: unknown[] } {
  const keys = events.map((e) => outboxPartitionKey(e.userId));
  const $ = (n: number) => `$${first + n}`;
  return {
    ctes: `outbox_rows AS (
      INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, user_id, aggregate_version,
                          occurred_at, event, partition_key)
      SELECT * FROM unnest(${$(0)}::uuid[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::uuid[], ${$(4)}::uuid[], ${$(5)}::int[],
                           ${$(6)}::timestamptz[], ${$(7)}::jsonb[], ${$(8)}::bigint[])
                    AS e(event_id, event_type, aggregate_type, aggregate_id, user_id, aggregate_version, occurred_at, event, partition_key)
       WHERE ${guard}
      RETURNING partition_key),
    outbox_notified AS (
      SELECT count(pg_notify(${$(9)}, k::text)) AS n FROM (SELECT DISTINCT partition_key AS k FROM outbox_rows) AS keys)`,
    params: [
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.aggregateType),
      events.map((e) => e.aggregateId),
      events.map((e) => e.userId),
      events.map((e) => e.version),
      events.map((e) => new Date(e.occurredAt).toISOString()),
      events.map((e) => JSON.stringify(e)),
      keys,
      OUTBOX_CHANNEL,
    ],
  };
}

/** Appends events to the outbox with the caller's transaction: never on its own. One round trip. */
export async function appendToOutbox(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { ctes, params } = outboxStatement(events, 1);
  await manager.query(`WITH ${ctes} SELECT (SELECT n FROM outbox_notified) AS notified`, params);
}
