import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The worker's inbox: one row per queued command decided (applied or rejected), keyed by its id. */
export class CommandInbox1764160000000 implements MigrationInterface {
  name = 'CommandInbox1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE processed_commands (
        command_id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        type text NOT NULL,
        status text NOT NULL CHECK (status IN ('applied', 'rejected')),
        resource_id uuid,
        problem jsonb,
        processed_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX processed_commands_user_idx ON processed_commands (user_id, processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE processed_commands`);
  }
}
