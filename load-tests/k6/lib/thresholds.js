// @ts-check
import { Counter } from 'k6/metrics';

/**
 * Thresholds. The original's, on every scenario: fewer than 5% of requests failed and p95 under
 * 800 ms (its alert rules say the same: 5xx > 5%, p95 > 800 ms for 5 minutes). Ours, tighter, on
 * the 500-VU scenarios (README "Load tests" says why each):
 * - failures under 0.1%: with every dependency up no request should fail; 5% would hide one
 *   replica in ten refusing everything;
 * - reads p95 < 250 ms and p99 < 500 ms: a cached read costs ~0.1 ms of CPU (docs/benchmarks.md),
 *   so at 500 VUs the time is queueing; one api process serves 7-11k reads/s on 2 cores, which is
 *   a mean of 45-70 ms for 500 VUs in a closed loop;
 * - writes p95 < 500 ms: a synchronous create commits in PostgreSQL, a queued one waits for
 *   RabbitMQ's confirm; at 100 connections sync p95 was 27-39 ms at 4-5k creates/s;
 * - no 5xx other than 503, ever: a 503 is a dependency or the queue saying "later" with
 *   Retry-After; any other 5xx is a bug (the fuzz suite holds the same line);
 * - checks (status and body) pass 99.9% of the time.
 * The extreme test keeps only the original's thresholds and the "no 5xx but 503" one: it is there
 * to find where the service stops coping, not to hold a latency target.
 */
export const ORIGINAL = {
  http_req_failed: ['rate<0.05'],
  http_req_duration: ['p(95)<800'],
};

/** Requests answered 5xx with a status other than 503. */
export const unexpectedServerErrors = new Counter('unexpected_server_errors');

/**
 * @param {import('k6/http').RefinedResponse<any>} res
 */
export function countServerError(res) {
  if (res.status >= 500 && res.status !== 503) unexpectedServerErrors.add(1, { status: String(res.status) });
}

/** @type {Record<string, string[]>} */
export const NO_UNEXPECTED_5XX = { unexpected_server_errors: ['count==0'] };

/** @type {Record<string, string[]>} */
export const READS = {
  'http_req_failed{kind:read}': ['rate<0.001'],
  'http_req_duration{kind:read}': ['p(95)<250', 'p(99)<500'],
};

/** @type {Record<string, string[]>} */
export const WRITES = {
  'http_req_failed{kind:write}': ['rate<0.001'],
  'http_req_duration{kind:write}': ['p(95)<500'],
};

/** @type {Record<string, string[]>} */
export const CHECKS = { checks: ['rate>0.999'] };
