import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { type UserRepository } from '../../application/ports/user.repository.port';
import { EmailAlreadyRegistered } from '../../domain/user.errors';
import { User } from '../../domain/user.aggregate';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { appendToOutbox } from '@ln/kernel/adapters/persistence/outbox.writer';
import { isUniqueViolation } from '@ln/kernel/adapters/persistence/pg-errors';
import { UserSchema, type UserRow } from './user.schema';

export class TypeOrmUserRepository implements UserRepository {
  constructor(private readonly db: Database) {}

  async findById(id: string): Promise<User | null> {
    const row = await this.db.run((m) => m.getRepository(UserSchema).findOneBy({ id }));
    return row ? User.restore(row) : null;
  }

  async findByEmail(email: string): Promise<User | null> {
    const row = await this.db.run((m) => m.getRepository(UserSchema).findOneBy({ email }));
    return row ? User.restore(row) : null;
  }

  async save(user: User): Promise<void> {
    const events = user.peekEvents();
    if (events.length === 0) return;
    const row: UserRow = user.snapshot();
    const loadedVersion = events[0].version - 1;
    await this.db.transaction(async (m) => {
      const repo = m.getRepository(UserSchema);
      if (loadedVersion === 0) {
        try {
          // A savepoint keeps the outer transaction usable after a duplicate-email error.
          await m.query('SAVEPOINT user_insert');
          await repo.insert(row);
          await m.query('RELEASE SAVEPOINT user_insert');
        } catch (error) {
          await m.query('ROLLBACK TO SAVEPOINT user_insert');
          if (isUniqueViolation(error, 'users_email_key')) throw new EmailAlreadyRegistered();
          throw error;
        }
      } else {
        const result = await repo
          .createQueryBuilder()
          .update()
          .set({ timezone: row.timezone, passwordHash: row.passwordHash, version: row.version, updatedAt: row.updatedAt })
          .where('id = :id AND version = :loadedVersion', { id: row.id, loadedVersion })
          .execute();
        if (result.affected !== 1) throw new ConcurrentModification('user');
      }
      await appendToOutbox(m, events);
    });
    user.pullEvents();
  }
}
