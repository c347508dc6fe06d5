import { CoachModule } from '@ln/coach/coach.module';
import { PlansController } from './coach/plans.controller';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { IdentityModule } from '@ln/identity/identity.module';
import { LearningModule } from '@ln/learning/learning.module';
import { TasksModule } from '@ln/tasks/tasks.module';
import { LiveModule } from '@ln/live/live.module';
import { EventsController } from './live/events.controller';
import { SyncController } from './live/sync.controller';
import { AuthController } from './identity/auth.controller';
import { CommandsController } from './tasks/commands.controller';
import { HealthController } from './health/health.controller';
import { AccessTokenGuard } from './http/auth.guard';
import { ProblemFilter } from './http/problem.filter';
import { InsightsController } from './learning/insights.controller';
import { TasksController } from './tasks/tasks.controller';
import { MeController } from './identity/me.controller';

/** The HTTP edge: controllers (each input validated on its parameter: `validated`), one authentication guard, one error filter. */
@Module({
  imports: [IdentityModule, TasksModule, LearningModule, CoachModule, LiveModule],
  controllers: [AuthController, MeController, TasksController, CommandsController, InsightsController, PlansController, EventsController, SyncController, HealthController],
  providers: [
    { provide: APP_GUARD, useClass: AccessTokenGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
export class ApiModule {}
