import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventDeadLetterStats } from '../../application/ports/event-dead-letter-stats.port';

/** Request duration buckets (seconds): 0.8 s is the p95 alert's threshold. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5, 5];

export interface DatabasePoolStats {
  readonly inUse: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

/**
 * The process's Prometheus metrics, on a registry of its own (not prom-client's global one, so
 * several applications in one test process do not collide). Served at `/metrics` by the api and
 * on the worker's metrics port.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'ln_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    // 0.8 s is a bucket edge so the p95 > 800 ms alert counts requests over it exactly.
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  readonly httpInFlight = new Gauge({
    name: 'ln_http_requests_in_flight',
    help: 'HTTP requests received and not yet answered (or abandoned by the client)',
    registers: [this.registry],
  });

  // ---- Read cache, per query (the first segment of the cache key: task, list, insights, ...) ----
  readonly readCacheHits = new Counter({
    name: 'ln_read_cache_hits_total',
    help: 'Cached reads answered without running their own load (from the cache, or joined to a load already running)',
    labelNames: ['query'] as const,
    registers: [this.registry],
  });

  readonly readCacheMisses = new Counter({
    name: 'ln_read_cache_misses_total',
    help: 'Cached reads that ran their load (the database): nothing cached for the current version, or the cache bypassed',
    labelNames: ['query'] as const,
    registers: [this.registry],
  });

  readonly taskFailures = new Counter({
    name: 'ln_task_failures_total',
    help: 'Tasks failed, by the reason the user gave (counted once per committed TaskFailed event, by the worker)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'ln_build_info',
    help: 'Always 1; the labels say what runs: version (package.json), revision (BUILD_REVISION or git), role, Node.js version',
    labelNames: ['version', 'revision', 'role', 'node_version'] as const,
    registers: [this.registry],
  });

  readonly eventsRelayed = new Counter({
    name: 'ln_outbox_events_relayed_total',
    help: 'Outbox events published to the event transport',
    registers: [this.registry],
  });

  // ---- Outbox relay: backlog per partition and relay lag (issue 4) ----
  /** Where the backlog gauges read from at scrape time; the worker's relay sets it. */
  outboxBacklogSource?: () => Promise<readonly { partition: number; pending: number; oldestSeconds: number }[]>;

  readonly outboxPending: Gauge = new Gauge({
    name: 'ln_outbox_pending_events',
    help: 'Committed outbox events not yet published',
    registers: [this.registry],
    // One query feeds all four backlog gauges; this one is registered first, so it runs first.
    collect: async () => {
      try {
        const parts = (await this.outboxBacklogSource?.()) ?? [];
        if (parts.length === 0) return;
        this.outboxPending.set(parts.reduce((n, p) => n + p.pending, 0));
        this.outboxOldestPending.set(parts.reduce((n, p) => Math.max(n, p.oldestSeconds), 0));
        for (const p of parts) {
          this.outboxPartitionPending.set({ partition: String(p.partition) }, p.pending);
          this.outboxPartitionOldestPending.set({ partition: String(p.partition) }, p.oldestSeconds);
        }
      } catch {
        // A scrape must not fail because the database is down; the gauges keep their last values.
      }
    },
  });

  readonly outboxOldestPending: Gauge = new Gauge({
    name: 'ln_outbox_oldest_pending_seconds',
    help: 'Age of the oldest unpublished outbox event (relay lag of what is still waiting)',
    registers: [this.registry],
  });

  readonly outboxPartitionPending: Gauge<'partition'> = new Gauge({
    name: 'ln_outbox_partition_pending_events',
    help: 'Committed outbox events not yet published, by relay partition',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });

  readonly outboxPartitionOldestPending: Gauge<'partition'> = new Gauge({
    name: 'ln_outbox_partition_oldest_pending_seconds',
    help: 'Age of the oldest unpublished outbox event, by relay partition',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });

  readonly outboxRelayLag = new Histogram({
    name: 'ln_outbox_relay_lag_seconds',
    help: 'Per event, from its outbox insert (just before its commit) to the broker confirm of its publish',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  // ---- end of outbox relay metrics ----

  // ---- live streams (ADR 28; the api role) ----
  /** Read from the stream hub at scrape time (set by the live module). */
  liveStreamsSource?: () => number;
  readonly liveStreamsOpen: Gauge = new Gauge({
    name: 'ln_live_streams_open',
    help: 'GET /v1/events streams open on this process',
    registers: [this.registry],
    collect: () => {
      const source = this.liveStreamsSource;
      if (source) this.liveStreamsOpen.set(source());
    },
  });
  readonly liveDeliveryLag = new Histogram({
    name: 'ln_live_delivery_lag_seconds',
    help: 'Per event written to a live stream, from the event (its occurredAt) to the write on the socket',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly liveStreamsEnded = new Counter({
    name: 'ln_live_streams_ended_total',
    help: 'Live streams the server ended, by reason (token_expired, slow_consumer, server_shutdown)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly projectionLag = new Histogram({
    name: 'ln_projection_lag_seconds',
    help: 'Per event a projection consumed, from the event (its commit) to the projection having applied it',
    labelNames: ['consumer'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly planReady = new Histogram({
    name: 'ln_coach_plan_ready_seconds',
    help: 'From the event that asked for a plan (a failure, a third postponement, a request) being committed to the plan being stored',
    labelNames: ['trigger', 'planner'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly planWorded = new Histogram({
    name: 'ln_coach_plan_worded_seconds',
    help: 'From a plan being proposed (built-in wording) to the LLM rewording being stored; outcome llm, fallback or unchanged (decided meanwhile)',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ln_' });
  }

  /** `ln_build_info` for this process (one series). */
  setBuildInfo(info: { version: string; revision: string; role: string }): void {
    this.buildInfo.reset();
    this.buildInfo.set({ version: info.version, revision: info.revision, role: info.role, node_version: process.version }, 1);
  }

  /** Starts every reason's failure series at 0, so a first failure is a visible increase. */
  knowFailureReasons(reasons: readonly string[]): void {
    for (const reason of reasons) this.taskFailures.inc({ reason }, 0);
  }

  /**
   * The database pool's state, read when Prometheus scrapes: connections in use and idle, the
   * pool's maximum, and the units of work waiting for a connection. PGlite has one session behind a
   * FIFO lock: in use is 0 or 1, waiting is what queues for the lock.
   */
  watchDatabasePool(read: () => DatabasePoolStats): void {
    const registry = this.registry;
    const stats = (): DatabasePoolStats | undefined => {
      try {
        return read();
      } catch {
        return undefined;
      }
    };
    const gauge = (name: string, help: string, pick: (s: DatabasePoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const s = stats();
          if (s) this.set(pick(s));
        },
      });
    gauge('ln_db_pool_connections_in_use', 'Database connections running a query or transaction', (s) => s.inUse);
    gauge('ln_db_pool_connections_idle', 'Database connections open and idle in the pool', (s) => s.idle);
    gauge('ln_db_pool_connections_max', 'The most connections the pool opens (DATABASE_POOL_SIZE; 1 for PGlite)', (s) => s.max);
    gauge('ln_db_pool_waiting', 'Units of database work waiting for a connection', (s) => s.waiting);
  }

  /**
   * `ln_event_dead_letters{subscription}`, one series per subscription of this process's event
   * transport, counted by the transport (RabbitMQ, or the in-process one's memory) when Prometheus
   * scrapes; the same rules as the command queue gauges (CommandMetrics.watchCommandQueue): one
   * count per `cacheMs`, and a count that fails or takes over `timeoutMs` reports **no** series (not
   * stale ones) and `ln_event_dead_letter_stats_up` 0. Only the worker (and embedded `all`) watch
   * it: the api opens no subscription.
   */
  watchEventDeadLetters(stats: EventDeadLetterStats, options: ScrapeReadOptions = {}): void {
    const read = scrapeRead((timeoutMs) => stats.deadLetterCounts(timeoutMs), options);
    new Gauge({
      name: 'ln_event_dead_letters',
      help: 'Events dead-lettered by each event subscription of this process (on RabbitMQ: in <EVENT_EXCHANGE_NAME>.<subscription>.dead), waiting for an operator',
      labelNames: ['subscription'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await read();
        this.reset();
        counts?.forEach((count, subscription) => this.set({ subscription }, count));
      },
    });
    readUpGauge(
      this.registry,
      'ln_event_dead_letter_stats_up',
      '1 when the event transport answered the last count of dead-lettered events in time, else 0 (and ln_event_dead_letters is absent)',
      read,
    );
  }

  /** A gauge read when Prometheus scrapes (e.g. the outbox backlog, counted in the database). */
  gauge(name: string, help: string, read: () => Promise<number>): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          this.set(await read());
        } catch {
          // A scrape must not fail because one source is down; the gauge keeps its last value.
        }
      },
    });
  }
}

export interface ScrapeReadOptions {
  /** How long a count may take before the scrape goes on without it. Default 1000. */
  timeoutMs?: number;
  /** How long one count serves later scrapes (and the other gauges of the same scrape). Default 1000. */
  cacheMs?: number;
}

/**
 * A count several gauges share at scrape time: `read(timeoutMs)` runs at most once per `cacheMs`
 * (the gauges of one scrape, and scrapes close together, get the same answer), and its answer is
 * undefined when it fails or takes longer than `timeoutMs` (boundedRead), never a stale value.
 */
export function scrapeRead<T>(read: (timeoutMs: number) => Promise<T>, options: ScrapeReadOptions = {}): () => Promise<T | undefined> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const cacheMs = options.cacheMs ?? 1000;
  let last: { at: number; answer: Promise<T | undefined> } | undefined;
  return () => {
    if (last && Date.now() - last.at < cacheMs) return last.answer;
    const answer = boundedRead(() => read(timeoutMs), timeoutMs);
    last = { at: Date.now(), answer };
    return answer;
  };
}

/** A gauge that says whether the last `read` (a scrapeRead) answered: 1, else 0. */
export function readUpGauge(registry: Registry, name: string, help: string, read: () => Promise<unknown>): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set((await read()) === undefined ? 0 : 1);
    },
  });
}

/** The read's result, or undefined when it fails or does not settle within `timeoutMs`. Never rejects. */
export async function boundedRead<T>(read: () => Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([read().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
