import { randomUUID } from 'node:crypto';
import type { EventTransport } from '../../application/ports/event-transport.port';
import type { DomainEvent } from '../../domain/domain-event.base';
import type { Database } from '../persistence/database';
import { type NotificationListener, listenForNotifications } from '../persistence/notifications';
import { OUTBOX_CHANNEL, STREAM_CHANNEL } from '../persistence/outbox.writer';
import { rowsOf } from '../persistence/rows';

export interface OutboxRelayOptions {
  /**
   * K: rows are split by owner into K partitions (`partitionOf(userId, K)`), each published in
   * order by at most one relay at a time. Every relay sharing a database must use the same K.
   * Default 1.
   */
  readonly partitions?: number;
  readonly batchSize?: number;
  /** Polling fallback: how long a partition waits for a NOTIFY before it looks anyway. Default 1000. */
  readonly idleMs?: number;
  /** Sleep after a failed publish before the same rows are tried again. */
  readonly backoffMs?: number;
  /** Wake on LISTEN/NOTIFY (default true); false leaves only the polling. */
  readonly listen?: boolean;
  /** Recorded on the partition row it publishes, for operators. Default a random id. */
  readonly name?: string;
  readonly onError?: (message: string) => void;
  /** Told how many events each successful batch published. */
  readonly onRelayed?: (count: number) => void;
  /** Per published event: seconds from its outbox insert to the broker's confirm. */
  readonly onLag?: (seconds: number) => void;
}

export interface PartitionBacklog {
  readonly partition: number;
  readonly pending: number;
  /** Age of the oldest unpublished row (0 when none). */
  readonly oldestSeconds: number;
}

interface Lane {
  readonly partition: number;
  /** Set by a NOTIFY (or a full batch): run another pass before sleeping. */
  dirty: boolean;
  wake?: () => void;
}

/**
 * Publishes committed outbox rows to the event transport, partition by partition, and marks them
 * sent only after the transport confirmed them (see ADR 0010).
 *
 * - A pass over partition p runs in one transaction that first claims p's row in
 *   `outbox_relay_partitions` with FOR UPDATE SKIP LOCKED: while one relay holds it, every other
 *   relay skips p, so a partition is never published by two relays at once; a relay that dies
 *   (process or connection) loses the claim with its transaction, and the next relay to look
 *   takes p over.
 * - Inside the claim the oldest unsent rows of p are read in `position` order and published in
 *   that order. The selection is `published_at IS NULL`, never a position watermark, so a row
 *   whose transaction commits after later positions were published is still found.
 * - A pass first stamps p's new rows with their event-log seq (ADR 28) in a short transaction of
 *   its own, under the same claim, and announces their owners on `ln_stream` when it commits;
 *   then it publishes the stamped rows. So a live stream waits for one short transaction, not for
 *   the broker's confirm, and only stamped rows are published.
 * - Each partition is woken by the NOTIFY its writers' transactions send at commit, with polling
 *   every `idleMs` as the fallback.
 */
export class OutboxRelay {
  private running = false;
  private loops: Promise<void>[] = [];
  private listener: NotificationListener | undefined;
  private readyPromise: Promise<void> | undefined;
  private readonly partitions: number;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly backoffMs: number;
  private readonly name: string;
  private readonly lanes: Lane[];

