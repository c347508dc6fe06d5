import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '@ln/config/config';
import { RewordPlan } from '@ln/coach/application/reword-plan/reword-plan.service';
import { CoachEventTypes, type PlanProposedV1 } from '@ln/coach/contracts/coach-events.contract';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { EVENT_TRANSPORT, type EventTransport, type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { APP_CONFIG } from '@ln/kernel/kernel.module';

/** The consumer name: its queue on the event transport and its key space in the event inbox. */
export const COACH_WORDING_CONSUMER = 'coach.wording';

/**
 * The LLM's stage, apart from the planner's (#11: a slow or down LLM never delays another user's
 * plan): `coach.plans` proposes every plan with the built-in wording at once; this consumer, on
 * its own queue and only when an LLM is configured, asks it to reword each proposed plan. Time
 * from the proposal to the stored wording is `ln_coach_plan_worded_seconds`.
 */
@Injectable()
export class CoachWordingConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Coach');
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rewording: RewordPlan,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.coach.llm) return;
    // Not through the event inbox: it runs the handler inside a transaction, which would hold a
    // connection (embedded mode's only one) open across the LLM call. The handler is idempotent by
    // the plan's state instead: a plan already reworded (or decided) is left alone.
    this.subscription = await this.transport.subscribe(COACH_WORDING_CONSUMER, [CoachEventTypes.PlanProposed], (event) => this.handle(event));
    this.logger.log('rewording proposed plans with the LLM, on their own queue');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  private async handle(event: DomainEvent): Promise<void> {
    const { planId } = event.payload as unknown as PlanProposedV1;
    const plan = await this.rewording.reword(event.userId, planId);
    if (plan?.state.generatedBy) {
      const outcome = plan.state.generatedBy.startsWith('llm:') ? 'llm' : plan.state.generatedBy.startsWith('built-in (fallback') ? 'fallback' : 'unchanged';
      this.metrics.planWorded.observe({ outcome }, Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000));
    }
  }
}
