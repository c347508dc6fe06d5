import { lineSink } from '@ln/kernel/adapters/messaging/rabbitmq-link';
import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@ln/config/config';
import { IdentityFacade } from '@ln/identity/application/identity.facade';
import { IdentityModule } from '@ln/identity/identity.module';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '@ln/kernel/adapters/redis/redis-client.factory';
import { APP_CONFIG, type BoundedContext, READ_CACHE_MEMORY, REDIS_CLIENT } from '@ln/kernel/kernel.module';
import type { ReadCacheMemory } from '../kernel/adapters/cache/read-cache-memory';
import type { Redis } from 'ioredis';
import { MemoryPendingWrites } from './adapters/cache/memory-pending-writes.adapter';
import { MemoryReadCache } from '../kernel/adapters/cache/memory-read-cache.adapter';
import { MeteredReadCache } from '../kernel/adapters/cache/metered-read-cache';
import { RedisPendingWrites } from './adapters/cache/redis-pending-writes.adapter';
import { RedisReadCache } from '../kernel/adapters/cache/redis-read-cache.adapter';
import { InProcessCommandQueue } from './adapters/messaging/in-process-command-queue.adapter';
import { RabbitMqCommandQueue } from './adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter';
import { CommandMetrics } from './adapters/observability/command-metrics';
import { TypeOrmCommandInbox } from './adapters/persistence/typeorm-command-inbox.adapter';
import { TASK_MIGRATIONS } from './adapters/persistence/migrations/1765100000000-task-predictions';
import { TypeOrmTaskPredictions } from './adapters/persistence/typeorm-task-predictions.adapter';
import { TypeOrmTaskReadModel } from './adapters/persistence/typeorm-task-read-model.adapter';
import { TypeOrmTaskRepository } from './adapters/persistence/typeorm-task-repository.adapter';
import { GetTaskHandler } from './application/get-task/get-task.handler';
import { ListTasksHandler } from './application/list-tasks/list-tasks.handler';
import { OWNER_TIMEZONES } from './application/ports/owner-timezones.port';
import { READ_CACHE } from '../kernel/application/ports/read-cache.port';
import { TASK_PREDICTIONS } from './application/ports/task-predictions.port';
import { TASK_READ_MODEL } from './application/ports/task-read-model.port';
import { TASK_REPOSITORY } from './application/ports/task.repository.port';
import { TASK_BATCH_STORE } from './application/ports/task-batch-store.port';
import { TypeOrmTaskBatchStore } from './adapters/persistence/typeorm-task-batch-store.adapter';
import { ApplyCommandBatch } from './application/queued-writes/apply-command-batch.service';
import { GetCommandHandler } from './application/queued-writes/get-command/get-command.handler';
import { COMMAND_INBOX } from './application/queued-writes/ports/command-inbox.port';
import { COMMAND_QUEUE, type CommandQueue } from './application/queued-writes/ports/command-queue.port';
import { COMMAND_QUEUE_STATS, type CommandQueueStats } from './application/queued-writes/ports/command-queue-stats.port';
import { PENDING_WRITES } from './application/queued-writes/ports/pending-writes.port';
import { QUEUED_WRITES_SETTINGS, QueuedTaskWrites, type QueuedWritesSettings } from './application/queued-writes/queued-task-writes.service';
import { RecordTaskPredictions } from './application/record-predictions/record-predictions.service';
import { TaskSessions } from './application/shared/task-sessions.service';
import { TASK_COMMAND_HANDLERS, TaskCommands } from './application/task-commands.service';
import { TaskHistory } from './application/task-history.facade';
import { TASK_WRITE_SETTINGS, TaskWrites, type TaskWriteSettings } from './application/task-writes.facade';

/** The pending overlay's own connection (queued writes only): a write's plan waits longer than a cached read. */
const PENDING_REDIS_CLIENT = Symbol('PendingRedisClient');

/** Closes what this context opened (its consumers stopped before, in beforeApplicationShutdown). */
@Injectable()
class TaskConnectionCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  constructor(
    @Inject(COMMAND_QUEUE) private readonly commands: CommandQueue,
    @Inject(PENDING_REDIS_CLIENT) private readonly pendingRedis: Redis | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.commands.close().catch((error: Error) => this.logger.warn(`closing command queue: ${error.message}`));
    if (this.pendingRedis) await closeRedisClient(this.pendingRedis).catch((error: Error) => this.logger.warn(`closing redis (pending writes): ${error.message}`));
  }
}

/**
 * Tasks: the task lifecycle, its reads (Redis cache-aside over the SQL read model) and both write
 * paths (synchronous, and queued: api plan -> RabbitMQ -> worker batches). Binds its ports for both
 * run modes; reads owners' timezones through identity's facade. Publishes TaskWrites (the way in)
 * and TaskHistory (the tasks' current state, for other contexts' projections). Shows the learning
 * context's predictions on open tasks from its own copy (RecordTaskPredictions, fed by the worker).
 */
