import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type Provider, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from '@ln/config/config';
import type { Redis } from 'ioredis';
import type { EntitySchema, MigrationInterface } from 'typeorm';
import { RabbitMqEventTransport, RabbitMqReadinessProbe } from './adapters/messaging/rabbitmq-event-transport.adapter';
import { InProcessEventTransport } from './adapters/messaging/in-process-event-transport.adapter';
import { lineSink } from './adapters/messaging/rabbitmq-link';
import { Metrics } from './adapters/observability/metrics';
import { openDatabase } from './adapters/persistence/data-source.factory';
import { Database } from './adapters/persistence/database';
import { DatabaseReadinessProbe } from './adapters/persistence/database-readiness.adapter';
import { migrate } from './adapters/persistence/migrate';
import { TypeOrmEventInbox } from './adapters/persistence/typeorm-event-inbox.adapter';
import { TypeOrmIdempotencyStore } from './adapters/persistence/typeorm-idempotency-store.adapter';
import { TypeOrmUnitOfWork } from './adapters/persistence/typeorm-unit-of-work.adapter';
import { RedisReadinessProbe, closeRedisClient, createRedisClient, waitForRedisReady } from './adapters/redis/redis-client.factory';
import { ReadCacheMemory } from './adapters/cache/read-cache-memory';
import { SystemClock } from './adapters/system/system-clock.adapter';
import { UuidV7IdGenerator } from './adapters/system/uuidv7-id-generator.adapter';
import { CLOCK } from './application/ports/clock.port';
import { EVENT_DEAD_LETTER_STATS, type EventDeadLetterStats } from './application/ports/event-dead-letter-stats.port';
import { EVENT_INBOX } from './application/ports/event-inbox.port';
import { EVENT_TRANSPORT, type EventTransport } from './application/ports/event-transport.port';
import { ID_GENERATOR } from './application/ports/id-generator.port';
import { IDEMPOTENCY_STORE } from './application/ports/idempotency.port';
import { READINESS_PROBES, type ReadinessProbe } from './application/ports/readiness.port';
import { UNIT_OF_WORK } from './application/ports/unit-of-work.port';

export const APP_CONFIG = Symbol('AppConfig');
/** The shared Redis connection (read caches, login throttle), or null in embedded mode. */
export const REDIS_CLIENT = Symbol('RedisClient');
/**
 * The memory every read cache of the process keeps its entries in (the embedded cache, or the near
 * cache in front of Redis): one byte budget in total and per user (READ_CACHE_*, ADR 19).
 */
export const READ_CACHE_MEMORY = Symbol('ReadCacheMemory');
/** How long an Idempotency-Key claim lives without being renewed by its request. */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 10_000;

/**
 * What the composition root needs to know of a bounded context: its one Nest module (which binds
 * the context's ports for both run modes) and the TypeORM entity schemas its adapters use.
 */
export interface BoundedContext {
  readonly name: string;
  readonly module: Type;
  readonly entities?: readonly EntitySchema[];
  /** Its own migrations (TypeORM classes named `<Name><timestamp>`), run with the kernel's chain in timestamp order. */
  readonly migrations?: readonly (new () => MigrationInterface)[];
}

/** Owns the shared connections and closes them when the application stops (after every consumer stopped). */
@Injectable()
class SharedConnectionCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  constructor(
    private readonly db: Database,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['event transport', () => this.transport.close()],
      ['redis', async () => (this.redis ? closeRedisClient(this.redis) : undefined)],
      ['database', () => this.db.close()],
    ];
    for (const [name, close] of steps) {
      await close().catch((error: Error) => this.logger.warn(`closing ${name}: ${error.message}`));
    }
  }
}

/**
 * The shared kernel's wiring: configuration, clock and ids, the database (PGlite or PostgreSQL)
 * with its unit of work, outbox and inboxes, the shared Redis connection, the event transport
 * (in-process or RabbitMQ) and its dead-letter counts, metrics, readiness and the CQRS buses.
 * Global: every context module injects these; each binds only its own ports.
 */
