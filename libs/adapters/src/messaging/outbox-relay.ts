import type { EventTransport } from '@ln/application';
import type { DomainEvent } from '@ln/domain';
import type { Database } from '../persistence/database';
import { rowsOf } from '../persistence/task-rows';

export interface OutboxRelayOptions {
  readonly batchSize?: number;
  /** Sleep between polls when the outbox is empty. */
  readonly idleMs?: number;
  /** Sleep after a failed publish before the same rows are tried again. */
  readonly backoffMs?: number;
  readonly onError?: (message: string) => void;
  /** Told how many events each successful batch published. */
  readonly onRelayed?: (count: number) => void;
}

/**
 * Publishes committed outbox rows to the event transport and marks them sent only after the
 * transport confirmed them. Rows are claimed with FOR UPDATE SKIP LOCKED, so several relays can
 * run; selecting on `published_at IS NULL` (not a position watermark) means a row whose
 * transaction commits late is still picked up. This is the first relay: LISTEN/NOTIFY wake-ups,
 * per-user partitions and relay metrics come with the queued-write work.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly backoffMs: number;

  constructor(
    private readonly db: Database,
    private readonly transport: EventTransport,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.idleMs = options.idleMs ?? 250;
    this.backoffMs = options.backoffMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Publishes one batch; returns how many events were sent. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (m) => {
      const rows = rowsOf<{ position: string; event: DomainEvent }>(
        await m.query(
          `SELECT position, event FROM outbox WHERE published_at IS NULL
            ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [this.batchSize],
        ),
      );
      if (rows.length === 0) return 0;
      await this.transport.publish(rows.map((r) => r.event));
      await m.query(`UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE position = ANY($1::bigint[])`, [
        rows.map((r) => r.position),
      ]);
      return rows.length;
    });
  }

  /** Rows still to publish, and how long the oldest of them has waited (seconds). */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    const [row] = rowsOf<{ pending: string | number; oldest: string | number | null }>(
      await this.db.run((m) =>
        m.query(`SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at)) AS oldest FROM outbox WHERE published_at IS NULL`),
      ),
    );
    return { pending: Number(row?.pending ?? 0), oldestSeconds: Number(row?.oldest ?? 0) };
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = 0;
      try {
        const sent = await this.relayOnce();
        if (sent === 0) pause = this.idleMs;
        else this.options.onRelayed?.(sent);
      } catch (error) {
        this.options.onError?.(`outbox relay: ${(error as Error).message}`);
        pause = this.backoffMs;
      }
      if (pause > 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
