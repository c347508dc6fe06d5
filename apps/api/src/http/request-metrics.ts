import type { Metrics } from '@ln/adapters/observability';
import type { FastifyInstance } from 'fastify';

/** Request durations by route pattern (never the raw URL: ids would explode the label set). */
export function measureRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
