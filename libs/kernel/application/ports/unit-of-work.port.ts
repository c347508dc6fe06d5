export const UNIT_OF_WORK = Symbol('UnitOfWork');

/**
 * Runs work in one database transaction. Repositories called inside join it, so aggregates
 * and their outbox rows commit or roll back together.
 */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Inside `run`: if `work` throws, only its writes are undone and the transaction continues. */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
  /** Runs `hook` after the current transaction commits (never if it rolls back), or now outside one. */
  afterCommit(hook: () => Promise<void>): Promise<void>;
}