@Global()
@Module({})
export class KernelModule {
  static forRoot(config: AppConfig, contexts: readonly BoundedContext[]): DynamicModule {
    const metrics = new Metrics();
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      { provide: Metrics, useValue: metrics },
      { provide: CLOCK, useClass: SystemClock },
      { provide: ID_GENERATOR, useClass: UuidV7IdGenerator },
      {
        provide: Database,
        useFactory: async () => {
          const schema = { entities: contexts.flatMap((c) => c.entities ?? []), migrations: contexts.flatMap((c) => c.migrations ?? []) };
          const db = await openDatabase(
            config.database.kind === 'postgres'
              ? { kind: 'postgres', url: config.database.url, poolSize: config.database.poolSize, applicationName: `life-navigation-${config.role}`, ...schema }
              : { kind: 'pglite', dataDir: config.database.dataDir, sharedBuffers: config.database.memory.sharedBuffers, ...schema },
          );
          const applied = await migrate(db);
          if (applied.length > 0) new Logger('Migrations').log(`applied ${applied.join(', ')}`);
          metrics.watchDatabasePool(() => db.poolStats());
          return db;
        },
      },
      { provide: UNIT_OF_WORK, useFactory: (db: Database) => new TypeOrmUnitOfWork(db), inject: [Database] },
      { provide: EVENT_INBOX, useFactory: (db: Database) => new TypeOrmEventInbox(db), inject: [Database] },
      {
        provide: IDEMPOTENCY_STORE,
        // A claim is a lease its live request renews (ADR 13), so only a claim whose request died
        // with its api goes stale, and a client retrying after such a crash waits at most the lease.
        useFactory: (db: Database) => new TypeOrmIdempotencyStore(db, { ttlMs: 24 * 3600_000, staleMs: IDEMPOTENCY_CLAIM_LEASE_MS }),
        inject: [Database],
      },
      {
        provide: REDIS_CLIENT,
        useFactory: async () => {
          if (config.cache.kind !== 'redis') return null;
          const log = new Logger('Redis');
          // Errors are reported, never thrown: the cache being down must not take the process with it.
          const client = createRedisClient(config.cache.url, { keyPrefix: config.cache.keyPrefix, onError: (e: Error) => log.warn(`redis: ${e.message}`) });
          // A moment at boot so the first requests find it ready; if it is down we start anyway
          // (reads fall back to the database, the readiness probe reports it).
          await waitForRedisReady(client, 2000).catch((e: Error) => log.warn(`starting without redis: ${e.message}`));
          return client;
        },
      },
      { provide: READ_CACHE_MEMORY, useFactory: () => new ReadCacheMemory(config.readCache) },
      {
        provide: EVENT_TRANSPORT,
        useFactory: (): EventTransport & EventDeadLetterStats => {
          if (config.transport.kind !== 'rabbitmq') {
            const log = new Logger('Events');
            return new InProcessEventTransport({
              onDeadLetter: (d) => log.error(`event ${d.event.type} ${d.event.eventId} dead-lettered from ${d.subscription} after ${d.attempts} attempts: ${d.error instanceof Error ? d.error.message : String(d.error)}`),
            });
          }
          const log = new Logger('RabbitMQ');
          return new RabbitMqEventTransport({
            url: config.transport.url,
            exchange: config.transport.exchange,
            reconnectTimeInSeconds: config.transport.reconnectSeconds,
            // With the error's text: a subscription's failing handler is logged with its reason.
            onError: lineSink((line) => log.warn(`rabbitmq: ${line}`)),
          });
        },
      },
      // Both transports count their subscriptions' dead letters; the worker watches them (WorkerModule).
      { provide: EVENT_DEAD_LETTER_STATS, useExisting: EVENT_TRANSPORT },
      {
        provide: READINESS_PROBES,
        useFactory: (db: Database, redis: Redis | null, transport: EventTransport): ReadinessProbe[] => [
          new DatabaseReadinessProbe(db),
          ...(redis ? [new RedisReadinessProbe(redis)] : []),
          ...(transport instanceof RabbitMqEventTransport ? [new RabbitMqReadinessProbe(transport)] : []),
        ],
        inject: [Database, REDIS_CLIENT, EVENT_TRANSPORT],
      },
      SharedConnectionCloser,
    ];
    return {
      module: KernelModule,
      imports: [CqrsModule.forRoot()],
      providers,
      exports: [APP_CONFIG, Metrics, CLOCK, ID_GENERATOR, Database, UNIT_OF_WORK, EVENT_INBOX, IDEMPOTENCY_STORE, REDIS_CLIENT, READ_CACHE_MEMORY, EVENT_TRANSPORT, EVENT_DEAD_LETTER_STATS, READINESS_PROBES],
    };
  }
}
