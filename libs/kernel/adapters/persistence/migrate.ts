import { Client } from 'pg';
import type { Database } from './database';

// Any constant shared by every process of the deployment; it names the migration lock.
const MIGRATION_LOCK = 72_431_909;

/**
 * Applies pending migrations. On PostgreSQL several replicas may start at once, so the run
 * holds an advisory lock: one migrates, the others wait and then find nothing to do.
 * Returns the names of the migrations applied by this call.
 */
export async function migrate(db: Database): Promise<string[]> {
  if (db.engine === 'pglite') {
    const applied = await db.run(() => db.dataSource.runMigrations({ transaction: 'each' }));
    return applied.map((m) => m.name);
  }
  // The lock lives on a connection of its own, outside the pool, so a pool of one still migrates.
  const options = db.dataSource.options as { url?: string };
  const lock = new Client({ connectionString: options.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.end();
  }
}
