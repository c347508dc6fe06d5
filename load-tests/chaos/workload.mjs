// The write stream of `npm run chaos`: several users, each a sequential client (the next operation
// only after the previous one was acknowledged), retrying on network errors and 5xx with the same
// ids and keys, so every effect in PostgreSQL can be traced back to exactly one operation.
//
// Per user:
//   op 0          create the user's counter task C (client-chosen UUIDv7 id)
//   op k, k%3==0  create a task with a client-chosen UUIDv7 id, title `u<n> c<k>` (retry = same body)
//   op k, k%3==1  PATCH C {title: `seq <k>`} with If-Match: "<version>" (retry = same request)
//   op k, k%3==2  POST C/postpone {scheduledFor: day(k)} with Idempotency-Key `<run>-<user>-<k>`
// so in PostgreSQL each op k has exactly one event: task.created (by id), task.edited (title
// `seq k`) or task.postponed (scheduledDate day(k)), and per user these must appear in k order.
import { randomBytes } from 'node:crypto';
import { v7 } from 'uuid';
import { sleep } from './infra.mjs';

const REQUEST_TIMEOUT_MS = Number(process.env.CHAOS_REQUEST_TIMEOUT_MS ?? 15_000);
/** How long a refused retry waits for an earlier attempt of the same op to become visible. */
const PROBE_WAIT_MS = Number(process.env.CHAOS_PROBE_WAIT_MS ?? 30_000);
const BASE_DAY = Date.UTC(2031, 0, 1);

export const dayOf = (k) => new Date(BASE_DAY + k * 86_400_000).toISOString().slice(0, 10);
const versionOf = (etag) => {
  const m = /(\d+)/.exec(etag ?? '');
  return m ? Number(m[1]) : undefined;
};

class NetError extends Error {
  constructor(message, ambiguous, code) {
    super(message);
    this.ambiguous = ambiguous;
    this.code = code;
  }
}

