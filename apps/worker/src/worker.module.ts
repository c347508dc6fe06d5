import { Module } from '@nestjs/common';
import { ApplicationModule } from '@ln/application';
import { APP_CONFIG } from '@ln/adapters/infrastructure';
import type { AppConfig } from '@ln/config';
import { COMMAND_BATCH_OPTIONS, CommandBatchProcessor, type CommandBatchSettings } from './commands/command-batch.processor';
import { OutboxRelayService } from './outbox-relay.service';

/**
 * The worker role: the event pipeline. It applies queued commands in batches and relays the
 * outbox to the event transport; the learning stages join it with their issues. It serves no
 * public HTTP, only health on the metrics port.
 */
@Module({
  imports: [ApplicationModule],
  providers: [
    OutboxRelayService,
    CommandBatchProcessor,
    {
      provide: COMMAND_BATCH_OPTIONS,
      useFactory: (config: AppConfig): CommandBatchSettings => ({
        maxBatch: config.commands.batchSize,
        maxWaitMs: config.commands.batchWaitMs,
        maxBackoffMs: 5_000,
      }),
      inject: [APP_CONFIG],
    },
  ],
})
export class WorkerModule {}
