import { Logger, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { IdentityFacade } from '@ln/identity/application/identity.facade';
import { IdentityModule } from '@ln/identity/identity.module';
import { Database } from '@ln/kernel/adapters/persistence/database';
import type { AppConfig } from '@ln/config/config';
import { APP_CONFIG, type BoundedContext, REDIS_CLIENT } from '@ln/kernel/kernel.module';
import { LearningFacade } from '@ln/learning/application/learning.facade';
import { LearningModule } from '@ln/learning/learning.module';
import { TaskHistory } from '@ln/tasks/application/task-history.facade';
import { TaskWrites } from '@ln/tasks/application/task-writes.facade';
import { TasksModule } from '@ln/tasks/tasks.module';
import { COACH_MIGRATIONS } from './adapters/persistence/migrations/1765200000000-coach-plans';
import { TypeOrmPlanRepository } from './adapters/persistence/typeorm-plan.repository';
import { MemoryLlmCallBudget, RedisLlmCallBudget } from './adapters/llm/llm-call-budget';
import { OpenAiStepWording } from './adapters/llm/openai-step-wording.adapter';
import { BuiltInStepWording } from './adapters/wording/built-in-step-wording.adapter';
import { DecidePlan } from './application/decide-plan/decide-plan.service';
import { COACH_LEARNING } from './application/ports/coach-learning.port';
import { COACH_OWNERS, COACH_TASK_SOURCE, COACH_TASK_WRITES } from './application/ports/coach-tasks.port';
import { PLAN_REPOSITORY } from './application/ports/plan.repository.port';
import { STEP_WORDING, type StepWording } from './application/ports/step-wording.port';
import { ProposePlan } from './application/propose-plan/propose-plan.service';
import { ReadPlans } from './application/read-plans/read-plans.service';
import { RewordPlan } from './application/reword-plan/reword-plan.service';
import { COACH_SETTINGS, type CoachSettings, RequestPlan } from './application/request-plan/request-plan.service';

/**
 * The coach: when a task fails (or is postponed a third time, or the user asks), a diagnosis from
 * the user's own history and a plan of smaller steps placed where they succeed. Reads the learning
 * context's evidence and the task context's tasks through their facades; creates steps only
 * through the task context's writes.
 */
@Module({
  imports: [IdentityModule, TasksModule, LearningModule],
  providers: [
    { provide: PLAN_REPOSITORY, useFactory: (db: Database) => new TypeOrmPlanRepository(db), inject: [Database] },
    { provide: COACH_LEARNING, useExisting: LearningFacade },
    { provide: COACH_TASK_SOURCE, useExisting: TaskHistory },
    { provide: COACH_TASK_WRITES, useExisting: TaskWrites },
    { provide: COACH_OWNERS, useExisting: IdentityFacade },
    {
      provide: COACH_SETTINGS,
      useFactory: (config: AppConfig): CoachSettings => ({ requestsPerHour: config.coach.requestsPerHour, postponementsBeforePlan: config.coach.postponementsBeforePlan }),
      inject: [APP_CONFIG],
    },
    {
      // The planner port: the built-in templates unless LLM_BASE_URL and LLM_MODEL are set (ADR 18).
      provide: STEP_WORDING,
      useFactory: (config: AppConfig, redis: Redis | null): StepWording => {
        const llm = config.coach.llm;
        if (!llm) return new BuiltInStepWording();
        const log = new Logger('CoachPlanner');
        // The model, never the URL's credentials or the key.
        log.log(`step wording by the LLM ${llm.model} (at most ${llm.maxConcurrency} at a time, ${llm.dailyCallsPerUser} a day per user)`);
        return new OpenAiStepWording(llm, redis ? new RedisLlmCallBudget(redis) : new MemoryLlmCallBudget(), { warn: (m) => log.warn(m) });
      },
      inject: [APP_CONFIG, REDIS_CLIENT],
    },
    ProposePlan,
    DecidePlan,
    RequestPlan,
    ReadPlans,
    RewordPlan,
  ],
  exports: [ProposePlan, DecidePlan, RequestPlan, ReadPlans, RewordPlan, COACH_SETTINGS],
})
export class CoachModule {}

export const coachContext: BoundedContext = { name: 'coach', module: CoachModule, migrations: COACH_MIGRATIONS };
