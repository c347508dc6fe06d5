import type { Metrics } from '@ln/kernel/adapters/observability/metrics';
import type { FastifyInstance } from 'fastify';

/**
 * Request durations by route pattern (never the raw URL: ids would explode the label set), and the
 * requests in flight.
 */
export function measureRequests(fastify: FastifyInstance, metrics: Metrics): void {
  const inFlight = metrics.httpInFlight;
  fastify.addHook('onRequest', (_request, reply, done) => {
    inFlight.inc();
    // 'close' comes once per response, answered or abandoned by the client ('finish', and with it
    // onResponse, never comes for a request whose client went away first).
    reply.raw.once('close', () => inFlight.dec());
    done();
  });
  // One child per (method, route, status), looked up by a plain string: prom-client would hash the
  // label object on every observation, on the hot path.
  const children = new Map<string, { observe(seconds: number): void }>();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.httpDuration.labels(request.method, route, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
