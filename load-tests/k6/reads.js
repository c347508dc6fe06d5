// @ts-check
// Reads: 500 VUs for 2 minutes, each iteration a user's first page of open tasks or one task,
// spread over every seeded user. The original's thresholds and ours (lib/thresholds.js).
//   k6 run -e BASE_URL=http://localhost:3000 load-tests/k6/reads.js
import { positiveInt } from './lib/config.js';
import { pickUser, seed } from './lib/setup.js';
import { read } from './lib/requests.js';
import { CHECKS, NO_UNEXPECTED_5XX, ORIGINAL, READS } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '10m',
  scenarios: {
    reads: { executor: 'constant-vus', vus: positiveInt('VUS', 500), duration: __ENV.DURATION || '2m' },
  },
  thresholds: { ...ORIGINAL, ...READS, ...NO_UNEXPECTED_5XX, ...CHECKS },
};

export const setup = seed;

/** @param {import('./lib/setup.js').SeedData} data */
export default function (data) {
  read(pickUser(data, __VU, __ITER), __ITER);
}