  constructor(
    private readonly db: Database,
    private readonly transport: EventTransport,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.partitions = options.partitions ?? 1;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) throw new Error(`partitions must be a positive integer, got ${this.partitions}`);
    this.batchSize = options.batchSize ?? 100;
    this.idleMs = options.idleMs ?? 1000;
    this.backoffMs = options.backoffMs ?? 1000;
    this.name = options.name ?? `relay-${randomUUID()}`;
    this.lanes = Array.from({ length: this.partitions }, (_, partition) => ({ partition, dirty: true }));
  }

  /** Starts listening and one loop per partition; `ready()` tells when both are under way. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const initialPasses: Promise<void>[] = [];
    this.readyPromise = (async () => {
      await this.ensurePartitionRows().catch((e: Error) => this.options.onError?.(`outbox relay: ${e.message}`));
      if (this.options.listen !== false) {
        this.listener = await listenForNotifications(this.db, OUTBOX_CHANNEL, (payload) => this.onNotify(payload), {
          onError: (message) => this.options.onError?.(`outbox relay: ${message}`),
          // Whatever was announced while nobody listened is found by a pass over every partition.
          onListening: () => this.wakeAll(),
        }).catch((e: Error) => {
          this.options.onError?.(`outbox relay: not listening (${e.message}); polling only`);
          return undefined;
        });
      }
      if (!this.running) return;
      for (const lane of this.lanes) {
        let firstPass!: () => void;
        initialPasses.push(new Promise<void>((resolve) => (firstPass = resolve)));
        this.loops.push(this.run(lane, firstPass));
      }
      await Promise.all(initialPasses);
    })();
  }

  /**
   * Resolves once the relay listens for NOTIFY and has made one pass over each partition: from
   * then on a committed row is published on its notification, not by a later poll.
   */
  async ready(): Promise<void> {
    await this.readyPromise;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.readyPromise;
    this.wakeAll();
    await Promise.all(this.loops);
    this.loops = [];
    await this.listener?.close();
    this.listener = undefined;
  }

  /** One pass over every partition; returns how many events were sent. */
  async relayOnce(): Promise<number> {
    await this.ensurePartitionRows();
    let sent = 0;
    for (const lane of this.lanes) sent += (await this.relayPartition(lane.partition)).sent;
    return sent;
  }

  /**
   * Stamps, then publishes, up to one batch of partition `partition`: how many rows it stamped
   * and how many it published (0 and 0 when another relay holds the partition right now).
   */
  async relayPartition(partition: number): Promise<{ stamped: number; sent: number }> {
    const stamped = await this.stampPartition(partition);
    return { stamped, sent: await this.publishPartition(partition) };
  }

  /**
   * Gives up to one batch of the partition's new rows their event-log seq (ADR 28), in position
   * order, and wakes their owners' live streams (`ln_stream`) when it commits. Under the partition
   * claim, so one relay at a time stamps a partition and a user's seqs become visible in order.
   */
  private async stampPartition(partition: number): Promise<number> {
    return this.db.transaction(async (m) => {
      const claimed = rowsOf<{ partition: number }>(
        await m.query(`SELECT partition FROM outbox_relay_partitions WHERE partition = $1 FOR UPDATE SKIP LOCKED`, [partition]),
      );
      if (claimed.length === 0) return 0;
      // The numbers come from a materialized CTE over the rows sorted by position, so nextval runs
      // once per row, in that order, whatever plan the update gets. One NOTIFY per owner.
      const [row] = rowsOf<{ stamped: string | number }>(
        await m.query(
          `WITH todo AS MATERIALIZED (
             SELECT position FROM outbox
              WHERE published_at IS NULL AND stream_seq IS NULL AND partition_key % $2 = $3
              ORDER BY position LIMIT $1 FOR UPDATE),
           stamps AS MATERIALIZED (
             SELECT position, nextval('outbox_stream_seq') AS seq FROM (SELECT position FROM todo ORDER BY position) AS ordered),
           stamped AS (
             UPDATE outbox o SET stream_seq = s.seq FROM stamps s WHERE o.position = s.position RETURNING o.user_id)
           SELECT (SELECT count(*) FROM stamped) AS stamped,
                  (SELECT count(pg_notify($4, u::text)) FROM (SELECT DISTINCT user_id AS u FROM stamped) AS owners) AS notified`,
          [this.batchSize, this.partitions, partition, STREAM_CHANNEL],
        ),
      );
      return Number(row.stamped);
    });
  }

  /** Publishes up to one batch of the partition's stamped, unsent rows, in position order. */
  private async publishPartition(partition: number): Promise<number> {
    return this.db.transaction(async (m) => {
      const claimed = rowsOf<{ partition: number }>(
        await m.query(`SELECT partition FROM outbox_relay_partitions WHERE partition = $1 FOR UPDATE SKIP LOCKED`, [partition]),
      );
      if (claimed.length === 0) return 0;
      // No SKIP LOCKED here: only the holder of the partition claim locks these rows, and waiting
      // (rather than skipping a row someone else holds) is what keeps the partition in order.
      const rows = rowsOf<{ position: string; event: DomainEvent }>(
        await m.query(
          `SELECT position, event FROM outbox
            WHERE published_at IS NULL AND stream_seq IS NOT NULL AND partition_key % $2 = $3
            ORDER BY position LIMIT $1 FOR UPDATE`,
          [this.batchSize, this.partitions, partition],
        ),
      );
      if (rows.length === 0) return 0;
      await this.transport.publish(rows.map((r) => r.event));
      const lags = rowsOf<{ lag: string | number }>(
        await m.query(
          `UPDATE outbox SET published_at = clock_timestamp(), attempts = attempts + 1
            WHERE position = ANY($1::bigint[])
            RETURNING extract(epoch FROM published_at - created_at) AS lag`,
          [rows.map((r) => r.position)],
        ),
      );
      await m.query(`UPDATE outbox_relay_partitions SET last_relayed_at = clock_timestamp(), last_relayed_by = $2 WHERE partition = $1`, [
        partition,
        this.name,
      ]);
      if (this.options.onLag) for (const { lag } of lags) this.options.onLag(Math.max(0, Number(lag)));
      return rows.length;
    });
  }

  /** Rows still to publish, and how long the oldest of them has waited (seconds). */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    const parts = await this.backlogByPartition();
    return {
      pending: parts.reduce((n, p) => n + p.pending, 0),
      oldestSeconds: parts.reduce((n, p) => Math.max(n, p.oldestSeconds), 0),
    };
  }

  /** The backlog of each of the K partitions (zeros included). */
  async backlogByPartition(): Promise<PartitionBacklog[]> {
    const rows = rowsOf<{ partition: number; pending: string | number; oldest: string | number | null }>(
      await this.db.run((m) =>
        m.query(
          `SELECT (partition_key % $1)::int AS partition, count(*) AS pending,
                  extract(epoch FROM clock_timestamp() - min(created_at)) AS oldest
             FROM outbox WHERE published_at IS NULL GROUP BY 1`,
          [this.partitions],
        ),
      ),
    );
    const byPartition = new Map(rows.map((r) => [Number(r.partition), r]));
    return this.lanes.map(({ partition }) => {
      const row = byPartition.get(partition);
      return { partition, pending: Number(row?.pending ?? 0), oldestSeconds: Math.max(0, Number(row?.oldest ?? 0)) };
    });
  }

  private async ensurePartitionRows(): Promise<void> {
    await this.db.run((m) =>
      m.query(`INSERT INTO outbox_relay_partitions (partition) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`, [this.partitions]),
    );
  }

  private onNotify(payload: string): void {
    const key = Number(payload);
    if (!Number.isSafeInteger(key) || key < 0) {
      this.wakeAll();
      return;
    }
    this.wakeLane(this.lanes[key % this.partitions]);
  }

  private wakeAll(): void {
    for (const lane of this.lanes) this.wakeLane(lane);
  }

  private wakeLane(lane: Lane): void {
    lane.dirty = true;
    lane.wake?.();
  }

  private async run(lane: Lane, firstPass: () => void): Promise<void> {
    while (this.running) {
      let pause = this.idleMs;
      let backingOff = false;
      // Cleared before the pass: a NOTIFY that lands during it sets it again, so a row committed
      // after this pass's snapshot is looked for at once instead of at the next poll.
      lane.dirty = false;
      try {
        const { stamped, sent } = await this.relayPartition(lane.partition);
        if (sent > 0) this.options.onRelayed?.(sent);
        if (sent === this.batchSize || stamped === this.batchSize) lane.dirty = true;
      } catch (error) {
        this.options.onError?.(`outbox relay, partition ${lane.partition}: ${(error as Error).message}`);
        pause = this.backoffMs;
        backingOff = true;
        lane.dirty = false;
      }
      firstPass();
      if (lane.dirty || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pause);
        function done(): void {
          clearTimeout(timer);
          lane.wake = undefined;
          resolve();
        }
        // While backing off a NOTIFY is only remembered (the lane is dirty afterwards): a broker
        // that is down must not be retried once per committed write. Stopping still wakes it.
        lane.wake = backingOff ? () => (this.running ? undefined : done()) : done;
      });
    }
  }
}
