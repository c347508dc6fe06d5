import { EntitySchema } from 'typeorm';

/** One committed domain event waiting for (or done with) the relay. */
export interface OutboxRow {
  position: string; // bigint identity: commit-independent insertion order
  eventId: string;
  eventType: string;
  aggregateType: string;
  aggregateId: string;
  userId: string;
  aggregateVersion: number;
  occurredAt: Date;
  event: object;
  createdAt: Date;
  publishedAt: Date | null;
  attempts: number;
  /** partitionOf(userId, 2^32): a relay with K partitions works `partitionKey % K`. */
  partitionKey: string;
  /** Stamped when the relay marks the row published: the user's event log order (ADR 28). */
  streamSeq: string | null;
}

export const OutboxSchema = new EntitySchema<OutboxRow>({
  name: 'OutboxEvent',
  tableName: 'outbox',
  columns: {
    position: { type: 'bigint', primary: true, generated: 'increment' },
    eventId: { type: 'uuid', name: 'event_id' },
    eventType: { type: 'text', name: 'event_type' },
    aggregateType: { type: 'text', name: 'aggregate_type' },
    aggregateId: { type: 'uuid', name: 'aggregate_id' },
    userId: { type: 'uuid', name: 'user_id' },
    aggregateVersion: { type: 'integer', name: 'aggregate_version' },
    occurredAt: { type: 'timestamptz', name: 'occurred_at' },
    event: { type: 'jsonb' },
    createdAt: { type: 'timestamptz', name: 'created_at', createDate: true },
    publishedAt: { type: 'timestamptz', name: 'published_at', nullable: true },
    attempts: { type: 'integer', default: 0 },
    partitionKey: { type: 'bigint', name: 'partition_key' },
    streamSeq: { type: 'bigint', name: 'stream_seq', nullable: true },
  },
});
