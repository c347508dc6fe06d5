// The api app's entry point: what the composition root (apps/server) may use of it.
export { ApiModule } from './api.module';
export { OpsModule } from './health/ops.module';
export { OpsServer } from './health/ops-server.service';
export { allowCrossOrigin } from './http/cors';
export { acceptJsonBodiesOnly, answerWrongMethods, secureAnswers } from './http/edge';
export { handleIdempotencyKeys } from './http/idempotency';
export { PinoNestLogger, createLogger, logRequests, requestId } from './http/logging';
export { measureRequests } from './http/request-metrics';
export { answerClientError, answerFrameworkError } from './http/problem.filter';
export { refuseDeepBodies } from './http/validation';
export { setupOpenApi } from './openapi.setup';
