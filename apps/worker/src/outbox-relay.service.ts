import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_TRANSPORT, type EventTransport } from '@ln/application';
import { OutboxRelay } from '@ln/adapters/messaging';
import { Metrics } from '@ln/adapters/observability';
import { Database } from '@ln/adapters/persistence';

/** Runs the outbox relay for the lifetime of the worker role. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  readonly relay: OutboxRelay;

  constructor(db: Database, @Inject(EVENT_TRANSPORT) transport: EventTransport, metrics: Metrics) {
    this.relay = new OutboxRelay(db, transport, {
      onError: (message) => this.logger.warn(message),
      onRelayed: (count) => metrics.eventsRelayed.inc(count),
    });
    metrics.gauge('ln_outbox_pending_events', 'Committed events not yet published', async () => (await this.relay.backlog()).pending);
    metrics.gauge('ln_outbox_oldest_pending_seconds', 'Age of the oldest unpublished event (relay lag)', async () => (await this.relay.backlog()).oldestSeconds);
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  // Before the connections close (they close in onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
