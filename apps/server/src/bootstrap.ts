import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { IDEMPOTENCY_CLAIM_LEASE_MS, KernelModule } from '@ln/kernel/kernel.module';
import { CONTEXTS } from './contexts';
import type { AppConfig } from '@ln/config/config';
import { ACCESS_TOKENS } from '@ln/identity/application/ports/access-tokens.port';
import { CLOCK } from '@ln/kernel/application/ports/clock.port';
import { IDEMPOTENCY_STORE } from '@ln/kernel/application/ports/idempotency.port';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { ApiModule, OpsModule, acceptJsonBodiesOnly, allowCrossOrigin, answerClientError, answerFrameworkError, answerWrongMethods, refuseDeepBodies, measureRequests, handleIdempotencyKeys, PinoNestLogger, createLogger, logRequests, requestId, secureAnswers, setupOpenApi } from '@app/api';
import { WorkerModule } from '@app/worker';
import { gitRevision, packageVersion } from './build-info';

/** Bodies larger than this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

function rootModule(config: AppConfig, roles: Type[]): DynamicModule {
  @Module({})
  class RootModule {}
  return {
    module: RootModule,
    // OpsModule: every role's operations port (METRICS_PORT: metrics, detailed health), opened by main.
    imports: [KernelModule.forRoot(config, CONTEXTS), ...CONTEXTS.map((c) => c.module), ...roles, OpsModule],
  };
}

function adapter(logger: ReturnType<typeof createLogger>, trustedProxies: readonly string[]): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // request.ip (the login and registration throttles' client) is the socket's peer unless that
    // peer is a proxy named in TRUSTED_PROXIES; then X-Forwarded-For is read back to the first
    // address not trusted. Nothing trusted by default: a forged header changes nothing.
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
    genReqId: requestId,
    loggerInstance: logger,
    // Request lines carry `requestId`; our own single line per request (logRequests) instead of
    // Fastify's two. Through a LogController: the top-level options are deprecated (FSTDEP023/024).
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Nest's router is the one that matters; Fastify's default 404 would not be problem+json.
    return503OnClosing: true,
    // A URL the router cannot decode, or a path parameter too long for it: problem+json too.
    frameworkErrors: answerFrameworkError,
    // A request Node's HTTP parser refuses (headers too large: 431, malformed: 400, too slow: 408).
    clientErrorHandler: answerClientError,
  });
}

/**
 * Builds the application for a role. `api` and `all` serve the public HTTP API (with Swagger);
 * `all` also runs the worker's consumers in the same process; `worker` serves no HTTP of its own.
 * Every role has the operations port (`OpsServer`), which main opens on METRICS_PORT.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const roles: Type[] =
    config.role === 'worker' ? [WorkerModule] : config.role === 'all' ? [ApiModule, WorkerModule] : [ApiModule];
  const logger = createLogger(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(rootModule(config, roles), adapter(logger, config.http.trustedProxies), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    // JSON bodies only (acceptJsonBodiesOnly): the framework's form parser is never registered.
    bodyParser: false,
  });
  // After the hooks, process.exit rather than re-raising the signal (Nest's default): only an exit
  // runs pino's exit handler, which writes out the buffered log lines (the last second of them).
  app.enableShutdownHooks([], { useProcessExit: true });
  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON only; anything else is 415, not a string handed to a validator.
  acceptJsonBodiesOnly(fastify);
  logRequests(fastify);
  const metrics = app.get(Metrics);
  measureRequests(fastify, metrics);
  metrics.setBuildInfo({ version: packageVersion(), revision: config.buildRevision ?? gitRevision(), role: config.role });
  // The request id and the security headers (ADR 21), then 405 for a known path's wrong method.
  secureAnswers(fastify);
  answerWrongMethods(fastify);
  if (config.role !== 'worker') {
    // CORS_ORIGINS (none by default): after the security headers, so a preflight's answer has them too.
    await allowCrossOrigin(fastify, config.http.corsOrigins);
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
