import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Metrics } from '@ln/kernel/adapters/observability/metrics';
import { READINESS_PROBES, type ReadinessProbe } from '@ln/kernel/application/ports/readiness.port';
import Fastify, { type FastifyInstance } from 'fastify';
import { answerWrongMethods } from '../http/edge';
import { requestId } from '../http/logging';
import { problem } from '../http/problem';
import { answerClientError, sendProblem, toProblem } from '../http/problem.filter';
import { API_HEADERS } from '../http/security-headers';
import { checkReadiness } from './readiness';

/**
 * The operations port (METRICS_PORT), every role: `/metrics` for Prometheus, `/health/live`, and
 * `/health/ready` with each dependency's state and the reason it is down (host, port, driver
 * message). None of it is for the public: the API port answers neither `/metrics` nor more than
 * `{status}` on `/health/ready` (ADR 21). A Fastify instance of its own, so nothing of the API
 * (guard, filters, hooks, request log, request metrics) runs here and no API route answers here.
 */
@Injectable()
export class OpsServer implements OnApplicationShutdown {
  private readonly server: FastifyInstance;

  constructor(metrics: Metrics, @Inject(READINESS_PROBES) probes: ReadinessProbe[]) {
    const server = Fastify({ logger: false, genReqId: requestId, return503OnClosing: false, clientErrorHandler: answerClientError });
    server.addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id).headers(API_HEADERS);
      done();
    });
    answerWrongMethods(server);
    server.get('/metrics', async (_request, reply) => {
      void reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
    server.get('/health/live', async () => ({ status: 'ok' }));
    server.get('/health/ready', async (_request, reply) => {
      const { ok, checks } = await checkReadiness(probes);
      if (!ok) void reply.code(503).header('retry-after', '5');
      return { status: ok ? 'ok' : 'unavailable', checks };
    });
    server.setNotFoundHandler((request, reply) =>
      sendProblem(reply, { problem: problem(404, 'route_not_found', 'no such route', { instance: request.url.split('?')[0], requestId: request.id }), headers: {} }),
    );
    server.setErrorHandler((error, request, reply) => sendProblem(reply, toProblem(error, request)));
    this.server = server;
  }

  /** For tests: a request to this port without opening it. */
  inject(options: { method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'; url: string }) {
    return this.server.inject(options);
  }

  async listen(port: number, host: string): Promise<void> {
    await this.server.listen({ port, host });
  }

  /** After the API stopped taking requests: Prometheus may scrape until the very end. */
  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}
