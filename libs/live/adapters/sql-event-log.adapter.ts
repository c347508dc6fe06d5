import type { Database } from '@ln/kernel/adapters/persistence/database';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { ChangeLog, ChangePage, EventLog, LogCursor, LoggedEvent, ResumePoint } from '../application/ports/event-log.port';

/**
 * The event types a user's stream carries (LIKE patterns): the task lifecycle, queued commands'
 * outcomes, the coach's plans, and what learning publishes of its predictions as the user sees
 * them (`learning.task-scores.v1`: the open tasks whose chance of success or its reasons changed,
 * after an outcome changed the user's model). Other events in the log (accounts) keep their seq
 * but are not sent.
 */
export const STREAMED_TYPES: readonly string[] = ['task.%', 'command.%', 'coach.plan-%', 'learning.task-scores.%'];

/** The live streams' view of the outbox (ADR 28): published rows by (user_id, stream_seq). */
export class SqlEventLog implements EventLog, ChangeLog {
  constructor(private readonly db: Database) {}

  async readAfter(cursors: readonly LogCursor[], limitPerUser: number): Promise<{ events: LoggedEvent[]; prunedThrough: number }> {
    if (cursors.length === 0) return { events: [], prunedThrough: await this.watermark() };
    // One statement, one snapshot: the watermark and the rows agree.
    const rows = rowsOf<{ seq: string | null; user_id: string; event: DomainEvent | null; pruned: string }>(
      await this.db.run((m) =>
        m.query(
          `SELECT e.seq, c.user_id, e.event, w.pruned_through AS pruned
             FROM (SELECT pruned_through FROM outbox_stream_watermark) AS w
            CROSS JOIN unnest($1::uuid[], $2::bigint[]) AS c(user_id, after)
             LEFT JOIN LATERAL (
                   SELECT o.stream_seq AS seq, o.event FROM outbox o
                    WHERE o.user_id = c.user_id AND o.stream_seq > c.after AND o.event_type LIKE ANY($3::text[])
                    ORDER BY o.stream_seq LIMIT $4) AS e ON TRUE
            ORDER BY c.user_id, e.seq`,
          [cursors.map((c) => c.userId), cursors.map((c) => String(c.after)), STREAMED_TYPES, limitPerUser],
        ),
      ),
    );
    const prunedThrough = rows.length > 0 ? Number(rows[0].pruned) : await this.watermark();
    const events: LoggedEvent[] = [];
    for (const r of rows) if (r.seq !== null && r.event) events.push({ seq: Number(r.seq), userId: r.user_id, event: r.event });
    return { events, prunedThrough };
  }

  async resumePoint(userId: string, after: number | null, cap: number): Promise<ResumePoint> {
    const [row] = rowsOf<{ pruned: string; latest: string | null; head: string; pending: string }>(
      await this.db.run((m) =>
        m.query(
          `SELECT (SELECT pruned_through FROM outbox_stream_watermark) AS pruned,
                  (SELECT max(stream_seq) FROM outbox WHERE user_id = $1 AND stream_seq IS NOT NULL) AS latest,
                  (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_stream_seq) AS head,
                  (SELECT count(*) FROM (SELECT 1 FROM outbox
                     WHERE $2::bigint IS NOT NULL AND user_id = $1 AND stream_seq > $2::bigint AND event_type LIKE ANY($3::text[])
                     LIMIT $4) AS missed) AS pending`,
          [userId, after === null ? null : String(after), STREAMED_TYPES, cap + 1],
        ),
      ),
    );
    return { prunedThrough: Number(row.pruned), latest: Number(row.latest ?? 0), head: Number(row.head), pending: Number(row.pending) };
  }

  async changesAfter(userId: string, aggregateType: string, after: number, limit: number): Promise<ChangePage> {
    // One statement: the page, the user's latest seq and the watermark agree (a change committed
    // between two reads could otherwise fall between the page and the next token).
    const [row] = rowsOf<{ pruned: string; latest: string | null; head: string; rows: { seq: string | number; id: string; type: string }[] }>(
      await this.db.run((m) =>
        m.query(
          `SELECT (SELECT pruned_through FROM outbox_stream_watermark) AS pruned,
                  (SELECT max(stream_seq) FROM outbox WHERE user_id = $1 AND stream_seq IS NOT NULL) AS latest,
                  (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_stream_seq) AS head,
                  (SELECT coalesce(json_agg(t ORDER BY t.seq), '[]'::json) FROM (
                     SELECT stream_seq AS seq, aggregate_id AS id, event_type AS type FROM outbox
                      WHERE user_id = $1 AND stream_seq > $2::bigint AND aggregate_type = $3
                      ORDER BY stream_seq LIMIT $4) AS t) AS rows`,
          [userId, String(after), aggregateType, limit + 1],
        ),
      ),
    );
    const rows = typeof row.rows === 'string' ? (JSON.parse(row.rows) as typeof row.rows) : row.rows;
    return {
      changes: rows.slice(0, limit).map((r) => ({ seq: Number(r.seq), aggregateId: r.id, type: r.type })),
      more: rows.length > limit,
      prunedThrough: Number(row.pruned),
      latest: Number(row.latest ?? 0),
      head: Number(row.head),
    };
  }

  private async watermark(): Promise<number> {
    const [row] = rowsOf<{ pruned: string }>(await this.db.run((m) => m.query(`SELECT pruned_through AS pruned FROM outbox_stream_watermark`)));
    return Number(row.pruned);
  }
}
