import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The coach's plans: one row per proposal, its diagnosis and steps as JSON. */
export class CoachPlans1765200000000 implements MigrationInterface {
  name = 'CoachPlans1765200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE coach_plans (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        task_id uuid NOT NULL,
        trigger text NOT NULL,
        status text NOT NULL,
        diagnosis jsonb NOT NULL,
        steps jsonb NOT NULL,
        fits boolean NOT NULL,
        advice text NULL,
        reliable_minutes integer NULL,
        original_probability real NULL,
        plan_probability real NULL,
        generated_by text NULL,
        feedback text NULL,
        created_at timestamptz NOT NULL,
        decided_at timestamptz NULL,
        version integer NOT NULL
      )`);
    await runner.query(`CREATE INDEX coach_plans_task ON coach_plans (user_id, task_id, created_at DESC)`);
    await runner.query(`CREATE INDEX coach_plans_requested ON coach_plans (user_id, created_at) WHERE trigger = 'requested'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE coach_plans`);
  }
}

export const COACH_MIGRATIONS = [CoachPlans1765200000000];
