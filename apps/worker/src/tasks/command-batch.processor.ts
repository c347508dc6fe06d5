import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandMetrics } from '@ln/tasks/adapters/observability/command-metrics';
import { ApplyCommandBatch } from '@ln/tasks/application/queued-writes/apply-command-batch.service';
import { COMMAND_QUEUE, type CommandDelivery, type CommandQueue } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { DependencyUnavailable } from '@ln/kernel/application/application.errors';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';

export const COMMAND_BATCH_OPTIONS = Symbol('CommandBatchOptions');

export interface CommandBatchSettings {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  /** Batches applied side by side (each over its own partitions). */
  readonly parallel?: number;
  /** Longest pause between attempts while a dependency is down. */
  readonly maxBackoffMs: number;
}

/**
 * Feeds batches from the command queue to ApplyCommandBatch and decides what a failure means:
 * - a dependency down (PostgreSQL): hold the batch, unacknowledged, and try it again with backoff.
 *   Nothing is given back to the broker, so an outage never uses up a good command's delivery limit;
 * - any other fault: the batch was rolled back whole, so each command is tried alone to find the
 *   one at fault; the good ones apply (once: the inbox), the faulty one is given back and after the
 *   broker's delivery limit goes to the dead-letter queue. Never lost, never retried forever.
 */
@Injectable()
export class CommandBatchProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Commands');
  private subscription: Subscription | undefined;
  private stopping = false;

  constructor(
    private readonly applier: ApplyCommandBatch,
    @Inject(COMMAND_QUEUE) private readonly queue: CommandQueue,
    @Inject(COMMAND_BATCH_OPTIONS) private readonly settings: CommandBatchSettings,
    @Optional() private readonly metrics?: CommandMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.queue.consume((batch) => this.process(batch), this.settings);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
  }

  /**
   * Persistence lag (the api's issuedAt -> this batch's commit) of each command the batch applied
   * or rejected. A duplicate (already in the inbox) was committed before and is not observed; the
   * applier only says how many there were, so in a batch with duplicates only first deliveries
   * (which cannot normally be duplicates) are observed.
   */
  private observeLag(batch: readonly CommandDelivery[], duplicates: number): void {
    const lag = this.metrics?.commandPersistenceLag;
    if (!lag) return;
    const committedAt = Date.now();
    for (const delivery of batch) {
      if (duplicates > 0 && delivery.deliveryCount > 1) continue;
      const issuedAt = Date.parse(delivery.envelope.issuedAt);
      if (Number.isFinite(issuedAt)) lag.observe(Math.max(0, committedAt - issuedAt) / 1000);
    }
  }

  async process(batch: readonly CommandDelivery[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const stop = this.metrics?.commandBatchSeconds.startTimer();
        const phases = this.metrics?.commandBatchPhaseSeconds;
        const counts = await this.applier.apply(batch, phases ? (phase, seconds) => phases.observe({ phase }, seconds) : undefined);
        stop?.();
        this.observeLag(batch, counts.duplicates);
        this.metrics?.commandBatchSize.observe(batch.length);
        this.metrics?.commands.inc({ outcome: 'applied' }, counts.applied);
        this.metrics?.commands.inc({ outcome: 'rejected' }, counts.rejected);
        this.metrics?.commands.inc({ outcome: 'duplicate' }, counts.duplicates);
        return;
      } catch (error) {
        if (error instanceof DependencyUnavailable && !this.stopping) {
          const wait = Math.min(this.settings.maxBackoffMs, 100 * 2 ** attempt);
          if (attempt === 0) this.logger.warn(`holding a batch of ${batch.length}: ${error.message}`);
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        if (error instanceof DependencyUnavailable) throw error; // stopping: the broker redelivers
        if (batch.length === 1) {
          const { commandId, type } = batch[0].envelope;
          this.logger.error(`command ${commandId} (${type}) failed (delivery ${batch[0].deliveryCount}): ${(error as Error).message}`);
          await batch[0].retry();
          this.metrics?.commandsGivenBack.inc();
          return;
        }
        this.logger.warn(`a batch of ${batch.length} failed; applying its commands one by one: ${(error as Error).message}`);
        for (const delivery of batch) await this.process([delivery]);
        return;
      }
    }
  }
}
