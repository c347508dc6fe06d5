import { Module } from '@nestjs/common';
import { CoachModule } from '@ln/coach/coach.module';
import { LearningModule } from '@ln/learning/learning.module';
import { CoachPlannerConsumer } from './coach/coach-planner.consumer';
import { CoachWordingConsumer } from './coach/coach-wording.consumer';
import { TasksModule } from '@ln/tasks/tasks.module';
import { LearningProjectionService } from './learning/learning-projection.service';
import { PlanFeedbackConsumer } from './learning/plan-feedback.consumer';
import { APP_CONFIG } from '@ln/kernel/kernel.module';
import type { AppConfig } from '@ln/config/config';
import { EventDeadLetterGauges } from './event-dead-letter-gauges';
import { COMMAND_BATCH_OPTIONS, CommandBatchProcessor, type CommandBatchSettings } from './tasks/command-batch.processor';
import { OutboxRelayService } from './outbox-relay.service';
import { EventLogPruningService } from './event-log-pruning.service';
import { TaskPredictionsConsumer } from './tasks/task-predictions.consumer';

/**
 * The worker role: the event pipeline. It applies queued commands in batches and relays the
 * outbox to the event transport; it projects task events into the learning context's history,
 * and the learning context's predictions into the task context's reads; it counts the events its
 * subscriptions dead-lettered. It serves no public HTTP, only health and metrics on the metrics port.
 */
@Module({
  imports: [TasksModule, LearningModule, CoachModule],
  providers: [
    OutboxRelayService,
    EventLogPruningService,
    LearningProjectionService,
    PlanFeedbackConsumer,
    TaskPredictionsConsumer,
    CoachPlannerConsumer,
    CoachWordingConsumer,
    CommandBatchProcessor,
    EventDeadLetterGauges,
    {
      provide: COMMAND_BATCH_OPTIONS,
      useFactory: (config: AppConfig): CommandBatchSettings => ({
        maxBatch: config.commands.batchSize,
        maxWaitMs: config.commands.batchWaitMs,
        parallel: config.commands.parallelBatches,
        maxBackoffMs: 5_000,
      }),
      inject: [APP_CONFIG],
    },
  ],
})
export class WorkerModule {}
