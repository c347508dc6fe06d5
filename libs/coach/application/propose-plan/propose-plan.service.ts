import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import type { CoachTrigger, TaskToCoach } from '../../domain/coaching.types';
import { diagnose } from '../../domain/diagnosis';
import { draftPlan } from '../../domain/plan';
import { Plan, type PlanStep } from '../../domain/plan.aggregate';
import { localDayAndHour, localInstant } from '../local-time';
import { COACH_LEARNING, type CoachLearning } from '../ports/coach-learning.port';
import { COACH_OWNERS, COACH_TASK_SOURCE, type CoachOwners, type CoachTaskSource, type CoachedTask } from '../ports/coach-tasks.port';
import { PLAN_REPOSITORY, type PlanRepository } from '../ports/plan.repository.port';
import { CoachEventTypes, type PlanProposedV1 } from '../../contracts/coach-events.contract';
import { planEvent } from '../plan-events';

/** The task as the coach reasons about it, in the owner's calendar. */
export function taskToCoach(task: CoachedTask, timezone: string, trigger: CoachTrigger): TaskToCoach {
  const scheduled = task.scheduledAt ? localDayAndHour(task.scheduledAt, timezone) : null;
  return {
    id: task.id,
    title: task.title,
    estimateMinutes: task.estimateMinutes,
    priority: task.priority,
    tags: [...task.tags],
    deferrals: task.deferrals,
    scheduledDate: task.scheduledDate,
    localHour: scheduled?.hour ?? null,
    dueDate: task.dueAt ? localDayAndHour(task.dueAt, timezone).day : null,
    trigger,
    reason: trigger === 'failed' ? task.failureReason : null,
  };
}

/**
 * Makes a plan for a failed (or much-postponed, or asked-about) task: diagnoses it from the
 * owner's own history, drafts steps sized and placed where they succeed, scores each step and
 * the original with the success model, and stores the proposal (superseding any open one for the
 * task), worded by the built-in templates: a plan never waits for an LLM. When one is configured,
 * `RewordPlan` rewords the proposed plan later, from `coach.plan-proposed.v1` on its own queue
 * (ADR 18). Runs in the worker, never on the api's request path. Returns null when there is nothing to plan for (the task is gone, or is not the
 * owner's).
 */
@Injectable()
export class ProposePlan {
  constructor(
    @Inject(PLAN_REPOSITORY) private readonly plans: PlanRepository,
    @Inject(COACH_LEARNING) private readonly learning: CoachLearning,
    @Inject(COACH_TASK_SOURCE) private readonly tasks: CoachTaskSource,
    @Inject(COACH_OWNERS) private readonly owners: CoachOwners,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** `planId`: fill this pending plan (one the user asked for) rather than make a new one. */
  async propose(userId: string, taskId: string, trigger: CoachTrigger, planId?: string): Promise<Plan | null> {
    const task = await this.tasks.find(userId, taskId);
    const pending = planId ? await this.plans.get(userId, planId) : null;
    if (!task) {
      if (pending?.isOpen) {
        pending.supersede(this.clock.now().toISOString());
        await this.plans.save(pending);
      }
      return null;
    }
    const timezone = (await this.owners.timezoneOf(userId)) ?? 'UTC';
    const now = this.clock.now();
    const { day: today, hour: nowHour } = localDayAndHour(now, timezone);
    const base = taskToCoach(task, timezone, trigger);
    const evidence = await this.learning.evidenceOf(userId, today, undefined, base.scheduledDate ? [base.scheduledDate] : []);
    // The load of the task's own day (in the past for a failure: the horizon's loads start today).
    const coached: TaskToCoach = { ...base, dayLoad: base.scheduledDate ? (evidence.dayLoads[base.scheduledDate] ?? 1) : null };
    const causes = diagnose(coached, evidence);
    // The draft fixes count, sizes and schedule, with the built-in wording.
    const draft = draftPlan(coached, causes, evidence, { today, nowHour });
    // Each step scored where it is placed, with the day's load it adds to; the original as it was.
    const placed = new Map<string, number>();
    const shapes = draft.steps.map((s) => {
      placed.set(s.scheduledDate, (placed.get(s.scheduledDate) ?? 0) + 1);
      return { scheduledDate: s.scheduledDate, localHour: s.localHour, estimateMinutes: s.estimateMinutes, tags: task.tags, deferrals: 0, dayLoad: (evidence.dayLoads[s.scheduledDate] ?? 0) + placed.get(s.scheduledDate)! };
    });
    const original = { scheduledDate: coached.scheduledDate, localHour: coached.localHour, estimateMinutes: task.estimateMinutes, tags: task.tags, deferrals: task.deferrals, dayLoad: coached.scheduledDate ? Math.max(1, evidence.dayLoads[coached.scheduledDate] ?? 1) : null };
    const [originalProbability, ...stepProbabilities] = await this.learning.predict(userId, [original, ...shapes]);
    const round = (p: number) => Math.round(p * 100) / 100;
    const steps: PlanStep[] = draft.steps.map((s, i) => ({
      taskId: this.ids.next(),
      title: s.title,
      estimateMinutes: s.estimateMinutes,
      scheduledFor: localInstant(s.scheduledDate, s.localHour, timezone),
      successProbability: round(stepProbabilities[i]!),
    }));
    const content = {
      diagnosis: causes,
      steps,
      fits: draft.fits,
      advice: draft.advice,
      reliableMinutes: draft.reliableMinutes,
      originalProbability: round(originalProbability!),
      planProbability: steps.length ? round(steps.reduce((a, s) => a + s.successProbability, 0) / steps.length) : null,
      generatedBy: 'built-in',
    };

    return this.uow.run(async () => {
      const at = this.clock.now().toISOString();
      const plan = pending?.state.status === 'pending' ? pending : Plan.pending({ id: this.ids.next(), userId, taskId, trigger, at });
      for (const open of await this.plans.openForTask(userId, taskId)) {
        if (open.state.id === plan.state.id) continue;
        open.supersede(at);
        await this.plans.save(open);
      }
      plan.propose(content);
      const payload: PlanProposedV1 = { planId: plan.state.id, taskId, trigger, causes: causes.map((c) => c.kind) };
      await this.plans.save(plan, [planEvent(plan, CoachEventTypes.PlanProposed, payload, this.ids.next(), at)]);
      return plan;
    });
  }
}
