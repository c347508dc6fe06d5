import type { Database } from './database';
import { rowsOf } from './rows';

export interface PruneResult {
  readonly deleted: number;
  /** Every stream_seq at or below this is gone (the watermark after the pass). */
  readonly prunedThrough: number;
}

/**
 * Keeps the outbox (each user's event log, ADR 28) to a window: deletes published rows older than
 * it, and first raises the one-row watermark to the highest stream_seq it deletes. Rows are deleted
 * by stream_seq (everything at or below the new watermark), so the watermark is exact: below it
 * nothing is left, above it nothing was deleted. The watermark is raised in the same transaction
 * as the first delete, so a reader's statement never sees a row gone without the watermark saying
 * so. Unpublished rows are never touched (the relay still owes them).
 */
export class OutboxPruner {
  constructor(
    private readonly db: Database,
    private readonly options: { readonly chunk?: number } = {},
  ) {}

  async prune(olderThan: Date): Promise<PruneResult> {
    const chunk = this.options.chunk ?? 5000;
    const [{ through }] = rowsOf<{ through: string | null }>(
      await this.db.run((m) =>
        // Never up to a row the relay has stamped but not yet published (ADR 28: rows are stamped
        // before they are published): deleting by seq must not take it.
        m.query(
          `SELECT max(stream_seq) AS through FROM outbox
            WHERE stream_seq IS NOT NULL AND published_at < $1
              AND stream_seq < coalesce((SELECT min(stream_seq) FROM outbox WHERE published_at IS NULL AND stream_seq IS NOT NULL), 9223372036854775807)`,
          [olderThan.toISOString()],
        ),
      ),
    );
    let deleted = 0;
    const target = through === null ? 0 : Number(through);
    for (;;) {
      const n = await this.db.transaction(async (m) => {
        await m.query(`UPDATE outbox_stream_watermark SET pruned_through = greatest(pruned_through, $1::bigint), pruned_at = clock_timestamp()`, [target]);
        // Rows published before stream_seq existed (NULL) go by age alone.
        const gone = rowsOf<{ position: string }>(
          await m.query(
            `DELETE FROM outbox WHERE position IN (
               SELECT position FROM outbox
                WHERE (stream_seq <= $1::bigint) OR (stream_seq IS NULL AND published_at < $2)
                LIMIT $3)
             RETURNING position`,
            [target, olderThan.toISOString(), chunk],
          ),
        );
        return gone.length;
      });
      deleted += n;
      if (n < chunk) break;
    }
    return { deleted, prunedThrough: await this.watermark() };
  }

  async watermark(): Promise<number> {
    const [{ through }] = rowsOf<{ through: string }>(await this.db.run((m) => m.query(`SELECT pruned_through AS through FROM outbox_stream_watermark`)));
    return Number(through);
  }
}
