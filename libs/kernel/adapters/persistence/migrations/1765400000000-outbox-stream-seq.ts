import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox as each user's event log (ADR 28): `stream_seq`, stamped by the relay when it marks a
 * row published (never at insert, see the ADR's ordering argument), indexed per user for the live
 * stream's reads; and the one-row watermark of what the pruning pass deleted.
 */
export class OutboxStreamSeq1765400000000 implements MigrationInterface {
  name = 'OutboxStreamSeq1765400000000';

  async up(q: QueryRunner): Promise<void> {
    // CACHE 1 (the default): values are handed out in real time across sessions.
    await q.query(`CREATE SEQUENCE outbox_stream_seq AS bigint MINVALUE 1 CACHE 1`);
    await q.query(`ALTER TABLE outbox ADD COLUMN stream_seq bigint NULL`);
    await q.query(`CREATE UNIQUE INDEX outbox_user_stream_idx ON outbox (user_id, stream_seq) WHERE stream_seq IS NOT NULL`);
    // Pruning deletes in stream_seq order (everything at or below the watermark).
    await q.query(`CREATE INDEX outbox_stream_seq_idx ON outbox (stream_seq) WHERE stream_seq IS NOT NULL`);
    await q.query(`
      CREATE TABLE outbox_stream_watermark (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        pruned_through bigint NOT NULL DEFAULT 0,
        pruned_at timestamptz
      )`);
    await q.query(`INSERT INTO outbox_stream_watermark DEFAULT VALUES`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox_stream_watermark`);
    await q.query(`DROP INDEX outbox_stream_seq_idx`);
    await q.query(`DROP INDEX outbox_user_stream_idx`);
    await q.query(`ALTER TABLE outbox DROP COLUMN stream_seq`);
    await q.query(`DROP SEQUENCE outbox_stream_seq`);
  }
}
