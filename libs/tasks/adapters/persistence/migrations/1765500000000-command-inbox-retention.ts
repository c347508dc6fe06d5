import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The command inbox (`processed_commands`) by the time a worker decided each command: the worker's
 * pruning pass deletes the oldest through it (COMMAND_INBOX_RETENTION_SECONDS, ADR 9 "Inbox
 * retention"). The per-user index cannot serve a delete across users.
 */
export class CommandInboxRetention1765500000000 implements MigrationInterface {
  name = 'CommandInboxRetention1765500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX processed_commands_processed_at_idx ON processed_commands (processed_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX processed_commands_processed_at_idx`);
  }
}
