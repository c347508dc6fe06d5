export const UNIT_OF_WORK = Symbol('UnitOfWork');

/**
 * Runs work in one database transaction. Repositories called inside join it, so aggregates
 * and their outbox rows commit or roll back together.
 */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
}