@Module({
  imports: [IdentityModule],
  providers: [
    { provide: OWNER_TIMEZONES, useExisting: IdentityFacade },
    { provide: TASK_REPOSITORY, useFactory: (db: Database) => new TypeOrmTaskRepository(db), inject: [Database] },
    { provide: TASK_BATCH_STORE, useFactory: (db: Database) => new TypeOrmTaskBatchStore(db), inject: [Database] },
    { provide: TASK_READ_MODEL, useFactory: (db: Database) => new TypeOrmTaskReadModel(db), inject: [Database] },
    { provide: TASK_PREDICTIONS, useFactory: (db: Database) => new TypeOrmTaskPredictions(db), inject: [Database] },
    { provide: COMMAND_INBOX, useFactory: (db: Database) => new TypeOrmCommandInbox(db), inject: [Database] },
    {
      provide: READ_CACHE,
      useFactory: (redis: Redis | null, memory: ReadCacheMemory, metrics: Metrics) => {
        if (!redis) return new MeteredReadCache(new MemoryReadCache({ memory }), metrics);
        const log = new Logger('ReadCache');
        return new MeteredReadCache(new RedisReadCache(redis, { memory, onError: (message) => log.warn(message) }), metrics);
      },
      inject: [REDIS_CLIENT, READ_CACHE_MEMORY, Metrics],
    },
    {
      // Queued writes share their overlay through Redis (config requires it for WRITE_PATH=queued);
      // with synchronous writes nothing is ever pending and the memory one stays empty. The read
      // cache's 100 ms bound is right for reads (they fall back to PostgreSQL); a plan has no such
      // fallback and would rather wait a little than answer 503 (`npm run chaos` saw 100 ms time out).
      provide: PENDING_REDIS_CLIENT,
      useFactory: async (config: AppConfig) => {
        if (config.cache.kind !== 'redis' || config.commands.writePath !== 'queued') return null;
        const log = new Logger('Redis');
        const client = createRedisClient(config.cache.url, { keyPrefix: config.cache.keyPrefix, commandTimeoutMs: 1_000, onError: (e: Error) => log.warn(`redis (pending writes): ${e.message}`) });
        await waitForRedisReady(client, 2000).catch((e: Error) => log.warn(`starting without redis (pending writes): ${e.message}`));
        return client;
      },
      inject: [APP_CONFIG],
    },
    {
      provide: PENDING_WRITES,
      useFactory: (redis: Redis | null) => {
        if (!redis) return new MemoryPendingWrites();
        const log = new Logger('PendingWrites');
        return new RedisPendingWrites(redis, { onError: (message) => log.warn(message) });
      },
      inject: [PENDING_REDIS_CLIENT],
    },
    {
      provide: COMMAND_QUEUE,
      useFactory: (config: AppConfig): CommandQueue & CommandQueueStats => {
        const log = new Logger('CommandQueue');
        const options = { partitions: config.commands.partitions, maxDeliveries: config.commands.deliveryLimit, onError: lineSink((line) => log.warn(line)) };
        return config.transport.kind === 'rabbitmq'
          ? new RabbitMqCommandQueue({ url: config.transport.url, reconnectTimeInSeconds: config.transport.reconnectSeconds, prefix: config.commands.queueName, publishTimeoutMs: config.commands.confirmTimeoutMs, ...options })
          : new InProcessCommandQueue(options);
      },
      inject: [APP_CONFIG],
    },
    { provide: CommandMetrics, useFactory: (metrics: Metrics) => new CommandMetrics(metrics), inject: [Metrics] },
    {
      provide: COMMAND_QUEUE_STATS,
      // Both adapters count their own queues; registering here serves the gauges in every role.
      useFactory: (queue: CommandQueue & CommandQueueStats, metrics: CommandMetrics): CommandQueueStats => {
        metrics.watchCommandQueue(queue);
        return queue;
      },
      inject: [COMMAND_QUEUE, CommandMetrics],
    },
    {
      provide: QUEUED_WRITES_SETTINGS,
      useFactory: (config: AppConfig): QueuedWritesSettings => ({ maxPendingPerUser: config.commands.maxPendingPerUser }),
      inject: [APP_CONFIG],
    },
    {
      provide: TASK_WRITE_SETTINGS,
      useFactory: (config: AppConfig): TaskWriteSettings => ({ writePath: config.commands.writePath }),
      inject: [APP_CONFIG],
    },
    ...TASK_COMMAND_HANDLERS,
    TaskCommands,
    TaskSessions,
    TaskWrites,
    TaskHistory,
    GetTaskHandler,
    ListTasksHandler,
    GetCommandHandler,
    QueuedTaskWrites,
    ApplyCommandBatch,
    RecordTaskPredictions,
    TaskConnectionCloser,
  ],
  exports: [TaskWrites, TaskHistory, ApplyCommandBatch, RecordTaskPredictions, COMMAND_QUEUE, COMMAND_QUEUE_STATS, CommandMetrics],
})
export class TasksModule {}

export const tasksContext: BoundedContext = { name: 'tasks', module: TasksModule, migrations: TASK_MIGRATIONS };
