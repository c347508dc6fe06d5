import { Module } from '@nestjs/common';
import { IdentityFacade } from '@ln/identity/application/identity.facade';
import { IdentityModule } from '@ln/identity/identity.module';
import { Database } from '@ln/kernel/adapters/persistence/database';
import type { AppConfig } from '@ln/config/config';
import { APP_CONFIG, type BoundedContext } from '@ln/kernel/kernel.module';
import { LearningFacade } from '@ln/learning/application/learning.facade';
import { LearningModule } from '@ln/learning/learning.module';
import { TaskHistory } from '@ln/tasks/application/task-history.facade';
import { TaskWrites } from '@ln/tasks/application/task-writes.facade';
import { TasksModule } from '@ln/tasks/tasks.module';
import { COACH_MIGRATIONS } from './adapters/persistence/migrations/1765200000000-coach-plans';
import { TypeOrmPlanRepository } from './adapters/persistence/typeorm-plan.repository';
import { DecidePlan } from './application/decide-plan/decide-plan.service';
import { COACH_LEARNING } from './application/ports/coach-learning.port';
import { COACH_OWNERS, COACH_TASK_SOURCE, COACH_TASK_WRITES } from './application/ports/coach-tasks.port';
import { PLAN_REPOSITORY } from './application/ports/plan.repository.port';
import { ProposePlan } from './application/propose-plan/propose-plan.service';
import { ReadPlans } from './application/read-plans/read-plans.service';
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
    ProposePlan,
    DecidePlan,
    RequestPlan,
    ReadPlans,
  ],
  exports: [ProposePlan, DecidePlan, RequestPlan, ReadPlans, COACH_SETTINGS],
})
export class CoachModule {}

export const coachContext: BoundedContext = { name: 'coach', module: CoachModule, migrations: COACH_MIGRATIONS };
