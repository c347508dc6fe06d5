import type { UnitOfWork } from '../../application/ports/unit-of-work.port';
import type { Database } from './database';

export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(private readonly db: Database) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(() => work());
  }

  savepoint<T>(work: () => Promise<T>): Promise<T> {
    return this.db.savepoint(work);
  }

  afterCommit(hook: () => Promise<void>): Promise<void> {
    return this.db.afterCommit(hook);
  }
}
