import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CommandInboxRetention1765500000000 } from './1765500000000-command-inbox-retention';

/**
 * The task context's copy of each open task's prediction, as the learning context published it
 * (`learning.task-scores.v1`): its reads join it, so a cached read carries it at no extra cost.
 * `model_version` keeps the newest when events arrive twice or late.
 */
export class TaskPredictions1765100000000 implements MigrationInterface {
  name = 'TaskPredictions1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE task_predictions (
        task_id uuid PRIMARY KEY,
        owner_id uuid NOT NULL,
        probability real NOT NULL,
        factors jsonb NOT NULL,
        model_version integer NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE task_predictions`);
  }
}

/** The task context's migrations, in order. */
export const TASK_MIGRATIONS = [TaskPredictions1765100000000, CommandInboxRetention1765500000000];
