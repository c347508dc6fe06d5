import type { AccountReader, AccountView } from '../../application/ports/account-reader.port';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import { isUuid } from '@ln/kernel/domain/uuid';

export class TypeOrmAccountReader implements AccountReader {
  constructor(private readonly db: Database) {}

  async findById(userId: string): Promise<AccountView | null> {
    // Plain SQL: every task write reads the owner's timezone, and the ORM's query building cost
    // more CPU than the query (measured in docs/benchmarks.md).
    const rows = rowsOf<{ id: string; email: string; timezone: string; created_at: Date | string; updated_at: Date | string }>(
      await this.db.run((m) => m.query(`SELECT id, email, timezone, created_at, updated_at FROM users WHERE id = $1`, [userId])),
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      email: row.email,
      timezone: row.timezone,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  async timezonesOf(userIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(userIds.filter((id) => isUuid(id)))];
    if (ids.length === 0) return new Map();
    const rows = rowsOf<{ id: string; timezone: string }>(await this.db.run((m) => m.query(`SELECT id, timezone FROM users WHERE id = ANY($1::uuid[])`, [ids])));
    return new Map(rows.map((r) => [r.id, r.timezone]));
  }
}

