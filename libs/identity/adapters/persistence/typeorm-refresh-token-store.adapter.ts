import type { ConsumeResult, RefreshTokenRecord, RefreshTokenStore } from '../../application/ports/refresh-tokens.port';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { RefreshTokenSchema } from './refresh-token.schema';

export class TypeOrmRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly db: Database) {}

  async create(record: RefreshTokenRecord & { tokenHash: string; createdAt: Date }): Promise<void> {
    await this.db.run((m) =>
      m.getRepository(RefreshTokenSchema).insert({ ...record, usedAt: null, revokedAt: null }),
    );
  }

  async consume(tokenHash: string, at: Date): Promise<ConsumeResult> {
    return this.db.transaction(async (m) => {
      // One conditional UPDATE decides the race: of two concurrent refreshes, exactly one matches.
      const consumed: RefreshRow[] = await m.query(
        `UPDATE refresh_tokens SET used_at = $2
          WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
          RETURNING id, user_id, family_id, expires_at`,
        [tokenHash, at],
      );
      const hit = rows(consumed)[0];
      if (hit) return { status: 'consumed', token: toRecord(hit) };
      const existing = await m
        .getRepository(RefreshTokenSchema)
        .findOne({ where: { tokenHash }, select: { id: true, userId: true, familyId: true, expiresAt: true, usedAt: true, revokedAt: true } });
      if (!existing) return { status: 'unknown' };
      const record = { id: existing.id, userId: existing.userId, familyId: existing.familyId, expiresAt: existing.expiresAt };
      if (existing.usedAt || existing.revokedAt) return { status: 'reused', token: record };
      return { status: 'expired' };
    });
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.db.run((m) =>
      m.query(`UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, [familyId, at]),
    );
  }

  async revokeFamilyOfToken(tokenHash: string, userId: string, at: Date): Promise<void> {
    await this.db.run((m) =>
      m.query(
        `UPDATE refresh_tokens SET revoked_at = $3
          WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)
            AND revoked_at IS NULL`,
        [tokenHash, userId, at],
      ),
    );
  }

  async revokeAllForUser(userId: string, at: Date): Promise<void> {
    await this.db.run((m) =>
      m.query(`UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, at]),
    );
  }
}

interface RefreshRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date | string;
}

/** pg returns [rows, count] for UPDATE ... RETURNING through TypeORM; PGlite returns rows. */
function rows(result: unknown): RefreshRow[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as RefreshRow[];
  }
  return (result as RefreshRow[]) ?? [];
}

function toRecord(r: RefreshRow): RefreshTokenRecord {
  return { id: r.id, userId: r.user_id, familyId: r.family_id, expiresAt: new Date(r.expires_at) };
}
