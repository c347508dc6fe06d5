import type { BeginResult, IdempotencyStore, StoredResponse } from '../../application/ports/idempotency.port';
import type { Database } from './database';
import { rowsOf } from './rows';

export interface IdempotencyOptions {
  /** How long a key is remembered (24 h). */
  readonly ttlMs: number;
  /**
   * A claim "in progress" neither started nor renewed for this long belonged to a request that
   * died (a live one renews it: see `renew`); a retry may take it over.
   */
  readonly staleMs: number;
}

interface KeyRow {
  fingerprint: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  created_at: Date | string;
}

export class TypeOrmIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: Database,
    private readonly options: IdempotencyOptions = { ttlMs: 24 * 3600_000, staleMs: 60_000 },
  ) {}

  async begin(userId: string, key: string, fingerprint: string, now: Date): Promise<BeginResult> {
    return this.db.transaction(async (m) => {
      // The insert decides who owns a fresh key; an expired or abandoned one is taken over in place.
      const claimed = rowsOf<{ key: string }>(
        await m.query(
          `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, created_at)
           VALUES ($1, $2, $3, 'in_progress', $4)
           ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = 'in_progress',
                  response_status = NULL, response_headers = NULL, response_body = NULL, created_at = EXCLUDED.created_at
                  , renewed_at = NULL
            WHERE idempotency_keys.created_at < $5
               OR (idempotency_keys.status = 'in_progress' AND coalesce(idempotency_keys.renewed_at, idempotency_keys.created_at) < $6)
           RETURNING key`,
          [userId, key, fingerprint, now, new Date(now.getTime() - this.options.ttlMs), new Date(now.getTime() - this.options.staleMs)],
        ),
      );
      // The claim's start time is its identity: a takeover of a stale claim writes a new one.
      if (claimed.length === 1) return { outcome: 'started', claim: now.toISOString() };
      const [row] = rowsOf<KeyRow>(
        await m.query(
          `SELECT fingerprint, status, response_status, response_headers, response_body, created_at
             FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
          [userId, key],
        ),
      );
      if (!row) return { outcome: 'in_progress' };
      if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      if (row.status !== 'completed') return { outcome: 'in_progress' };
      return {
        outcome: 'replay',
        response: { status: row.response_status!, headers: row.response_headers ?? {}, body: row.response_body ?? '' },
      };
    });
  }

  async renew(userId: string, key: string, claim: string, now: Date): Promise<void> {
    await this.db.run((m) =>
      m.query(
        `UPDATE idempotency_keys SET renewed_at = $4
          WHERE user_id = $1 AND key = $2 AND status = 'in_progress' AND created_at = $3::timestamptz`,
        [userId, key, claim, now],
      ),
    );
  }

  async complete(userId: string, key: string, response: StoredResponse, _now?: Date, claim?: string): Promise<void> {
    await this.db.run((m) =>
      m.query(
        `UPDATE idempotency_keys SET status = 'completed', response_status = $3, response_headers = $4, response_body = $5
          WHERE user_id = $1 AND key = $2 AND ($6::timestamptz IS NULL OR created_at = $6::timestamptz)`,
        [userId, key, response.status, JSON.stringify(response.headers), response.body, claim ?? null],
      ),
    );
  }

  async release(userId: string, key: string, claim?: string): Promise<void> {
    await this.db.run((m) =>
      m.query(
        `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 'in_progress'
            AND ($3::timestamptz IS NULL OR created_at = $3::timestamptz)`,
        [userId, key, claim ?? null],
      ),
    );
  }

  async purgeExpired(now: Date): Promise<number> {
    const rows = rowsOf<{ key: string }>(
      await this.db.run((m) =>
        m.query(`DELETE FROM idempotency_keys WHERE created_at < $1 RETURNING key`, [new Date(now.getTime() - this.options.ttlMs)]),
      ),
    );
    return rows.length;
  }
}
