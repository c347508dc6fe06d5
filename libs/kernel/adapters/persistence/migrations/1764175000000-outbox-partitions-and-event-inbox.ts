import { partitionOf } from '../../../application/partition';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The relay's partition of each outbox row, its per-partition claim rows, and the event consumers' inbox. */
export class OutboxPartitionsAndEventInbox1764175000000 implements MigrationInterface {
  name = 'OutboxPartitionsAndEventInbox1764175000000';

  async up(q: QueryRunner): Promise<void> {
    // partitionOf(userId, 2^32): the owner's full 32-bit hash. A relay configured with K partitions
    // works `partition_key % K`, which is exactly partitionOf(userId, K), so K can change without
    // rewriting rows (see ADR 0010).
    await q.query(`ALTER TABLE outbox ADD COLUMN partition_key bigint`);
    const users = (await q.query(`SELECT DISTINCT user_id FROM outbox`)) as { user_id: string }[];
    for (const { user_id } of users) {
      await q.query(`UPDATE outbox SET partition_key = $2 WHERE user_id = $1`, [user_id, partitionOf(user_id, 2 ** 32)]);
    }
    await q.query(`ALTER TABLE outbox ALTER COLUMN partition_key SET NOT NULL`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_partition_key_range CHECK (partition_key >= 0 AND partition_key < 4294967296)`);
    // The insert time rather than the transaction's start: relay lag is measured from it, and a
    // worker's batch transaction can be open for a while before its outbox rows are written.
    await q.query(`ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
    // One row per relay partition, locked FOR UPDATE SKIP LOCKED by the relay publishing it:
    // while one relay holds it no other publishes that partition.
    await q.query(`
      CREATE TABLE outbox_relay_partitions (
        partition integer PRIMARY KEY CHECK (partition >= 0),
        last_relayed_at timestamptz,
        last_relayed_by text
      )`);
    // Event consumers' inbox: a consumer's effects and its row here commit together.
    await q.query(`
      CREATE TABLE processed_events (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await q.query(`CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE processed_events`);
    await q.query(`DROP TABLE outbox_relay_partitions`);
    await q.query(`ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT now()`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_partition_key_range`);
    await q.query(`ALTER TABLE outbox DROP COLUMN partition_key`);
  }
}
