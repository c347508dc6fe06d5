import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { EVENT_INBOX, type EventInbox, oncePerEvent } from '@ln/kernel/application/ports/event-inbox.port';
import { EVENT_TRANSPORT, type EventTransport, type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { PREDICTION_EVENT_TYPES, RecordTaskPredictions } from '@ln/tasks/application/record-predictions/record-predictions.service';

/** The consumer name: its queue on the event transport and its key space in the event inbox. */
export const TASK_PREDICTIONS_CONSUMER = 'tasks.predictions';

/**
 * The task context's stage of the worker's event pipeline: the learning context's published
 * predictions, once each (the event inbox), in order (one active consumer), into the task
 * context's own copy that its reads show. Its lag is a metric.
 */
@Injectable()
export class TaskPredictionsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TaskPredictions');
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly predictions: RecordTaskPredictions,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const lag = this.metrics.projectionLag;
    this.subscription = await this.transport.subscribe(
      TASK_PREDICTIONS_CONSUMER,
      PREDICTION_EVENT_TYPES,
      oncePerEvent(this.inbox, TASK_PREDICTIONS_CONSUMER, async (event) => {
        await this.predictions.record(event);
        lag.observe({ consumer: TASK_PREDICTIONS_CONSUMER }, Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000));
      }),
      { ordered: true },
    );
    this.logger.log('keeping open tasks\' predictions');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
