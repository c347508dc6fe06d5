import { AsyncLocalStorage } from 'node:async_hooks';
import { DependencyUnavailable } from '../../application/application.errors';
import type { DataSource, EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from './pg-errors';
import type { DatabasePoolStats } from '../observability/metrics';

/** What metrics read of pg's Pool (pg-pool's public getters). */
interface PgPool {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options?: { readonly max?: number };
}

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
  /** Work to do once the transaction has committed (not if it rolls back). */
  readonly afterCommit?: (() => Promise<void>)[];
}

export class Database {
  private readonly current = new AsyncLocalStorage<Scope>();
  private tail: Promise<unknown> = Promise.resolve();
  /** PGlite: units of work holding or waiting for the one session's lock. */
  private queued = 0;
  private savepoints = 0;

  constructor(
    readonly dataSource: DataSource,
    readonly engine: 'postgres' | 'pglite',
    /** The pool's configured maximum, when the driver does not say. */
    private readonly poolSize = 10,
  ) {}

  /** Runs `work` in a transaction, joining the caller's transaction if there is one. */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const scope = this.current.getStore();
    if (scope?.transactional) return work(scope.manager);
    const afterCommit: (() => Promise<void>)[] = [];
    const begin = () =>
      this.dataSource.transaction((manager) => this.current.run({ manager, transactional: true, afterCommit }, () => work(manager)));
    // Inside a plain `run` the lock is already ours: taking it again would wait for ourselves.
    const result = await unavailableAs503(scope ? begin() : this.exclusive(begin));
    for (const hook of afterCommit) await hook();
    return result;
  }

  /**
   * Runs `hook` once the caller's transaction commits, or at once when there is none. For effects
   * outside the database that must not be seen before the commit (cache invalidation).
   */
  async afterCommit(hook: () => Promise<void>): Promise<void> {
    const scope = this.current.getStore();
    if (scope?.transactional && scope.afterCommit) scope.afterCommit.push(hook);
    else await hook();
  }

  /**
   * Inside a transaction: runs `work` so that if it throws, only its own writes are undone and the
   * transaction goes on (a savepoint). Outside one: a transaction of its own.
   */
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const scope = this.current.getStore();
    if (!scope?.transactional) return this.transaction(() => work());
    const name = `sp_${++this.savepoints}`;
    const hooks = scope.afterCommit?.length ?? 0;
    await scope.manager.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await scope.manager.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await scope.manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      // What the undone work asked to do after the commit is undone with it.
      scope.afterCommit?.splice(hooks);
      throw error;
    }
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

  /**
   * Runs `work` outside the caller's transaction or run, as if called from nowhere: for work done
   * on behalf of several callers (a coalesced statement), which must not join one caller's scope.
   */
  detached<T>(work: () => Promise<T>): Promise<T> {
    return this.current.exit(work);
  }

  /** True inside a transaction or a run (on PGlite the lock is then held by the caller). */
  inScope(): boolean {
    return this.current.getStore() !== undefined;
  }

  inTransaction(): boolean {
    return this.current.getStore()?.transactional === true;
  }

  /**
   * The pool's state for metrics: pg's pool (through TypeORM's driver) on PostgreSQL; on PGlite
   * the one session and the work queued for its lock.
   */
  poolStats(): DatabasePoolStats {
    if (this.engine === 'pglite') return { inUse: Math.min(1, this.queued), idle: this.queued > 0 ? 0 : 1, waiting: Math.max(0, this.queued - 1), max: 1 };
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool) return { inUse: 0, idle: 0, waiting: 0, max: this.poolSize };
    return { inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? this.poolSize };
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.engine === 'postgres') return work();
    this.queued += 1;
    const counted = async () => {
      try {
        return await work();
      } finally {
        this.queued -= 1;
      }
    };
    const result = this.tail.then(counted, counted);
    // The chain must continue whatever this work's outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
