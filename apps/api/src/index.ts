// The api app's entry point: what the composition root (apps/server) may use of it.
export { ApiModule } from './api.module';
export { HealthController } from './health/health.controller';
export { MetricsController } from './health/metrics.controller';
export { handleIdempotencyKeys } from './http/idempotency';
export { PinoNestLogger, createLogger, logRequests, requestId } from './http/logging';
export { measureRequests } from './http/request-metrics';
export { answerFrameworkError } from './http/problem.filter';
export { refuseDeepBodies } from './http/validation';
export { setupOpenApi } from './openapi.setup';
