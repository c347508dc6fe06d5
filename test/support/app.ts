import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { EVENT_CONSUMERS } from '@app/worker';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@ln/config/config';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createApp } from '../../apps/server/src/bootstrap';
import { CONTEXT_ENTITIES, CONTEXT_MIGRATIONS } from '../../apps/server/src/contexts';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { PGLITE_TEMPLATE_ENV, SERVICES } from './services';

/** `queued`: the services with WRITE_PATH=queued (writes answer 202; the worker runs in the same process). */
export type Mode = 'embedded' | 'services' | 'queued';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly mode: Mode;
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** Removes a test's command queues and exchanges from the shared broker. */
export async function deleteCommandQueues(prefix: string, partitions: number): Promise<void> {
  const conn = await amqp.connect(SERVICES.rabbitmq);
  try {
    const ch = await conn.createChannel();
    for (let p = 0; p < partitions; p++) await ch.deleteQueue(`${prefix}.p${p}`);
    await ch.deleteQueue(`${prefix}.dead`);
    await ch.deleteQueue(`${prefix}.workers`);
    await ch.deleteExchange(prefix);
    await ch.deleteExchange(`${prefix}.dlx`);
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Removes a test's event exchange and its subscription queues (today: the learning projection's) from the shared broker. */
export async function deleteEventTopology(exchange: string): Promise<void> {
  const conn = await amqp.connect(SERVICES.rabbitmq);
  try {
    const ch = await conn.createChannel();
    for (const consumer of EVENT_CONSUMERS) {
      await ch.deleteQueue(`${exchange}.${consumer}`);
      await ch.deleteQueue(`${exchange}.${consumer}.dead`);
    }
    await ch.deleteExchange(exchange);
    await ch.deleteExchange(`${exchange}.dlx`);
    await ch.close();
  } finally {
    await conn.close();
  }
}

/**
 * Removes a suite's keys (its own REDIS_KEY_PREFIX) from the shared Redis: some live long (the
 * login throttle's known clients, 30 days). Best effort: a suite may have stopped Redis.
 */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(SERVICES.redis, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Left to expire.
  } finally {
    redis.disconnect();
  }
}

/** A database of its own for one suite, so suites never see each other's rows. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ln_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: SERVICES.postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVICES.postgres);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: SERVICES.postgres });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A migrated database with every context's schema for adapter suites: PGlite in memory, or a
 * scratch PostgreSQL database (dropped by `close`).
 */
export async function openMigratedDatabase(kind: 'pglite' | 'postgres', poolSize = 4): Promise<{ db: Database; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = await openDatabase({ entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS, kind: 'pglite' });
    await migrate(db);
    return { db, close: () => db.close() };
  }
  const scratch = await createScratchDatabase();
  let db: Database;
  try {
    db = await openDatabase({ entities: CONTEXT_ENTITIES, migrations: CONTEXT_MIGRATIONS, kind: 'postgres', url: scratch.url, poolSize });
    await migrate(db);
  } catch (error) {
    await scratch.drop();
    throw error;
  }
  return {
    db,
    close: async () => {
      try {
        await db.close();
      } finally {
        await scratch.drop();
      }
    },
  };
}

/**
 * Boots the real application (every module, every adapter) for a mode: embedded uses PGlite in
 * a temporary folder, the memory cache and the in-process transport; services uses a scratch
 * PostgreSQL database, Redis and RabbitMQ.
 */
export async function startTestApp(mode: Mode, extraEnv: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ln-test-'));
  const template = process.env[PGLITE_TEMPLATE_ENV];
  // The run's migrated embedded database, copied: the boot finds it up to date (no initdb).
  if (mode === 'embedded' && template && extraEnv.DATA_DIR === undefined) cpSync(template, path.join(dataDir, 'pglite'), { recursive: true });
  let dropDatabase: (() => Promise<void>) | undefined;
  // Suites register many users from one address (inject's 127.0.0.1): the registration limit is
  // tested where it is set low (test/e2e/auth.e2e.spec.ts), not in every suite.
  const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test', REGISTER_PER_CLIENT_PER_HOUR: '100000', ...extraEnv };
  if (mode === 'services' || mode === 'queued') {
    const db = await createScratchDatabase();
    dropDatabase = db.drop;
    Object.assign(env, {
      DATABASE_URL: db.url,
      REDIS_URL: SERVICES.redis,
      // Each suite its own keys: counters and cache entries never leak between runs or suites.
      REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:`,
      // Each suite its own command queues, deleted on close: nothing shared with other runs.
      COMMAND_QUEUE_NAME: `ln.test.app.${randomBytes(6).toString('hex')}`,
      // And its own event exchange, so its projections consume only its own events.
      EVENT_EXCHANGE_NAME: `ln.test.events.${randomBytes(6).toString('hex')}`,
      AMQP_URL: SERVICES.rabbitmq,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ...(mode === 'queued' ? { WRITE_PATH: 'queued' } : {}),
      ...extraEnv,
    });
  }
  const app = await createApp(loadConfig(env));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    mode,
    env,
    async close() {
      await app.close();
      if (env.COMMAND_QUEUE_NAME) await deleteCommandQueues(env.COMMAND_QUEUE_NAME, Number(env.COMMAND_PARTITIONS ?? 4));
      if (env.EVENT_EXCHANGE_NAME) await deleteEventTopology(env.EVENT_EXCHANGE_NAME);
      if (env.REDIS_KEY_PREFIX?.startsWith('test:')) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
