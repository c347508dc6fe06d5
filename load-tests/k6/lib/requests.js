// @ts-check
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, WRITE_STATUS } from './config.js';
import { authorized } from './setup.js';
import { countServerError } from './thresholds.js';

// A 201, 202 or 204 is a success; anything else counts in http_req_failed (setup's answers are tagged apart).
http.setResponseCallback(http.expectedStatuses(200, 201, 202, 204));

/**
 * A read as a user makes them: the first page of their open tasks, or one task.
 * @param {import('./setup.js').SeededUser} user
 * @param {number} iteration
 */
export function read(user, iteration) {
  const one = iteration % 2 === 1 && user.taskIds.length > 0;
  const res = one
    ? http.get(`${BASE_URL}/v1/tasks/${user.taskIds[iteration % user.taskIds.length]}`, { headers: authorized(user.token), tags: { kind: 'read', name: 'GET /v1/tasks/{id}' } })
    : http.get(`${BASE_URL}/v1/tasks?status=open&limit=20`, { headers: authorized(user.token), tags: { kind: 'read', name: 'GET /v1/tasks' } });
  countServerError(res);
  check(res, {
    'read: 200': (r) => r.status === 200,
    'read: a task or a page': (r) => (one ? typeof r.json('id') === 'string' : Array.isArray(r.json('items'))),
  });
}

/**
 * A write: a new task (201 on the synchronous path, 202 on the queued one: WRITE_PATH).
 * @param {import('./setup.js').SeededUser} user
 * @param {number} iteration
 */
export function write(user, iteration) {
  const res = http.post(`${BASE_URL}/v1/tasks`, JSON.stringify({ title: `k6 write ${iteration}`, tags: ['k6'], estimateMinutes: 30 }), {
    headers: authorized(user.token),
    tags: { kind: 'write', name: 'POST /v1/tasks' },
  });
  countServerError(res);
  check(res, {
    [`write: ${WRITE_STATUS}`]: (r) => r.status === WRITE_STATUS,
    'write: the task': (r) => typeof r.json('id') === 'string',
  });
}
