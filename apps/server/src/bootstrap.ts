import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IDEMPOTENCY_CLAIM_LEASE_MS, KernelModule } from '@ln/kernel/kernel.module';
import { CONTEXTS } from './contexts';
import type { AppConfig } from '@ln/config/config';
import { ACCESS_TOKENS } from '@ln/identity/application/ports/access-tokens.port';
import { CLOCK } from '@ln/kernel/application/ports/clock.port';
import { IDEMPOTENCY_STORE } from '@ln/kernel/application/ports/idempotency.port';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { ApiModule, HealthController, MetricsController, answerFrameworkError, refuseDeepBodies, measureRequests, handleIdempotencyKeys, PinoNestLogger, createLogger, logRequests, requestId, setupOpenApi } from '@app/api';
import { WorkerModule } from '@app/worker';

/** Bodies larger than this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

function rootModule(config: AppConfig, roles: Type[]): DynamicModule {
  @Module({})
  class RootModule {}
  return {
    module: RootModule,
    imports: [KernelModule.forRoot(config, CONTEXTS), ...CONTEXTS.map((c) => c.module), ...roles],
  };
}

/** Only the probes, for the worker's private port. */
@Module({ controllers: [HealthController, MetricsController] })
class WorkerProbesModule {}

function adapter(logger: ReturnType<typeof createLogger>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestId,
    loggerInstance: logger,
    requestIdLogLabel: 'requestId',
    // Our own single line per request (logRequests) instead of Fastify's two.
    disableRequestLogging: true,
    // Nest's router is the one that matters; Fastify's default 404 would not be problem+json.
    return503OnClosing: true,
    // A URL the router cannot decode, or a path parameter too long for it: problem+json too.
    frameworkErrors: answerFrameworkError,
  });
}

/**
 * Builds the application for a role. `api` and `all` serve the public HTTP API (with Swagger);
 * `all` also runs the worker's consumers in the same process; `worker` serves only health.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const roles: Type[] =
    config.role === 'worker' ? [WorkerModule, WorkerProbesModule] : config.role === 'all' ? [ApiModule, WorkerModule] : [ApiModule];
  const logger = createLogger(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(rootModule(config, roles), adapter(logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON only; anything else is 415, not a string handed to a validator.
  fastify.removeContentTypeParser(['text/plain']);
  logRequests(fastify);
  measureRequests(fastify, app.get(Metrics));
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  if (config.role !== 'worker') {
    refuseDeepBodies(fastify);
    handleIdempotencyKeys(fastify, {
      store: app.get(IDEMPOTENCY_STORE),
      clock: app.get(CLOCK),
      tokens: app.get(ACCESS_TOKENS),
      renewEveryMs: IDEMPOTENCY_CLAIM_LEASE_MS / 3,
    });
    setupOpenApi(app as INestApplication);
  }
  return app;
}
