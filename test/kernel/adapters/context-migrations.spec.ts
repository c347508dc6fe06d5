import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { MIGRATIONS } from '@ln/kernel/adapters/persistence/migrations';

/** A context's own migration, as a new context registers it (`BoundedContext.migrations`). */
class ProbeNotes1769000000000 implements MigrationInterface {
  name = 'ProbeNotes1769000000000';
  async up(runner: QueryRunner): Promise<void> {
    // Depends on the founding chain: it must run after the users table exists.
    await runner.query(`CREATE TABLE probe_notes (user_id uuid NOT NULL REFERENCES users(id), body text NOT NULL)`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE probe_notes`);
  }
}

describe("a context's migrations (PGlite)", () => {
  it('run with the kernel chain, in timestamp order, once', async () => {
    const db = await openDatabase({ kind: 'pglite', migrations: [ProbeNotes1769000000000] });
    try {
      const applied = await migrate(db);
      const founding = MIGRATIONS.map((m) => m.name);
      expect(applied).toEqual([...founding, 'ProbeNotes1769000000000']);
      const rows = (await db.run((m) => m.query(`SELECT count(*)::int AS n FROM probe_notes`))) as { n: number }[];
      expect(rows[0]?.n).toBe(0);
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
