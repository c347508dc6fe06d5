import type { EventInbox } from '../../application/ports/event-inbox.port';
import type { Database } from './database';
import { deleteOlderInChunks } from './chunked-delete';
import { rowsOf } from './rows';

/** `EventInbox` on the `processed_events` table (primary key: consumer, event_id). */
export class TypeOrmEventInbox implements EventInbox {
  constructor(private readonly db: Database) {}

  async processOnce(consumer: string, eventId: string, effect: () => Promise<void>): Promise<boolean> {
    return this.db.transaction(async (m) => {
      // The record goes in first: a concurrent delivery of the same event (two consumers of one
      // queue, a redelivery racing the first attempt) waits on this key until the first commits,
      // then finds it taken and does nothing; if the first rolls back, the second proceeds.
      const inserted = rowsOf<{ event_id: string }>(
        await m.query(
          `INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
          [consumer, eventId],
        ),
      );
      if (inserted.length === 0) return false;
      await effect();
      return true;
    });
  }

  /**
   * Forgets the events processed before `olderThan`, `chunk` rows per statement (through the
   * `processed_at` index, so a pass never holds many row locks at once); how many were deleted.
   * A copy of a forgotten event delivered later would have its effect again: the retention must
   * outlast any redelivery (ADR 10, "Inbox retention").
   */
  async prune(olderThan: Date, chunk = 5000): Promise<number> {
    return deleteOlderInChunks(this.db, { table: 'processed_events', key: ['consumer', 'event_id'], column: 'processed_at' }, olderThan, chunk);
  }

  /** Whether `consumer` has processed `eventId` (for tests and operators). */
  async has(consumer: string, eventId: string): Promise<boolean> {
    const rows = rowsOf<{ n: number }>(
      await this.db.run((m) => m.query(`SELECT 1 AS n FROM processed_events WHERE consumer = $1 AND event_id = $2`, [consumer, eventId])),
    );
    return rows.length > 0;
  }
}
