// k6 scenario for people with k6 (not on the build machines: `npm run bench` runs the same
// shape with autocannon). BASE_URL and TOKEN from the environment; the user should own ~20 tasks.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    reads: { executor: 'constant-vus', vus: 100, duration: '60s' },
  },
  thresholds: {
    http_req_failed: ['rate<0.0001'],
    http_req_duration: ['p(95)<150'],
  },
};

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/v1/tasks`, { headers: { authorization: `Bearer ${__ENV.TOKEN}` } });
  check(res, { 'status 200': (r) => r.status === 200 });
}
