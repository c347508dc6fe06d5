import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import {
  ACCESS_TOKENS,
  ACCOUNT_READER,
  ATTEMPT_COUNTER,
  AUTH_SETTINGS,
  type AuthSettings,
  CACHE,
  CLOCK,
  COMMAND_INBOX,
  COMMAND_QUEUE,
  COMMAND_QUEUE_STATS,
  type CommandQueue,
  type CommandQueueStats,
  type Clock,
  EVENT_INBOX,
  EVENT_TRANSPORT,
  type EventTransport,
  ID_GENERATOR,
  IDEMPOTENCY_STORE,
  type IdGenerator,
  READ_CACHE,
  PENDING_WRITES,
  QUEUED_WRITES_SETTINGS,
  type QueuedWritesSettings,
  TASK_READ_MODEL,
  TASK_REPOSITORY,
  PASSWORD_HASHER,
  READINESS_PROBES,
  type ReadinessProbe,
  REFRESH_TOKENS,
  UNIT_OF_WORK,
  USER_REPOSITORY,
} from '@ln/application';
import type { AppConfig } from '@ln/config';
import type { Redis } from 'ioredis';
import {
  MemoryAttemptCounter,
  MemoryPendingWrites,
  RedisPendingWrites,
  MemoryCache,
  MemoryReadCache,
  RedisAttemptCounter,
  RedisCache,
  RedisReadCache,
  RedisReadinessProbe,
  closeRedisClient,
  createRedisClient,
  waitForRedisReady,
} from '../cache';
import { InProcessCommandQueue, InProcessEventTransport, RabbitMqCommandQueue, RabbitMqEventTransport, RabbitMqReadinessProbe } from '../messaging';
import {
  Database,
  DatabaseReadinessProbe,
  TypeOrmAccountReader,
  TypeOrmCommandInbox,
  TypeOrmEventInbox,
  TypeOrmIdempotencyStore,
  TypeOrmTaskReadModel,
  TypeOrmTaskRepository,
  TypeOrmRefreshTokenStore,
  TypeOrmUnitOfWork,
  TypeOrmUserRepository,
  migrate,
  openDatabase,
} from '../persistence';
import { Metrics } from '../observability';
import { Argon2PasswordHasher, FastJwtAccessTokens, loadOrCreateJwtSecret } from '../security';
import { SystemClock, UuidV7IdGenerator } from '../system';

export const APP_CONFIG = Symbol('AppConfig');
/** How long an Idempotency-Key claim lives without being renewed by its request. */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 10_000;
export const REDIS_CLIENT = Symbol('RedisClient');
/** The pending overlay's own connection (queued writes only): a write's plan waits longer than a cached read. */
const PENDING_REDIS_CLIENT = Symbol('PendingRedisClient');

/** Owns the connections it opened and closes them when the application stops. */
@Injectable()
class ConnectionCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  constructor(
    private readonly db: Database,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(COMMAND_QUEUE) private readonly commands: CommandQueue,
    @Inject(PENDING_REDIS_CLIENT) private readonly pendingRedis: Redis | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['command queue', () => this.commands.close()],
      ['event transport', () => this.transport.close()],
      ['redis', async () => (this.redis ? closeRedisClient(this.redis) : undefined)],
      ['redis (pending writes)', async () => (this.pendingRedis ? closeRedisClient(this.pendingRedis) : undefined)],
      ['database', () => this.db.close()],
    ];
    for (const [name, close] of steps) {
      await close().catch((error: Error) => this.logger.warn(`closing ${name}: ${error.message}`));
    }
  }
}

