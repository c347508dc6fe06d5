import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApplicationModule } from '@ln/application';
import { AuthController } from './auth/auth.controller';
import { CommandsController } from './commands/commands.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { AccessTokenGuard } from './http/auth.guard';
import { ProblemFilter } from './http/problem.filter';
import { TasksController } from './tasks/tasks.controller';
import { MeController } from './users/me.controller';

/** The HTTP edge: controllers (each input validated on its parameter: `validated`), one authentication guard, one error filter. */
@Module({
  imports: [ApplicationModule],
  controllers: [AuthController, MeController, TasksController, CommandsController, HealthController, MetricsController],
  providers: [
    { provide: APP_GUARD, useClass: AccessTokenGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
export class ApiModule {}
