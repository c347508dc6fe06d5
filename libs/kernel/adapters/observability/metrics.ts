import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
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
