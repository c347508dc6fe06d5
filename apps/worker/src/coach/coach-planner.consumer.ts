import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { COACH_SETTINGS, type CoachSettings } from '@ln/coach/application/request-plan/request-plan.service';
import { ProposePlan } from '@ln/coach/application/propose-plan/propose-plan.service';
import { CoachEventTypes, type PlanRequestedV1 } from '@ln/coach/contracts/coach-events.contract';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { EVENT_INBOX, type EventInbox, oncePerEvent } from '@ln/kernel/application/ports/event-inbox.port';
import { EVENT_TRANSPORT, type EventTransport, type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { TaskEventTypes, type TaskPostponedV1 } from '@ln/tasks/contracts/task-events.contract';

/** The consumer name: its queue on the event transport and its key space in the event inbox. */
export const COACH_CONSUMER = 'coach.plans';

const TYPES = [TaskEventTypes.Failed, TaskEventTypes.Postponed, CoachEventTypes.PlanRequested] as const;

/**
 * The coach's stage of the worker's pipeline: a failure, a task's Nth postponement or a user's
 * request becomes a proposed plan, once per event (the event inbox), on its own queue (a slow
 * planner delays no write and no other stage). Time from the event's commit to the stored plan
 * is `ln_coach_plan_ready_seconds`.
 */
@Injectable()
export class CoachPlannerConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Coach');
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    @Inject(COACH_SETTINGS) private readonly settings: CoachSettings,
    private readonly planner: ProposePlan,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.transport.subscribe(
      COACH_CONSUMER,
      TYPES,
      oncePerEvent(this.inbox, COACH_CONSUMER, (event) => this.handle(event)),
    );
    this.logger.log(`planning on failures, on the ${this.settings.postponementsBeforePlan}th postponement and on request`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  private async handle(event: DomainEvent): Promise<void> {
    let plan;
    if (event.type === TaskEventTypes.Failed) {
      plan = await this.planner.propose(event.userId, event.aggregateId, 'failed');
    } else if (event.type === TaskEventTypes.Postponed) {
      if ((event.payload as unknown as TaskPostponedV1).deferrals !== this.settings.postponementsBeforePlan) return;
      plan = await this.planner.propose(event.userId, event.aggregateId, 'postponed');
    } else {
      const { planId, taskId } = event.payload as unknown as PlanRequestedV1;
      plan = await this.planner.propose(event.userId, taskId, 'requested', planId);
    }
    if (plan) {
      this.metrics.planReady.observe(
        { trigger: plan.state.trigger, planner: plan.state.generatedBy?.startsWith('built-in') ? 'built-in' : 'llm' },
        Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000),
      );
    }
  }
}
