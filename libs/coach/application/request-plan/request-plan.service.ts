import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { CoachEventTypes, type PlanRequestedV1 } from '../../contracts/coach-events.contract';
import { Plan, TooManyPlanRequests } from '../../domain/plan.aggregate';
import { planEvent } from '../plan-events';
import { COACH_TASK_SOURCE, type CoachTaskSource } from '../ports/coach-tasks.port';
import { PLAN_REPOSITORY, type PlanRepository } from '../ports/plan.repository.port';
import { TaskToCoachNotFound } from '../read-plans/read-plans.service';

export const COACH_SETTINGS = Symbol('CoachSettings');

export interface CoachSettings {
  /** Plans one user may ask for per hour (each costs a planner run). */
  readonly requestsPerHour: number;
  /** A task postponed this many times gets a plan (once, when it reaches the count). */
  readonly postponementsBeforePlan: number;
}

/**
 * A user asks for a new plan for one of their tasks: the api stores it as pending and publishes
 * `coach.plan-requested.v1` in the same transaction; the worker makes it (planning never runs on
 * the api's request path). Rate-limited per user.
 */
@Injectable()
export class RequestPlan {
  constructor(
    @Inject(PLAN_REPOSITORY) private readonly plans: PlanRepository,
    @Inject(COACH_TASK_SOURCE) private readonly tasks: CoachTaskSource,
    @Inject(COACH_SETTINGS) private readonly settings: CoachSettings,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async request(userId: string, taskId: string): Promise<Plan> {
    if (!(await this.tasks.find(userId, taskId))) throw new TaskToCoachNotFound();
    const now = this.clock.now();
    const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
    if ((await this.plans.requestedSince(userId, hourAgo)) >= this.settings.requestsPerHour) throw new TooManyPlanRequests(600);
    return this.uow.run(async () => {
      const at = now.toISOString();
      const plan = Plan.pending({ id: this.ids.next(), userId, taskId, trigger: 'requested', at });
      const payload: PlanRequestedV1 = { planId: plan.state.id, taskId };
      await this.plans.save(plan, [planEvent(plan, CoachEventTypes.PlanRequested, payload, this.ids.next(), at)]);
      return plan;
    });
  }
}
