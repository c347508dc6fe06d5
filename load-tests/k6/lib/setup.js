// @ts-check
import http from 'k6/http';
import { BASE_URL, RUN_ID, TASKS_PER_USER, USERS, WRITE_STATUS } from './config.js';

/**
 * @typedef {{ token: string, taskIds: string[] }} SeededUser
 * @typedef {{ users: SeededUser[] }} SeedData
 */

const JSON_HEADERS = { 'content-type': 'application/json' };
/** Requests per http.batch: registration and login cost an argon2 hash each on the server. */
const BATCH = 50;
/** setup() traffic is tagged apart, so the thresholds judge only the scenarios. */
const SETUP_TAGS = { phase: 'setup' };

/**
 * Registers USERS users, logs each in and gives each TASKS_PER_USER tasks: what every scenario
 * starts from (the shared setup()). Many users, not one: a user's queued writes are applied one
 * at a time by design, so a single-user load would measure that user's queue, not the server.
 * The server must allow this many registrations from one address: run it with
 * REGISTER_PER_CLIENT_PER_HOUR above USERS (README "Load tests").
 * Access tokens live ACCESS_TOKEN_TTL_SECONDS (15 min by default): keep a run shorter, or raise it.
 * @param {number} [userCount] USERS by default
 * @param {number} [tasksPerUser] TASKS_PER_USER by default
 * @returns {SeedData}
 */
export function seed(userCount = USERS, tasksPerUser = TASKS_PER_USER) {
  const password = `k6 load test ${RUN_ID}`;
  const emails = Array.from({ length: userCount }, (_, i) => `k6-${RUN_ID}-${i}@example.com`);

  inBatches(emails, (email) => ['POST', `${BASE_URL}/v1/auth/register`, JSON.stringify({ email, password }), { headers: JSON_HEADERS, tags: SETUP_TAGS }], [201], 'register');
  const logins = inBatches(emails, (email) => ['POST', `${BASE_URL}/v1/auth/login`, JSON.stringify({ email, password }), { headers: JSON_HEADERS, tags: SETUP_TAGS }], [200], 'login');
  const tokens = logins.map((res) => /** @type {{ accessToken: string }} */ (res.json()).accessToken);

  /** @type {{ user: number, n: number }[]} */
  const wanted = [];
  for (let user = 0; user < userCount; user++) for (let n = 0; n < tasksPerUser; n++) wanted.push({ user, n });
  const created = inBatches(
    wanted,
    ({ user, n }) => ['POST', `${BASE_URL}/v1/tasks`, JSON.stringify(seedTask(n)), { headers: authorized(tokens[user]), tags: SETUP_TAGS }],
    [WRITE_STATUS],
    'seed task',
  );
  /** @type {SeededUser[]} */
  const users = tokens.map((token) => ({ token, taskIds: [] }));
  created.forEach((res, i) => users[wanted[i].user].taskIds.push(/** @type {{ id: string }} */ (res.json()).id));
  return { users };
}

/**
 * @param {number} n
 */
function seedTask(n) {
  const day = new Date(Date.now() + (n % 14) * 86_400_000).toISOString().slice(0, 10);
  return { title: `seeded task ${n}`, scheduledFor: day, estimateMinutes: 15 + (n % 8) * 15, priority: 1 + (n % 4), tags: [n % 2 ? 'work' : 'home'] };
}

/**
 * @param {string} token
 * @returns {Record<string, string>}
 */
export function authorized(token) {
  return { ...JSON_HEADERS, authorization: `Bearer ${token}` };
}

/**
 * Sends one request per item, BATCH at a time, and stops the run if any answer is not expected.
 * @template T
 * @param {T[]} items
 * @param {(item: T) => import('k6/http').BatchRequest} request
 * @param {number[]} expected
 * @param {string} what
 * @returns {import('k6/http').RefinedResponse<'text'>[]}
 */
function inBatches(items, request, expected, what) {
  /** @type {import('k6/http').RefinedResponse<'text'>[]} */
  const answers = [];
  for (let i = 0; i < items.length; i += BATCH) {
    const responses = /** @type {import('k6/http').RefinedResponse<'text'>[]} */ (http.batch(items.slice(i, i + BATCH).map(request)));
    for (const res of responses) {
      if (!expected.includes(res.status)) {
        throw new Error(`setup: ${what} answered ${res.status}, expected ${expected.join(' or ')}: ${String(res.body).slice(0, 300)}`);
      }
    }
    answers.push(...responses);
  }
  return answers;
}

/**
 * The user an iteration acts as: spread over every seeded user (VU and iteration together), so
 * no user's queue is the bottleneck.
 * @param {SeedData} data
 * @param {number} vu
 * @param {number} iteration
 * @returns {SeededUser}
 */
export function pickUser(data, vu, iteration) {
  return data.users[(vu * 7919 + iteration) % data.users.length];
}
