import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The minutes a done task actually took, as its owner reports them on completion (1-1440, like
 * the estimate; null when not given, and cleared when the task is reopened). The learning context
 * compares it with the estimate.
 */
export class TaskActualMinutes1764187000000 implements MigrationInterface {
  name = 'TaskActualMinutes1764187000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN actual_minutes integer NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN actual_minutes`);
  }
}
