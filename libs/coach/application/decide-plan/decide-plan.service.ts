import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { CoachEventTypes, type PlanAcceptedV1, type PlanRejectedV1 } from '../../contracts/coach-events.contract';
import { type Plan, PlanNotFound } from '../../domain/plan.aggregate';
import { planEvent } from '../plan-events';
import { COACH_TASK_SOURCE, COACH_TASK_WRITES, type CoachTaskSource, type CoachTaskWrites, type CoachedTask } from '../ports/coach-tasks.port';
import { PLAN_REPOSITORY, type PlanRepository } from '../ports/plan.repository.port';

/** Steps nest at most this deep below a top-level task (the task context's rule). */
const MAX_DEPTH = 2;

/**
 * A user's decision on a proposed plan. Accepting creates its steps as tasks (under the failed
 * task, or beside it when it is nested as deep as steps go; `replanOf` names it) through the task
 * context's writes, in the same transaction as the plan's new status: all or nothing, and once
 * (the steps' ids were fixed when the plan was made; accepting again answers the accepted plan).
 */
@Injectable()
export class DecidePlan {
  constructor(
    @Inject(PLAN_REPOSITORY) private readonly plans: PlanRepository,
    @Inject(COACH_TASK_SOURCE) private readonly tasks: CoachTaskSource,
    @Inject(COACH_TASK_WRITES) private readonly writes: CoachTaskWrites,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async accept(userId: string, planId: string): Promise<Plan> {
    return this.uow.run(async () => {
      const plan = await this.load(userId, planId);
      const at = this.clock.now().toISOString();
      if (!plan.accept(at)) return plan;
      const { parentId, tags } = await this.stepsPlace(userId, plan.state.taskId);
      // Steps are the same kind of work as the task: they keep its tags (the plan's chances were scored with them).
      await this.writes.createAll(
        userId,
        plan.state.steps.map((s) => ({ id: s.taskId, title: s.title, scheduledFor: s.scheduledFor, estimateMinutes: s.estimateMinutes, tags, parentId, replanOf: plan.state.taskId })),
      );
      const payload: PlanAcceptedV1 = { planId, taskId: plan.state.taskId, stepTaskIds: plan.state.steps.map((s) => s.taskId), causes: causesOf(plan) };
      await this.plans.save(plan, [planEvent(plan, CoachEventTypes.PlanAccepted, payload, this.ids.next(), at)]);
      return plan;
    });
  }

  async reject(userId: string, planId: string, feedback: string | null): Promise<Plan> {
    return this.uow.run(async () => {
      const plan = await this.load(userId, planId);
      const at = this.clock.now().toISOString();
      if (!plan.reject(at, feedback)) return plan;
      const payload: PlanRejectedV1 = { planId, taskId: plan.state.taskId, feedback, causes: causesOf(plan) };
      await this.plans.save(plan, [planEvent(plan, CoachEventTypes.PlanRejected, payload, this.ids.next(), at)]);
      return plan;
    });
  }

  private async load(userId: string, planId: string): Promise<Plan> {
    const plan = await this.plans.get(userId, planId);
    if (!plan) throw new PlanNotFound();
    return plan;
  }

  /** Where the steps go (under the failed task, unless it is nested as deep as steps go: then beside it), and the tags they keep. */
  private async stepsPlace(userId: string, taskId: string): Promise<{ parentId: string | null; tags: readonly string[] }> {
    const task = await this.tasks.find(userId, taskId);
    return { parentId: await this.stepsParent(userId, taskId, task), tags: task?.tags ?? [] };
  }

  private async stepsParent(userId: string, taskId: string, task: CoachedTask | null): Promise<string | null> {
    let depth = 0;
    let cursor = task;
    const parentOf = cursor?.parentId ?? null;
    while (cursor?.parentId && depth < MAX_DEPTH) {
      depth += 1;
      cursor = await this.tasks.find(userId, cursor.parentId);
    }
    return depth < MAX_DEPTH ? taskId : parentOf;
  }
}

/** The kinds of a plan's diagnosis, most likely first: what the learning context counts decisions by. */
function causesOf(plan: Plan): string[] {
  return plan.state.diagnosis.map((c) => c.kind);
}
