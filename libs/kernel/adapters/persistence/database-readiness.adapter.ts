import type { ReadinessProbe } from '../../application/ports/readiness.port';
import type { Database } from './database';

export class DatabaseReadinessProbe implements ReadinessProbe {
  readonly name: string;
  constructor(
    private readonly db: Database,
    private readonly timeoutMs = 1000,
  ) {
    this.name = db.engine === 'pglite' ? 'database (pglite)' : 'database (postgresql)';
  }

  async check(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([this.db.run((m) => m.query('SELECT 1')), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
