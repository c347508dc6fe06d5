// @ts-check
// Writes: 500 VUs for 2 minutes creating tasks, each iteration as the next of the seeded users
// (one user's queued writes are applied one at a time by design: a single user would measure only
// that). WRITE_PATH must say how the server runs: sync (201) or queued (202).
//   k6 run -e BASE_URL=http://localhost:3000 -e WRITE_PATH=queued load-tests/k6/writes.js
import { positiveInt } from './lib/config.js';
import { pickUser, seed } from './lib/setup.js';
import { write } from './lib/requests.js';
import { CHECKS, NO_UNEXPECTED_5XX, ORIGINAL, WRITES } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '10m',
  scenarios: {
    writes: { executor: 'constant-vus', vus: positiveInt('VUS', 500), duration: __ENV.DURATION || '2m' },
  },
  thresholds: { ...ORIGINAL, ...WRITES, ...NO_UNEXPECTED_5XX, ...CHECKS },
};

export const setup = seed;

/** @param {import('./lib/setup.js').SeedData} data */
export default function (data) {
  write(pickUser(data, __VU, __ITER), __ITER);
}
