import 'reflect-metadata';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { ConfigError, loadConfig } from '@ln/config/config';
import { CONTEXT_MIGRATIONS } from './contexts';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const db = await openDatabase(
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: config.database.url, poolSize: 1, applicationName: 'life-navigation-migrate', migrations: CONTEXT_MIGRATIONS }
      : { kind: 'pglite', dataDir: config.database.dataDir, sharedBuffers: config.database.memory.sharedBuffers, migrations: CONTEXT_MIGRATIONS },
  );
  try {
    const applied = await migrate(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
