// @ts-check
// The product's shape: ten reads to one write, at fixed arrival rates (open model: a slow server
// does not slow the load down, it queues it). RATE is requests per second in all (default 1,100:
// 1,000 reads and 100 writes); up to 500 VUs each. WRITE_PATH as in writes.js.
//   k6 run -e BASE_URL=http://localhost:3000 -e RATE=2200 load-tests/k6/mixed.js
import { positiveInt } from './lib/config.js';
import { pickUser, seed } from './lib/setup.js';
import { read, write } from './lib/requests.js';
import { CHECKS, NO_UNEXPECTED_5XX, ORIGINAL, READS, WRITES } from './lib/thresholds.js';

const RATE = positiveInt('RATE', 1100);
const duration = __ENV.DURATION || '2m';
const writeRate = Math.max(1, Math.round(RATE / 11));

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '10m',
  scenarios: {
    reads: { executor: 'constant-arrival-rate', exec: 'reads', rate: RATE - writeRate, timeUnit: '1s', duration, preAllocatedVUs: 200, maxVUs: 500 },
    writes: { executor: 'constant-arrival-rate', exec: 'writes', rate: writeRate, timeUnit: '1s', duration, preAllocatedVUs: 50, maxVUs: 500 },
  },
  thresholds: {
    ...ORIGINAL,
    ...READS,
    ...WRITES,
    ...NO_UNEXPECTED_5XX,
    ...CHECKS,
    // The arrival rate was kept: iterations k6 could not start for lack of a VU mean the server fell behind.
    dropped_iterations: ['count<10'],
  },
};

export const setup = seed;

/** @param {import('./lib/setup.js').SeedData} data */
export function reads(data) {
  read(pickUser(data, __VU, __ITER), __ITER);
}

/** @param {import('./lib/setup.js').SeedData} data */
export function writes(data) {
  write(pickUser(data, __VU, __ITER), __ITER);
}
