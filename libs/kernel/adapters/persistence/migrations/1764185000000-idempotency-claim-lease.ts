import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An in-progress Idempotency-Key claim is renewed by its live request (`renewed_at`), so a claim
 * whose request died with its api goes stale after a short lease instead of a long fixed wait.
 */
export class IdempotencyClaimLease1764185000000 implements MigrationInterface {
  name = 'IdempotencyClaimLease1764185000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN renewed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN renewed_at`);
  }
}
