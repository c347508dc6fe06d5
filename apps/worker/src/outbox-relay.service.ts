import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_TRANSPORT, type EventTransport } from '@ln/application';
import { OutboxRelay } from '@ln/adapters/messaging';
import { Database } from '@ln/adapters/persistence';

/** Runs the outbox relay for the lifetime of the worker role. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  readonly relay: OutboxRelay;

  constructor(db: Database, @Inject(EVENT_TRANSPORT) transport: EventTransport) {
    this.relay = new OutboxRelay(db, transport, { onError: (message) => this.logger.warn(message) });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  // Before the connections close (they close in onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
