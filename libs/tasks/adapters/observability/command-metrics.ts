import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type Metrics, type ScrapeReadOptions, readUpGauge, scrapeRead } from '@ln/kernel/adapters/observability/metrics';
import type { CommandQueueStats } from '../../application/queued-writes/ports/command-queue-stats.port';

/** The queued write path's metrics, on the process's registry (served with the rest at `/metrics`). */
export class CommandMetrics {
  readonly registry: Registry;
  readonly commandBatchSize: Histogram;
  readonly commandBatchSeconds: Histogram;
  readonly commandBatchPhaseSeconds: Histogram<'phase'>;
  readonly commands: Counter<'outcome'>;
  readonly commandsGivenBack: Counter;
  readonly commandPersistenceLag: Histogram;

  constructor(metrics: Metrics) {
    const registry = (this.registry = metrics.registry);
    this.commandBatchSize = new Histogram({
      name: 'ln_command_batch_size',
      help: 'Commands per batch the worker applied',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    });
    this.commandBatchSeconds = new Histogram({
      name: 'ln_command_batch_commit_seconds',
      help: 'Time to apply and commit one batch of commands',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.commandBatchPhaseSeconds = new Histogram({
      name: 'ln_command_batch_phase_seconds',
      help: 'Time one batch of commands spent in each phase (read, decide, write, record, commit, settle, ack; apply for a batch applied one command at a time)',
      labelNames: ['phase'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.commands = new Counter({
      name: 'ln_commands_total',
      help: 'Queued commands decided by the worker, by outcome (applied, rejected, duplicate)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.commandsGivenBack = new Counter({
      name: 'ln_commands_given_back_total',
      help: 'Commands given back to the broker after a fault (they are dead-lettered past the delivery limit)',
      registers: [registry],
    });
    this.commandPersistenceLag = new Histogram({
      name: 'ln_command_persistence_lag_seconds',
      help: 'From the api accepting a queued command (its issuedAt) to the commit of the batch that applied or rejected it',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
  }

  /**
   * `ln_command_queue_depth{partition}` and `ln_command_dead_letters`, counted by the broker when
   * Prometheus scrapes. One count serves both gauges and any scrape within `cacheMs` of it; a count
   * that fails or takes longer than `timeoutMs` reports **nothing** for both (the series are absent
   * from that scrape, never a stale or made-up number) and `ln_command_queue_stats_up` 0.
   */
  watchCommandQueue(stats: CommandQueueStats, options: ScrapeReadOptions = {}): void {
    const read = scrapeRead((timeoutMs) => stats.depths(timeoutMs), options);
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
    readUpGauge(
      this.registry,
      'ln_command_queue_stats_up',
      '1 when the broker answered the last count of the command queues in time, else 0 (and the depth series are absent)',
      read,
    );
  }
}
