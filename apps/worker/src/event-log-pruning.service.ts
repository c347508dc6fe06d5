import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '@ln/config/config';
import { OutboxPruner } from '@ln/kernel/adapters/persistence/outbox-pruner';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { TypeOrmEventInbox } from '@ln/kernel/adapters/persistence/typeorm-event-inbox.adapter';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { APP_CONFIG } from '@ln/kernel/kernel.module';
import { TypeOrmCommandInbox } from '@ln/tasks/adapters/persistence/typeorm-command-inbox.adapter';

/**
 * Keeps the event log (the outbox) to its window (EVENT_LOG_WINDOW_SECONDS): every
 * EVENT_LOG_PRUNE_INTERVAL_SECONDS the worker deletes published rows older than it and raises the
 * watermark a resume is checked against (ADR 28). Several workers may prune at once: deletes by
 * the same rule and a `greatest` watermark make that harmless. In the same pass the event
 * consumers' inbox (`processed_events`) forgets what was processed more than
 * EVENT_INBOX_RETENTION_SECONDS ago (ADR 10, "Inbox retention"), and the command inbox
 * (`processed_commands`) what was decided more than COMMAND_INBOX_RETENTION_SECONDS ago (ADR 9,
 * "Inbox retention"). Each step fails on its own: a failure is logged and the next one runs.
 */
@Injectable()
export class EventLogPruningService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventLogPruning');
  readonly pruner: OutboxPruner;
  readonly inbox: TypeOrmEventInbox;
  readonly commands: TypeOrmCommandInbox;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.pruner = new OutboxPruner(db);
    this.inbox = new TypeOrmEventInbox(db);
    this.commands = new TypeOrmCommandInbox(db);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pruneOnce(), this.config.live.pruneIntervalSeconds * 1000);
    this.timer.unref();
  }

  async pruneOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      const now = this.clock.now().getTime();
      const ago = (seconds: number) => new Date(now - seconds * 1000);
      await this.step('the event log', async () => {
        const { deleted, prunedThrough } = await this.pruner.prune(ago(this.config.live.windowSeconds));
        if (deleted > 0) this.logger.log(`pruned ${deleted} events; the log now starts after ${prunedThrough}`);
      });
      await this.step('the event inbox', async () => {
        const forgotten = await this.inbox.prune(ago(this.config.live.inboxRetentionSeconds));
        if (forgotten > 0) this.logger.log(`forgot ${forgotten} processed events older than the inbox retention`);
      });
      await this.step('the command inbox', async () => {
        const forgotten = await this.commands.prune(ago(this.config.commands.inboxRetentionSeconds));
        if (forgotten > 0) this.logger.log(`forgot ${forgotten} decided commands older than the command inbox retention`);
      });
      this.running = undefined;
    })();
    return this.running;
  }

  /** One step of the pass: a failure is logged, and the next step runs. */
  private async step(what: string, prune: () => Promise<void>): Promise<void> {
    try {
      await prune();
    } catch (error) {
      this.logger.warn(`pruning ${what} failed: ${(error as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
