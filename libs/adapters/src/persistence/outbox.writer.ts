import { partitionOf } from '@ln/application';
import type { DomainEvent } from '@ln/domain';
import type { EntityManager } from 'typeorm';

/** The channel a committed outbox write is announced on (payload: the owner's partition key). */
export const OUTBOX_CHANNEL = 'ln_outbox';

/**
 * The owner's full 32-bit partition hash, stored with each row. `partitionOf(userId, K)` is this
 * value modulo K (the hash is already below 2^32), so relays configured with K partitions work
 * `partition_key % K` and share their K with the command queue's partitioning.
 */
export function outboxPartitionKey(userId: string): number {
  return partitionOf(userId, 2 ** 32);
}

/**
 * Appends events to the outbox with the caller's transaction: never on its own. It also queues a
 * NOTIFY per owner, which PostgreSQL (and PGlite) deliver only when the transaction commits, so
 * a relay is woken exactly when the rows become visible, and never by a write that rolled back.
 */
export async function appendToOutbox(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const keys = events.map((e) => outboxPartitionKey(e.userId));
  // One statement for the batch; unnest keeps the array order, so positions follow event order.
  await manager.query(
    `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, user_id, aggregate_version,
                         occurred_at, event, partition_key)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::int[],
                          $7::timestamptz[], $8::jsonb[], $9::bigint[])`,
    [
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.aggregateType),
      events.map((e) => e.aggregateId),
      events.map((e) => e.userId),
      events.map((e) => e.version),
      events.map((e) => new Date(e.occurredAt).toISOString()),
      events.map((e) => JSON.stringify(e)),
      keys,
    ],
  );
  // Identical notifications in one transaction are folded into one by the server.
  await manager.query(`SELECT pg_notify($1, k::text) FROM unnest($2::bigint[]) AS k`, [OUTBOX_CHANNEL, [...new Set(keys)]]);
}
