import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_TRANSPORT, type EventTransport } from '@ln/kernel/application/ports/event-transport.port';
import { APP_CONFIG } from '@ln/kernel/kernel.module';
import { OutboxRelay } from '@ln/kernel/adapters/messaging/outbox-relay';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { Database } from '@ln/kernel/adapters/persistence/database';
import type { AppConfig } from '@ln/config/config';

/**
 * Runs the outbox relay for the lifetime of the worker role, in both modes: PostgreSQL to
 * RabbitMQ, or (embedded) PGlite to the in-process transport, from the same outbox table. Every
 * worker runs one; they share the partitions (ADR 0010).
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  readonly relay: OutboxRelay;

  constructor(db: Database, @Inject(EVENT_TRANSPORT) transport: EventTransport, metrics: Metrics, @Inject(APP_CONFIG) config: AppConfig) {
    this.relay = new OutboxRelay(db, transport, {
      // The command queue's K: one partitioning of users for commands and events.
      partitions: config.commands.partitions,
      idleMs: 1000,
      onError: (message) => this.logger.warn(message),
      onRelayed: (count) => metrics.eventsRelayed.inc(count),
      onLag: (seconds) => metrics.outboxRelayLag.observe(seconds),
    });
    metrics.outboxBacklogSource = () => this.relay.backlogByPartition();
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  // Before the connections close (they close in onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