async function http(base, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(`${base()}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const code = error?.cause?.code ?? error?.name ?? 'error';
    // Refused: nothing reached a server, so nothing can have happened. Anything else (reset,
    // closed mid-answer, timeout) may have been processed.
    throw new NetError(`${method} ${path}: ${code}`, code !== 'ECONNREFUSED', code);
  }
  let text = '';
  try {
    text = await res.text();
  } catch (error) {
    throw new NetError(`${method} ${path}: body lost (${error?.cause?.code ?? error?.name})`, true, 'body');
  }
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, at: Date.now() };
}

export class UserClient {
  /**
   * @param {object} o
   * @param {() => string} o.base   api base URL (read on every request: the api may move)
   * @param {string} o.runId
   * @param {number} o.index
   * @param {object} o.sink   scenario-wide record: acks[], anomalies[]
   */
  constructor({ base, runId, index, sink, tag }) {
    this.base = base;
    this.runId = runId;
    this.index = index;
    this.sink = sink;
    this.tag = tag;
    this.email = `chaos-${tag}-${index}-${randomBytes(3).toString('hex')}@example.com`;
    this.password = 'chaos password long enough';
    this.ops = [];
    this.counterId = v7();
    this.version = 0;
    this.stopped = false;
  }

  anomaly(op, what) {
    this.sink.anomalies.push({ user: this.index, k: op?.k, kind: op?.kind, what, at: Date.now() });
  }

  async setup() {
    const reg = await this.plain('POST', '/v1/auth/register', { email: this.email, password: this.password });
    if (reg.status !== 201) throw new Error(`register ${reg.status}: ${JSON.stringify(reg.json)}`);
    this.userId = reg.json.id;
    await this.login();
  }

  async login() {
    const r = await this.plain('POST', '/v1/auth/login', { email: this.email, password: this.password });
    if (r.status !== 200 && r.status !== 201) throw new Error(`login ${r.status}: ${JSON.stringify(r.json)}`);
    this.token = r.json.accessToken;
  }

  /** Setup calls, retried until they answer (they run outside fault windows, but be patient). */
  async plain(method, path, body) {
    for (let i = 0; ; i++) {
      try {
        const r = await http(this.base, method, path, { body });
        if (r.status < 500 && r.status !== 429) return r;
      } catch (error) {
        if (i > 200) throw error;
      }
      await sleep(200);
    }
  }

  /** Runs ops until stop() and the op in progress is settled (or the hard deadline passes). */
  async run(hardDeadline) {
    this.hardDeadline = hardDeadline;
    await this.perform(this.makeOp(0));
    for (let k = 1; !this.stopped; k++) await this.perform(this.makeOp(k));
  }

  stop() {
    this.stopped = true;
  }

  makeOp(k) {
    if (k === 0) return { k, kind: 'create', taskId: this.counterId, body: { id: this.counterId, title: `u${this.index} counter`, scheduledFor: dayOf(0) } };
    switch (k % 3) {
      case 0: {
        const id = v7();
        return { k, kind: 'create', taskId: id, body: { id, title: `u${this.index} c${k}` } };
      }
      case 1:
        return { k, kind: 'patch', taskId: this.counterId, title: `seq ${k}` };
      default:
        return { k, kind: 'postpone', taskId: this.counterId, date: dayOf(k), key: `${this.runId}-${this.userId}-${k}` };
    }
  }

  request(op) {
    switch (op.kind) {
      case 'create':
        return http(this.base, 'POST', '/v1/tasks', { token: this.token, body: op.body });
      case 'patch':
        op.expected = this.version;
        return http(this.base, 'PATCH', `/v1/tasks/${op.taskId}`, {
          token: this.token,
          body: { title: op.title },
          headers: { 'if-match': `"${this.version}"` },
        });
      case 'postpone':
        return http(this.base, 'POST', `/v1/tasks/${op.taskId}/postpone`, {
          token: this.token,
          body: { scheduledFor: op.date },
          headers: { 'idempotency-key': op.key },
        });
    }
  }

  async perform(op) {
    op.firstSentAt = Date.now();
    op.attempts = [];
    op.ambiguous = false;
    this.ops.push(op);
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > this.hardDeadline) {
        op.outcome = 'unresolved';
        this.anomaly(op, 'hard deadline passed before an answer');
        return;
      }
      const backoff = () => sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)) + Math.random() * 50);
      let r;
      const sentAt = Date.now();
      try {
        r = await this.request(op);
      } catch (error) {
        if (!(error instanceof NetError)) throw error;
        op.attempts.push({ at: sentAt, result: error.code });
        if (error.ambiguous) op.ambiguous = true;
        await backoff();
        continue;
      }
      op.attempts.push({ at: sentAt, result: r.status, code: r.json?.code });
      if (r.status >= 200 && r.status < 300) {
        op.outcome = 'acked';
        op.ackStatus = r.status;
        op.ackAt = r.at;
        op.sentAt = sentAt;
        op.commandId = r.headers.get('command-id') ?? undefined;
        const v = versionOf(r.headers.get('etag'));
        if (op.taskId === this.counterId && v !== undefined) this.version = v;
        this.sink.acks.push({ at: r.at, status: r.status });
        return;
      }
      if (r.status === 401) {
        await this.login().catch(() => undefined);
        continue;
      }
      if (r.status === 429) {
        await sleep(1000 * Number(r.headers.get('retry-after') ?? 1));
        continue;
      }
      if (r.status >= 500) {
        // 503 says "nothing happened" in the contract; treated as possibly-done anyway, so a
        // later refusal is checked against the database instead of trusted.
        op.ambiguous = true;
        const ra = Number(r.headers.get('retry-after'));
        await (Number.isFinite(ra) && ra > 0 ? sleep(Math.min(ra * 1000, 2000)) : backoff());
        continue;
      }
      if (r.status === 409 && r.json?.code === 'idempotency_key_in_progress') {
        // The attempt the api was processing when it died holds the key until it goes stale.
        if (op.ambiguous && (await this.probe(op, 0))) return this.resolved(op, r);
        op.stalledSince ??= Date.now();
        await sleep(1000 * Number(r.headers.get('retry-after') ?? 1));
        continue;
      }
      // A refusal. After an attempt that may have gone through, it is the expected answer to a
      // repeat (412 stale version, 422 not later): check that the op's effect is really there.
      if (op.ambiguous) {
        if (await this.probe(op, PROBE_WAIT_MS)) return this.resolved(op, r);
        this.anomaly(op, `refused ${r.status} ${r.json?.code ?? ''} after an ambiguous attempt, and its effect is not visible`);
      } else {
        this.anomaly(op, `refused ${r.status} ${r.json?.code ?? ''} on a first answer`);
      }
      if (op.kind !== 'create') await this.resync();
      if (attempt > 20) {
        op.outcome = 'refused';
        return;
      }
      await backoff();
    }
  }

  resolved(op, r) {
    op.outcome = 'resolved';
    op.resolvedAt = Date.now();
    op.refusal = r.status;
    this.sink.acks.push({ at: op.resolvedAt, status: 'resolved' });
  }

  async read(taskId) {
    try {
      const r = await http(this.base, 'GET', `/v1/tasks/${taskId}`, { token: this.token });
      return r;
    } catch {
      return undefined;
    }
  }

  async resync() {
    const r = await this.read(this.counterId);
    const v = versionOf(r?.headers.get('etag'));
    if (r?.status === 200 && v !== undefined) this.version = v;
  }

  /** Is this op's effect visible (in the api's view, pending overlay included)? Waits up to ms. */
  async probe(op, ms) {
    const end = Date.now() + ms;
    for (;;) {
      const r = await this.read(op.taskId);
      if (r?.status === 200 && r.json) {
        const t = r.json;
        const v = versionOf(r.headers.get('etag')) ?? t.version;
        let seen = false;
        if (op.kind === 'create') seen = true;
        else if (op.kind === 'patch') {
          if (v === op.expected + 1 && t.title === op.title) seen = true;
          else if (v > op.expected + 1) {
            seen = true;
            this.anomaly(op, `probe: version ${v} is past ${op.expected + 1} (title ${t.title})`);
          }
        } else if (op.kind === 'postpone') seen = typeof t.scheduledFor === 'string' && t.scheduledFor.slice(0, 10) >= op.date;
        if (seen) {
          if (op.taskId === this.counterId && v !== undefined) this.version = v;
          return true;
        }
      }
      if (Date.now() >= end) return false;
      await sleep(250);
    }
  }
}
