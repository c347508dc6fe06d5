import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tasks with their lifecycle, and per-user idempotency keys for POSTs. */
export class TasksAndIdempotency1764150000000 implements MigrationInterface {
  name = 'TasksAndIdempotency1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title text NOT NULL,
        notes text,
        scheduled_date date,
        scheduled_at timestamptz,
        -- 'YYYY-MM-DD|<moment or empty>' in the user's calendar, '~' when unscheduled (sorts last):
        -- one bytewise-ordered keyset column, the domain's Schedule.sortKey
        scheduled_sort text COLLATE "C" NOT NULL,
        due_at timestamptz,
        estimate_minutes integer,
        priority smallint NOT NULL,
        tags text[] NOT NULL,
        tag_keys text[] NOT NULL,
        parent_id uuid REFERENCES tasks (id),
        depth smallint NOT NULL,
        status text NOT NULL,
        failure jsonb,
        deferrals integer NOT NULL,
        replan_of uuid,
        version integer NOT NULL,
        create_fingerprint text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz,
        deleted_at timestamptz
      )`);
    // Every read is one user's; each listing order has its keyset index.
    await q.query(`CREATE INDEX tasks_owner_created_idx ON tasks (owner_id, created_at, id) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX tasks_owner_scheduled_idx ON tasks (owner_id, scheduled_sort, id) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX tasks_owner_due_idx ON tasks (owner_id, due_at) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX tasks_parent_idx ON tasks (parent_id) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX tasks_tag_keys_idx ON tasks USING gin (tag_keys)`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        status text NOT NULL,
        response_status integer,
        response_headers jsonb,
        response_body text,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE tasks`);
  }
}