/**
 * Binds every port to the adapter the configuration chooses: PGlite or PostgreSQL, memory or
 * Redis, in-process or RabbitMQ. The application layer only ever sees the ports.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      { provide: Metrics, useValue: new Metrics() },
      { provide: CLOCK, useClass: SystemClock },
      { provide: ID_GENERATOR, useClass: UuidV7IdGenerator },
      { provide: PASSWORD_HASHER, useFactory: () => new Argon2PasswordHasher() },
      {
        provide: Database,
        useFactory: async () => {
          const db = await openDatabase(
            config.database.kind === 'postgres'
              ? { kind: 'postgres', url: config.database.url, poolSize: config.database.poolSize, applicationName: `life-navigation-${config.role}` }
              : { kind: 'pglite', dataDir: config.database.dataDir },
          );
          const applied = await migrate(db);
          if (applied.length > 0) new Logger('Migrations').log(`applied ${applied.join(', ')}`);
          return db;
        },
      },
      { provide: USER_REPOSITORY, useFactory: (db: Database) => new TypeOrmUserRepository(db), inject: [Database] },
      { provide: ACCOUNT_READER, useFactory: (db: Database) => new TypeOrmAccountReader(db), inject: [Database] },
      { provide: REFRESH_TOKENS, useFactory: (db: Database) => new TypeOrmRefreshTokenStore(db), inject: [Database] },
      { provide: UNIT_OF_WORK, useFactory: (db: Database) => new TypeOrmUnitOfWork(db), inject: [Database] },
      { provide: TASK_REPOSITORY, useFactory: (db: Database) => new TypeOrmTaskRepository(db), inject: [Database] },
      { provide: TASK_READ_MODEL, useFactory: (db: Database) => new TypeOrmTaskReadModel(db), inject: [Database] },
      {
        provide: IDEMPOTENCY_STORE,
        // A claim is a lease: its live request renews it (every third of the lease, see the api's
        // idempotency hooks), so only a claim whose request died with its api goes stale, and a
        // client retrying after such a crash waits at most the lease (`npm run chaos`, api-sigkill).
        // A takeover while the first request still ran could apply a write twice on the sync path.
        useFactory: (db: Database) => new TypeOrmIdempotencyStore(db, { ttlMs: 24 * 3600_000, staleMs: IDEMPOTENCY_CLAIM_LEASE_MS }),
        inject: [Database],
      },
      { provide: COMMAND_INBOX, useFactory: (db: Database) => new TypeOrmCommandInbox(db), inject: [Database] },
      { provide: EVENT_INBOX, useFactory: (db: Database) => new TypeOrmEventInbox(db), inject: [Database] },
      {
        provide: ACCESS_TOKENS,
        useFactory: (clock: Clock, ids: IdGenerator) =>
          new FastJwtAccessTokens(
            {
              secret: config.auth.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir),
              issuer: config.auth.issuer,
              audience: config.auth.audience,
              ttlSeconds: config.auth.accessTokenTtlSeconds,
            },
            clock,
            ids,
          ),
        inject: [CLOCK, ID_GENERATOR],
      },
      {
        provide: QUEUED_WRITES_SETTINGS,
        useValue: { maxPendingPerUser: config.commands.maxPendingPerUser } satisfies QueuedWritesSettings,
      },
      {
        provide: AUTH_SETTINGS,
        useValue: {
          refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
          loginMaxFailures: config.auth.loginMaxFailures,
          loginFailureWindowSeconds: config.auth.loginFailureWindowSeconds,
        } satisfies AuthSettings,
      },
      {
        provide: REDIS_CLIENT,
        useFactory: async () => {
          if (config.cache.kind !== 'redis') return null;
          const log = new Logger('Redis');
          // Errors are reported, never thrown: the cache being down must not take the process with it.
          const client = createRedisClient(config.cache.url, { keyPrefix: config.cache.keyPrefix, onError: (e: Error) => log.warn(`redis: ${e.message}`) });
          // Give it a moment at boot so the first requests find it ready; if it is down we start anyway
          // (reads fall back to the database, the readiness probe reports it).
          await waitForRedisReady(client, 2000).catch((e: Error) => log.warn(`starting without redis: ${e.message}`));
          return client;
        },
      },
      {
        provide: CACHE,
        useFactory: (redis: Redis | null) => (redis ? new RedisCache(redis) : new MemoryCache()),
        inject: [REDIS_CLIENT],
      },
      {
        provide: READ_CACHE,
        useFactory: (redis: Redis | null) => {
          if (!redis) return new MemoryReadCache();
          const log = new Logger('ReadCache');
          return new RedisReadCache(redis, { onError: (message) => log.warn(message) });
        },
        inject: [REDIS_CLIENT],
      },
      {
        // Queued writes share their overlay through Redis (config requires it for WRITE_PATH=queued);
        // with synchronous writes nothing is ever pending and the memory one stays empty.
        provide: PENDING_REDIS_CLIENT,
        // The read cache's 100 ms bound is right for reads (they fall back to PostgreSQL); a plan
        // has no such fallback and would rather wait a little than answer 503 (`npm run chaos`
        // saw 100 ms time out under load).
        useFactory: async () => {
          if (config.cache.kind !== 'redis' || config.commands.writePath !== 'queued') return null;
          const log = new Logger('Redis');
          const client = createRedisClient(config.cache.url, { keyPrefix: config.cache.keyPrefix, commandTimeoutMs: 1_000, onError: (e: Error) => log.warn(`redis (pending writes): ${e.message}`) });
          await waitForRedisReady(client, 2000).catch((e: Error) => log.warn(`starting without redis (pending writes): ${e.message}`));
          return client;
        },
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
        provide: ATTEMPT_COUNTER,
        useFactory: (redis: Redis | null) => (redis ? new RedisAttemptCounter(redis) : new MemoryAttemptCounter()),
        inject: [REDIS_CLIENT],
      },
      {
        provide: EVENT_TRANSPORT,
        useFactory: () => {
          if (config.transport.kind !== 'rabbitmq') return new InProcessEventTransport();
          const log = new Logger('RabbitMQ');
          return new RabbitMqEventTransport({ url: config.transport.url, reconnectTimeInSeconds: config.transport.reconnectSeconds, onError: (message: string) => log.warn(`rabbitmq: ${message}`) });
        },
      },
      {
        provide: COMMAND_QUEUE,
        useFactory: (): CommandQueue & CommandQueueStats => {
          const log = new Logger('CommandQueue');
          const options = { partitions: config.commands.partitions, maxDeliveries: config.commands.deliveryLimit, onError: (message: string) => log.warn(message) };
          return config.transport.kind === 'rabbitmq' ? new RabbitMqCommandQueue({ url: config.transport.url, reconnectTimeInSeconds: config.transport.reconnectSeconds, prefix: config.commands.queueName, publishTimeoutMs: config.commands.confirmTimeoutMs, ...options }) : new InProcessCommandQueue(options);
        },
      },
      {
        provide: COMMAND_QUEUE_STATS,
        // Both adapters count their own queues; registering here serves the gauges in every role.
        useFactory: (queue: CommandQueue & CommandQueueStats, metrics: Metrics): CommandQueueStats => {
          metrics.watchCommandQueue(queue);
          return queue;
        },
        inject: [COMMAND_QUEUE, Metrics],
      },
      {
        provide: READINESS_PROBES,
        useFactory: (db: Database, redis: Redis | null, transport: EventTransport): ReadinessProbe[] => [
          new DatabaseReadinessProbe(db),
          ...(redis ? [new RedisReadinessProbe(redis)] : []),
          ...(transport instanceof RabbitMqEventTransport ? [new RabbitMqReadinessProbe(transport)] : []),
        ],
        inject: [Database, REDIS_CLIENT, EVENT_TRANSPORT],
      },
      ConnectionCloser,
    ];
    return {
      module: InfrastructureModule,
      providers,
      exports: providers.filter((p): p is Exclude<Provider, Function> => typeof p === 'object').map((p) => p.provide).concat([Database, Metrics]),
    };
  }
}
