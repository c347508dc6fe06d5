import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataSource, type EntitySchema, type MigrationInterface, type MixedList } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { Database } from './database';
import { MIGRATIONS } from './migrations';
import { OutboxSchema } from './outbox.schema';

export type DatabaseOptions = (
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize?: number; readonly applicationName?: string }
  /**
   * dataDir undefined keeps the database in memory (tests). sharedBuffers: PostgreSQL's
   * shared_buffers (`16MB`); unset, PGlite's own (128MB: ~110 MB more RSS from the start, ADR 19).
   */
  | { readonly kind: 'pglite'; readonly dataDir?: string; readonly sharedBuffers?: string }
) & {
  /** The TypeORM entity schemas of the contexts composed (the kernel's outbox is always there). */
  readonly entities?: readonly EntitySchema[];
  /** Migrations of the contexts composed, beside the kernel's chain; all run in timestamp order. */
  readonly migrations?: readonly (new () => MigrationInterface)[];
};

/** Builds (but does not migrate) the database for either engine; the schema is the same. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const common = {
    type: 'postgres' as const,
    entities: [OutboxSchema, ...(options.entities ?? [])] as MixedList<EntitySchema>,
    migrations: [...MIGRATIONS, ...(options.migrations ?? [])],
    migrationsTableName: 'schema_migrations',
    // Schema changes only ever come from migrations, on both engines.
    synchronize: false,
    logging: false,
  };
  let dataSource: DataSource;
  if (options.kind === 'postgres') {
    dataSource = new DataSource({
      ...common,
      url: options.url,
      poolSize: options.poolSize ?? 10,
      applicationName: options.applicationName ?? 'life-navigation',
      extra: { connectionTimeoutMillis: 5000, statement_timeout: 15000 },
    });
  } else {
    let dataDir: string | undefined;
    if (options.dataDir) {
      dataDir = path.resolve(options.dataDir, 'pglite');
      mkdirSync(dataDir, { recursive: true });
    }
    // PGlite starts PostgreSQL with its own parameters; ours are added after them (the last -c wins).
    const startParams = options.sharedBuffers ? [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`] : undefined;
    dataSource = new DataSource({ ...common, driver: new PGliteDriver({ ...(dataDir ? { dataDir } : {}), ...(startParams ? { startParams } : {}) }).driver });
  }
  await dataSource.initialize();
  return new Database(dataSource, options.kind, options.kind === 'postgres' ? (options.poolSize ?? 10) : 1);
}
