import { Inject, Injectable } from '@nestjs/common';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { CoachEventTypes, type PlanRewordedV1 } from '../../contracts/coach-events.contract';
import type { Plan } from '../../domain/plan.aggregate';
import { taskKindOf } from '../../domain/templates';
import { localDayAndHour } from '../local-time';
import { planEvent } from '../plan-events';
import { COACH_OWNERS, COACH_TASK_SOURCE, type CoachOwners, type CoachTaskSource } from '../ports/coach-tasks.port';
import { PLAN_REPOSITORY, type PlanRepository } from '../ports/plan.repository.port';
import { STEP_WORDING, type StepWording } from '../ports/step-wording.port';
import { chooseTitles } from '../propose-plan/step-titles';

/**
 * Asks the wording source (an LLM, ADR 18) for better titles of a plan the built-in templates
 * proposed, and stores them while the plan is still proposed. Runs from `coach.plan-proposed.v1`
 * on its own queue, after the plan is already readable: a slow or down LLM delays only this, never
 * a plan being proposed. The source may fail: the plan keeps its titles and `generatedBy` says why
 * (`built-in (fallback: timeout)`). A plan decided or superseded while the LLM answered is left as
 * it is. Returns the plan as stored, or null when there was nothing to reword.
 */
@Injectable()
export class RewordPlan {
  constructor(
    @Inject(PLAN_REPOSITORY) private readonly plans: PlanRepository,
    @Inject(COACH_TASK_SOURCE) private readonly tasks: CoachTaskSource,
    @Inject(COACH_OWNERS) private readonly owners: CoachOwners,
    @Inject(STEP_WORDING) private readonly wording: StepWording,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async reword(userId: string, planId: string): Promise<Plan | null> {
    const plan = await this.plans.get(userId, planId);
    if (!plan || plan.state.status !== 'proposed' || plan.state.generatedBy !== 'built-in' || plan.state.steps.length === 0) return null;
    const task = await this.tasks.find(userId, plan.state.taskId);
    if (!task) return null;
    const timezone = (await this.owners.timezoneOf(userId)) ?? 'UTC';
    const { day: today } = localDayAndHour(this.clock.now(), timezone);
    const worded = await chooseTitles(this.wording, {
      userId,
      today,
      task: { title: task.title, estimateMinutes: task.estimateMinutes, tags: task.tags },
      kind: taskKindOf(task.title),
      cause: plan.state.diagnosis[0]?.kind ?? null,
      steps: plan.state.steps.map((s) => ({ estimateMinutes: s.estimateMinutes, builtInTitle: s.title })),
    });
    // The built-in source itself: nothing to store (no LLM is configured).
    if (worded.generatedBy === 'built-in') return null;
    try {
      return await this.uow.run(async () => {
        // Read again: the user may have accepted, rejected or asked anew while the LLM answered.
        const current = await this.plans.get(userId, planId);
        if (!current || current.state.version !== plan.state.version || !current.reword(worded.titles, worded.generatedBy)) return current;
        const at = this.clock.now().toISOString();
        const payload: PlanRewordedV1 = { planId, taskId: current.state.taskId, generatedBy: worded.generatedBy };
        await this.plans.save(current, [planEvent(current, CoachEventTypes.PlanReworded, payload, this.ids.next(), at)]);
        return current;
      });
    } catch (error) {
      // Decided between the read and the write: the decision stands, the wording is dropped.
      if (error instanceof ConcurrentModification) return this.plans.get(userId, planId);
      throw error;
    }
  }
}
