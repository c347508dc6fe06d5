import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_INBOX, type EventInbox, oncePerEvent } from '@ln/kernel/application/ports/event-inbox.port';
import { EVENT_TRANSPORT, type EventTransport, type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { ProjectTaskEvents } from '@ln/learning/application/project-task-events/project-task-events.service';
import { TRACKED_EVENT_TYPES } from '@ln/learning/application/project-task-events/tracked-from-events';
import { TaskEventTypes, type TaskFailedV1 } from '@ln/tasks/contracts/task-events.contract';
import { FAILURE_REASONS } from '@ln/tasks/domain/failure-reason.value-object';

/** The consumer name: its queue on the event transport and its key space in the event inbox. */
export const LEARNING_CONSUMER = 'learning.history';

/**
 * The learning stage of the worker's event pipeline: task events, once each (the event inbox),
 * in order (one active consumer on the queue), into the history projection. Its lag is a metric;
 * it never blocks a write (it runs after the relay, on committed events).
 */
@Injectable()
export class LearningProjectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LearningProjection');
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly projection: ProjectTaskEvents,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const lag = this.metrics.projectionLag;
    // Failures by reason: this stage sees every committed task event once, whichever write path made it.
    const failures = this.metrics.taskFailures;
    this.metrics.knowFailureReasons(FAILURE_REASONS);
    const known = new Set<string>(FAILURE_REASONS);
    this.subscription = await this.transport.subscribe(
      LEARNING_CONSUMER,
      TRACKED_EVENT_TYPES,
      oncePerEvent(this.inbox, LEARNING_CONSUMER, async (event) => {
        await this.projection.project(event);
        if (event.type === TaskEventTypes.Failed) {
          const { reason } = event.payload as unknown as TaskFailedV1;
          failures.inc({ reason: known.has(reason) ? reason : 'other' });
        }
        lag.observe({ consumer: LEARNING_CONSUMER }, Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000));
      }),
      { ordered: true },
    );
    this.logger.log(`projecting ${TRACKED_EVENT_TYPES.length} task event types`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
