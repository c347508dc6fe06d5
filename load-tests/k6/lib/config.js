// @ts-check
/**
 * What every scenario reads from its environment (k6 run -e NAME=value, or the shell's).
 * BASE_URL: the API (through the balancer when there is one). USERS and TASKS_PER_USER: the data
 * setup() creates. WRITE_PATH: the server's setting (sync: writes answer 201; queued: 202), since
 * a load test must not guess which of the two it is measuring.
 */
export const BASE_URL = (__ENV.BASE_URL || 'http://localhost:3000').replace(/\/$/, '');
export const USERS = positiveInt('USERS', 200);
export const TASKS_PER_USER = positiveInt('TASKS_PER_USER', 20);
/** @type {'sync' | 'queued'} */
export const WRITE_PATH = writePath();
/** 201 on the synchronous path, 202 on the queued one. */
export const WRITE_STATUS = WRITE_PATH === 'queued' ? 202 : 201;
/** A run's users are its own: two runs against one database never collide. */
export const RUN_ID = __ENV.RUN_ID || `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function positiveInt(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** @returns {'sync' | 'queued'} */
function writePath() {
  const value = __ENV.WRITE_PATH || 'sync';
  if (value !== 'sync' && value !== 'queued') throw new Error(`WRITE_PATH must be sync or queued (the server's setting), got ${value}`);
  return value;
}
