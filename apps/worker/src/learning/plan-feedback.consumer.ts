import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CoachEventTypes, type PlanAcceptedV1, type PlanRejectedV1 } from '@ln/coach/contracts/coach-events.contract';
import { EVENT_INBOX, type EventInbox, oncePerEvent } from '@ln/kernel/application/ports/event-inbox.port';
import { EVENT_TRANSPORT, type EventTransport, type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { RecordPlanDecision } from '@ln/learning/application/record-plan-decision/record-plan-decision.service';

/** The consumer name: its queue on the event transport and its key space in the event inbox. */
export const PLAN_FEEDBACK_CONSUMER = 'learning.plan-feedback';

/**
 * The coach's published decisions (a plan accepted or rejected) into the learning context, once
 * each (the event inbox). Counts add up in any order, so the queue is not ordered. The app wires
 * the two contexts; neither imports the other's internals.
 */
@Injectable()
export class PlanFeedbackConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly decisions: RecordPlanDecision,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.transport.subscribe(
      PLAN_FEEDBACK_CONSUMER,
      [CoachEventTypes.PlanAccepted, CoachEventTypes.PlanRejected],
      oncePerEvent(this.inbox, PLAN_FEEDBACK_CONSUMER, async (event) => {
        const payload = event.payload as unknown as PlanAcceptedV1 | PlanRejectedV1;
        await this.decisions.record(event.userId, event.type === CoachEventTypes.PlanAccepted ? 'accepted' : 'rejected', payload.causes);
      }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
