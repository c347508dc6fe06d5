import type { AccountReader, AccountView } from '@ln/application';
import type { Database } from './database';
import { UserSchema } from './schemas';

export class TypeOrmAccountReader implements AccountReader {
  constructor(private readonly db: Database) {}

  async findById(userId: string): Promise<AccountView | null> {
    const row = await this.db.run((m) =>
      m.getRepository(UserSchema).findOne({
        where: { id: userId },
        select: { id: true, email: true, timezone: true, createdAt: true, updatedAt: true },
      }),
    );
    if (!row) return null;
    return {
      id: row.id,
      email: row.email,
      timezone: row.timezone,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
