import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The one way adapters touch the database. It hides the difference that matters between the
 * two engines: PostgreSQL has a pool of sessions, PGlite has exactly one. On PGlite two
 * interleaved transactions would share that session (one's ROLLBACK would undo the other's
 * work), so every unit of database work takes a FIFO lock first. On PostgreSQL work runs
 * concurrently on pooled connections.
 *
 * A transaction started with `transaction()` is kept in AsyncLocalStorage, so repositories
 * called inside it join it instead of opening their own: that is what lets an aggregate and
 * its outbox rows commit together.
 */
export class Database {
  private readonly current = new AsyncLocalStorage<EntityManager>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dataSource: DataSource,
    readonly engine: 'postgres' | 'pglite',
  ) {}

  /** Runs `work` in a transaction, joining the caller's transaction if there is one. */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const joined = this.current.getStore();
    if (joined) return work(joined);
    return this.exclusive(() =>
      this.dataSource.transaction((manager) => this.current.run(manager, () => work(manager))),
    );
  }

  /** Runs a read (or a single statement) on the caller's transaction or a pooled connection. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const joined = this.current.getStore();
    if (joined) return work(joined);
    return this.exclusive(() => work(this.dataSource.manager));
  }

  inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.engine === 'postgres') return work();
    const result = this.tail.then(work, work);
    // The chain must continue whatever this work's outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
