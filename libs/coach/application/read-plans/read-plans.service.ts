import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { type Plan, PlanNotFound } from '../../domain/plan.aggregate';
import { COACH_TASK_SOURCE, type CoachTaskSource } from '../ports/coach-tasks.port';
import { PLAN_REPOSITORY, type PlanRepository } from '../ports/plan.repository.port';

/** The task named is not one of the caller's (or does not exist). */
export class TaskToCoachNotFound extends DomainError {
  readonly kind = 'not_found' as const;
  readonly code = 'task_not_found';
  constructor() {
    super('no such task');
  }
}

/** The most plans one task's listing returns (newest first). */
export const PLANS_PER_TASK = 20;

/** Reads of a user's plans (the api's only part in planning). */
@Injectable()
export class ReadPlans {
  constructor(
    @Inject(PLAN_REPOSITORY) private readonly plans: PlanRepository,
    @Inject(COACH_TASK_SOURCE) private readonly tasks: CoachTaskSource,
  ) {}

  async get(userId: string, planId: string): Promise<Plan> {
    const plan = await this.plans.get(userId, planId);
    if (!plan) throw new PlanNotFound();
    return plan;
  }

  async forTask(userId: string, taskId: string): Promise<Plan[]> {
    const plans = await this.plans.forTask(userId, taskId, PLANS_PER_TASK);
    // A deleted task keeps its plans readable; a task never the caller's is a 404.
    if (plans.length === 0 && !(await this.tasks.find(userId, taskId))) throw new TaskToCoachNotFound();
    return plans;
  }
}
