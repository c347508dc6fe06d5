import { AsyncLocalStorage } from 'node:async_hooks';
import { DependencyUnavailable } from '@ln/application';
import type { DataSource, EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from './pg-errors';

/** A database that cannot be reached is the client's 503 (retry later), never a 500. */
async function unavailableAs503<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw isDatabaseUnavailable(error) ? new DependencyUnavailable('database', error) : error;
  }
}

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
interface Scope {
  readonly manager: EntityManager;
  /** True inside a transaction; false inside a plain `run` (which on PGlite still holds the lock). */
  readonly transactional: boolean;
}

export class Database {
  private readonly current = new AsyncLocalStorage<Scope>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dataSource: DataSource,
    readonly engine: 'postgres' | 'pglite',
  ) {}

  /** Runs `work` in a transaction, joining the caller's transaction if there is one. */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const scope = this.current.getStore();
    if (scope?.transactional) return work(scope.manager);
    const begin = () =>
      this.dataSource.transaction((manager) => this.current.run({ manager, transactional: true }, () => work(manager)));
    // Inside a plain `run` the lock is already ours: taking it again would wait for ourselves.
    return unavailableAs503(scope ? begin() : this.exclusive(begin));
  }

  /** Runs a read (or a single statement) on the caller's transaction or a pooled connection. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const scope = this.current.getStore();
    if (scope) return work(scope.manager);
    return unavailableAs503(
      this.exclusive(() =>
        this.current.run({ manager: this.dataSource.manager, transactional: false }, () => work(this.dataSource.manager)),
      ),
    );
  }

  inTransaction(): boolean {
    return this.current.getStore()?.transactional === true;
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
