import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandQueueDepths, CommandQueueStats } from '@ln/application';

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

  readonly commandBatchSize = new Histogram({
    name: 'ln_command_batch_size',
    help: 'Commands per batch the worker applied',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly commandBatchSeconds = new Histogram({
    name: 'ln_command_batch_commit_seconds',
    help: 'Time to apply and commit one batch of commands',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'ln_commands_total',
    help: 'Queued commands decided by the worker, by outcome (applied, rejected, duplicate)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly commandsGivenBack = new Counter({
    name: 'ln_commands_given_back_total',
    help: 'Commands given back to the broker after a fault (they are dead-lettered past the delivery limit)',
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

  // ---- Command queue: depth, dead letters, persistence lag ----

  readonly commandPersistenceLag = new Histogram({
    name: 'ln_command_persistence_lag_seconds',
    help: "From the api accepting a queued command (its issuedAt) to the commit of the batch that applied or rejected it",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  /**
   * `ln_command_queue_depth{partition}` and `ln_command_dead_letters`, counted by the broker when
   * Prometheus scrapes. One count serves both gauges and any scrape within `cacheMs` of it; a count
   * that fails or takes longer than `timeoutMs` reports **nothing** for both (the series are absent
   * from that scrape, never a stale or made-up number) and `ln_command_queue_stats_up` 0.
   */
  watchCommandQueue(stats: CommandQueueStats, options: { timeoutMs?: number; cacheMs?: number } = {}): void {
    const timeoutMs = options.timeoutMs ?? 1000;
    const cacheMs = options.cacheMs ?? 1000;
    let last: { at: number; depths: Promise<CommandQueueDepths | undefined> } | undefined;
    const read = (): Promise<CommandQueueDepths | undefined> => {
      if (last && Date.now() - last.at < cacheMs) return last.depths;
      const depths = boundedRead(() => stats.depths(timeoutMs), timeoutMs);
      last = { at: Date.now(), depths };
      return depths;
    };
    new Gauge({
      name: 'ln_command_queue_depth',
      help: 'Commands ready in each command partition queue (published, not yet delivered to a worker)',
      labelNames: ['partition'] as const,
      registers: [this.registry],
      async collect() {
        const depths = await read();
        this.reset();
        depths?.partitions.forEach((count, partition) => this.set({ partition: String(partition) }, count));
      },
    });
    new Gauge({
      name: 'ln_command_dead_letters',
      help: 'Commands in the dead-letter queue, waiting for an operator (npm run dead-letters)',
      registers: [this.registry],
      async collect() {
        const depths = await read();
        if (depths) this.set(depths.deadLetters);
        else this.remove({});
      },
    });
    new Gauge({
      name: 'ln_command_queue_stats_up',
      help: '1 when the broker answered the last count of the command queues in time, else 0 (and the depth series are absent)',
      registers: [this.registry],
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
  }
}

/** The read's result, or undefined when it fails or does not settle within `timeoutMs`. Never rejects. */
async function boundedRead<T>(read: () => Promise<T>, timeoutMs: number): Promise<T | undefined> {
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
