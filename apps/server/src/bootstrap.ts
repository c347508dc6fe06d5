import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IDEMPOTENCY_CLAIM_LEASE_MS, InfrastructureModule } from '@ln/adapters/infrastructure';
import type { AppConfig } from '@ln/config';
import { ApiModule } from '../../api/src/api.module';
import { HealthController } from '../../api/src/health/health.controller';
import { MetricsController } from '../../api/src/health/metrics.controller';
import { measureRequests } from '../../api/src/http/request-metrics';
import { handleIdempotencyKeys } from '../../api/src/http/idempotency';
import { ACCESS_TOKENS, CLOCK, IDEMPOTENCY_STORE } from '@ln/application';
import { Metrics } from '@ln/adapters/observability';
import { PinoNestLogger, createLogger, logRequests, requestId } from '../../api/src/http/logging';
import { setupOpenApi } from '../../api/src/openapi.setup';
import { WorkerModule } from '../../worker/src/worker.module';

/** Bodies larger than this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

function rootModule(config: AppConfig, roles: Type[]): DynamicModule {
  @Module({})
  class RootModule {}
  return {
    module: RootModule,
    imports: [InfrastructureModule.forRoot(config), ...roles],
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
