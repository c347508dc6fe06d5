import { Logger, Module } from '@nestjs/common';
import { IdentityFacade } from '@ln/identity/application/identity.facade';
import { IdentityModule } from '@ln/identity/identity.module';
import { MemoryReadCache } from '@ln/kernel/adapters/cache/memory-read-cache.adapter';
import { MeteredReadCache } from '@ln/kernel/adapters/cache/metered-read-cache';
import { RedisReadCache } from '@ln/kernel/adapters/cache/redis-read-cache.adapter';
import type { ReadCacheMemory } from '@ln/kernel/adapters/cache/read-cache-memory';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { READ_CACHE } from '@ln/kernel/application/ports/read-cache.port';
import { type BoundedContext, READ_CACHE_MEMORY, REDIS_CLIENT } from '@ln/kernel/kernel.module';
import { TaskHistory } from '@ln/tasks/application/task-history.facade';
import { TasksModule } from '@ln/tasks/tasks.module';
import type { Redis } from 'ioredis';
import { LEARNING_MIGRATIONS } from './adapters/persistence/migrations/1765000000000-learning-history';
import { TypeOrmLearningHistory } from './adapters/persistence/typeorm-learning-history.adapter';
import { LearningFacade } from './application/learning.facade';
import { RecordPlanDecision } from './application/record-plan-decision/record-plan-decision.service';
import { GetInsightsHandler } from './application/get-insights/get-insights.handler';
import { LEARNING_HISTORY } from './application/ports/learning-history.port';
import { LEARNING_OWNERS } from './application/ports/owner-clock.port';
import { TASK_HISTORY_SOURCE } from './application/ports/task-history-source.port';
import { ProjectTaskEvents } from './application/project-task-events/project-task-events.service';
import { RebuildHistory } from './application/rebuild-history/rebuild-history.service';
import { ScoreOpenTasks } from './application/score-open-tasks/score-open-tasks.service';

/**
 * Learning: each user's history of outcomes, grouped (the projection of the task context's
 * events), and the insights read from it. Reads owners' timezones through identity's facade and,
 * to rebuild, tasks' current state through tasks' history facade; never their tables.
 */
@Module({
  imports: [IdentityModule, TasksModule],
  providers: [
    { provide: LEARNING_OWNERS, useExisting: IdentityFacade },
    { provide: TASK_HISTORY_SOURCE, useExisting: TaskHistory },
    { provide: LEARNING_HISTORY, useFactory: (db: Database) => new TypeOrmLearningHistory(db), inject: [Database] },
    {
      // Its own cache namespace: a projection update makes this user's insights stale, not their task reads.
      provide: READ_CACHE,
      useFactory: (redis: Redis | null, memory: ReadCacheMemory, metrics: Metrics) => {
        if (!redis) return new MeteredReadCache(new MemoryReadCache({ memory, namespace: 'lc' }), metrics);
        const log = new Logger('InsightsCache');
        return new MeteredReadCache(new RedisReadCache(redis, { memory, namespace: 'lc', onError: (message) => log.warn(message) }), metrics);
      },
      inject: [REDIS_CLIENT, READ_CACHE_MEMORY, Metrics],
    },
    ScoreOpenTasks,
    ProjectTaskEvents,
    GetInsightsHandler,
    RebuildHistory,
    LearningFacade,
    RecordPlanDecision,
  ],
  exports: [ProjectTaskEvents, RebuildHistory, LearningFacade, RecordPlanDecision],
})
export class LearningModule {}

export const learningContext: BoundedContext = { name: 'learning', module: LearningModule, migrations: LEARNING_MIGRATIONS };
