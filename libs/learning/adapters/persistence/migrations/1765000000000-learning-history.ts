import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The learning context's projection: tasks as tracked, and grouped counts per user and day. */
export class LearningHistory1765000000000 implements MigrationInterface {
  name = 'LearningHistory1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE learning_tasks (
        task_id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        version integer NOT NULL,
        tracked jsonb NULL
      )`);
    await runner.query(`CREATE INDEX learning_tasks_user ON learning_tasks (user_id, task_id)`);
    await runner.query(`
      CREATE TABLE learning_cells (
        user_id uuid NOT NULL,
        day date NOT NULL,
        dimension text NOT NULL,
        key text NOT NULL,
        n integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        dropped integer NOT NULL DEFAULT 0,
        calibrated integer NOT NULL DEFAULT 0,
        estimate_sum bigint NOT NULL DEFAULT 0,
        actual_sum bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, day, dimension, key)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE learning_cells`);
    await runner.query(`DROP TABLE learning_tasks`);
  }
}

/** A prediction per open task, kept current by the projection (never computed per read). */
export class LearningScores1765000100000 implements MigrationInterface {
  name = 'LearningScores1765000100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE learning_scores (
        task_id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        probability real NOT NULL,
        factors jsonb NOT NULL
      )`);
    await runner.query(`CREATE INDEX learning_scores_user ON learning_scores (user_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE learning_scores`);
  }
}

/**
 * The version of each user's published predictions (`learning.task-scores.v1` events carry it):
 * consumers keep the newest. A rebuild forgets the projection, never these.
 */
export class LearningModelVersions1765000200000 implements MigrationInterface {
  name = 'LearningModelVersions1765000200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE learning_models (user_id uuid PRIMARY KEY, version integer NOT NULL)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE learning_models`);
  }
}

/**
 * All-time totals per user (and the population's, moved here from `learning_cells`): what scoring
 * reads, so an event's cost does not grow with the days of history. Filled from the per-day cells:
 * every dimension summed over days, and each day's `plan` cell as `load` under its count of tasks.
 */
export class LearningTotals1765000300000 implements MigrationInterface {
  name = 'LearningTotals1765000300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE learning_totals (
        user_id uuid NOT NULL,
        dimension text NOT NULL,
        key text NOT NULL,
        n integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        dropped integer NOT NULL DEFAULT 0,
        calibrated integer NOT NULL DEFAULT 0,
        estimate_sum bigint NOT NULL DEFAULT 0,
        actual_sum bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, dimension, key)
      )`);
    const counts = 'sum(n), sum(done), sum(failed), sum(dropped), sum(calibrated), sum(estimate_sum), sum(actual_sum)';
    await runner.query(`
      INSERT INTO learning_totals (user_id, dimension, key, n, done, failed, dropped, calibrated, estimate_sum, actual_sum)
      SELECT user_id, dimension, key, ${counts} FROM learning_cells WHERE dimension <> 'plan' GROUP BY user_id, dimension, key`);
    await runner.query(`
      INSERT INTO learning_totals (user_id, dimension, key, n, done, failed, dropped, calibrated, estimate_sum, actual_sum)
      SELECT user_id, 'load', n::text, ${counts} FROM learning_cells WHERE dimension = 'plan' AND n > 0 GROUP BY user_id, n`);
    await runner.query(`DELETE FROM learning_cells WHERE user_id = '00000000-0000-0000-0000-000000000000'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT INTO learning_cells (user_id, day, dimension, key, n, done, failed, dropped, calibrated, estimate_sum, actual_sum)
      SELECT user_id, '1970-01-01', dimension, key, n, done, failed, dropped, calibrated, estimate_sum, actual_sum
        FROM learning_totals WHERE user_id = '00000000-0000-0000-0000-000000000000'`);
    await runner.query(`DROP TABLE learning_totals`);
  }
}

/** What users decided on the coach's plans, by the plan's most likely cause (#11: a rejection is an outcome learning uses). */
export class LearningPlanFeedback1765000400000 implements MigrationInterface {
  name = 'LearningPlanFeedback1765000400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE learning_plan_feedback (
        user_id uuid NOT NULL,
        cause text NOT NULL,
        accepted integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, cause)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE learning_plan_feedback`);
  }
}

/**
 * The population keeps load totals too (ADR 16: the day's load gets a population split like the
 * other ordered dimensions): its totals, summed from every user's load totals.
 */
export class LearningPopulationLoads1765000500000 implements MigrationInterface {
  name = 'LearningPopulationLoads1765000500000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT INTO learning_totals (user_id, dimension, key, n, done, failed, dropped, calibrated, estimate_sum, actual_sum)
      SELECT '00000000-0000-0000-0000-000000000000', 'load', key, sum(n), sum(done), sum(failed), sum(dropped), sum(calibrated), sum(estimate_sum), sum(actual_sum)
        FROM learning_totals WHERE dimension = 'load' AND user_id <> '00000000-0000-0000-0000-000000000000' GROUP BY key
      ON CONFLICT (user_id, dimension, key) DO NOTHING`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DELETE FROM learning_totals WHERE user_id = '00000000-0000-0000-0000-000000000000' AND dimension = 'load'`);
  }
}

export const LEARNING_MIGRATIONS = [
  LearningHistory1765000000000,
  LearningScores1765000100000,
  LearningModelVersions1765000200000,
  LearningTotals1765000300000,
  LearningPlanFeedback1765000400000,
  LearningPopulationLoads1765000500000,
];
