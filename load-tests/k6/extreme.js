// @ts-check
// The extreme test: 2,000 VUs, ten reads to one write, ramped up over a minute and held for three.
// Only the original's thresholds (fewer than 5% failed, p95 < 800 ms) and "no 5xx but 503": it
// finds where the service stops coping, not whether it keeps our latency targets. Needs a load
// generator with room for 2,000 VUs (ulimit -n above 4,096) and USERS large enough to spread the
// writes (default here 1,000). WRITE_PATH as in writes.js.
//   k6 run -e BASE_URL=http://localhost:3000 load-tests/k6/extreme.js
import { positiveInt } from './lib/config.js';
import { pickUser, seed } from './lib/setup.js';
import { read, write } from './lib/requests.js';
import { NO_UNEXPECTED_5XX, ORIGINAL } from './lib/thresholds.js';

const VUS = positiveInt('VUS', 2000);

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '15m',
  scenarios: {
    extreme: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '1m', target: VUS },
        { duration: __ENV.HOLD || '3m', target: VUS },
        { duration: '30s', target: 0 },
      ],
      gracefulRampDown: '30s',
    },
  },
  thresholds: { ...ORIGINAL, ...NO_UNEXPECTED_5XX },
};

/** More users than the other scenarios: 2,000 VUs' writes spread over 1,000 users (USERS overrides). */
export function setup() {
  return seed(positiveInt('USERS', 1000));
}

/** @param {import('./lib/setup.js').SeedData} data */
export default function (data) {
  const user = pickUser(data, __VU, __ITER);
  // One iteration in eleven writes: the 10:1 mix.
  if (__ITER % 11 === 10) write(user, __ITER);
  else read(user, __ITER);
}
