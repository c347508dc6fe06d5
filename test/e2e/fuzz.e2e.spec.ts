import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { AppConfig } from '@ln/config/config';
import { loadOrCreateJwtSecret } from '@ln/identity/adapters/security/jwt-secret.file';
import { ACCESS_TOKENS, type AccessTokens } from '@ln/identity/application/ports/access-tokens.port';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { APP_CONFIG } from '@ln/kernel/kernel.module';
import { type Mode, type TestApp, startTestApp } from '../support/app';
import { type FuzzOperation, type FuzzRequest, type FuzzWorld, type OpenApiDocument, hostileString, operationsOf, requestsFor, specProblems } from '../support/openapi-fuzz';
import { describeWithService } from '../support/services';

/**
 * The spec-driven fuzz suite (issue 12): from the app's own OpenAPI document (generated from the
 * zod request schemas), valid and broken requests for every operation, sent to the real app on
 * both engines. For every answer:
 * - never a 5xx;
 * - every 4xx is application/problem+json with a stable `code` and its own status;
 * - a refused request (4xx) leaves the database as it was (tasks, accounts, sessions, idempotency
 *   records, the outbox), compared row by row before and after.
 *
 * `npm test` runs a short deterministic run (fixed seed, bounded runs per operation); `npm run fuzz`
 * a long one: FUZZ_SEED (default: random, printed), FUZZ_RUNS (runs per operation), FUZZ_ENGINES
 * (`embedded,services`), FUZZ_REPORT (a file to write the figures to), FUZZ_KEEP_GOING=1 (count
 * every kind of failure instead of stopping at the first). docs/reliability.md has the long runs'
 * figures.
 */

const LONG = process.env.FUZZ_LONG === '1';
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : LONG ? Math.floor(Math.random() * 2 ** 31) : 20_261_205;
const RUNS = Number(process.env.FUZZ_RUNS ?? (LONG ? 2_000 : 40));
const ENGINES = (process.env.FUZZ_ENGINES ?? 'embedded,services').split(',');
const TIMEOUT_MS = LONG ? 24 * 3_600_000 : 180_000;
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === '1';

/** A 4xx that changes the database by design: presenting a spent refresh token revokes its whole family. */
const REFUSALS_THAT_WRITE = new Set(['refresh_token_reused']);

/**
 * Everything a refused request must leave alone, as one comparable value per table. The outbox is
 * counted for the events requests write (tasks', accounts'): consumers running in the background
 * (the learning projection's scores) append their own at any time.
 */
const SNAPSHOT_SQL = `
  SELECT
    (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM tasks t) AS tasks,
    (SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) FROM users u) AS users,
    (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r.id), '')) FROM refresh_tokens r) AS sessions,
    (SELECT md5(coalesce(string_agg(k::text, '|' ORDER BY k.user_id, k.key), '')) FROM idempotency_keys k) AS idempotency,
    (SELECT count(*)::text FROM outbox WHERE aggregate_type IN ('task', 'user')) AS outbox`;

/** What the suite reads of a 2xx JSON answer. */
type Answer = { id?: unknown; version?: unknown; items?: { id?: unknown; version?: unknown }[]; nextCursor?: unknown; refreshToken?: unknown } | null;

interface Stats {
  requests: number;
  unsendable: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
  codes: Record<string, number>;
  /** Requests meant to be valid that were refused anyway, by operation and code (how well the generators know the API). */
  validRefused: Record<string, Record<string, number>>;
  ms: number;
}

function fuzzSuite(mode: Mode) {
  let t: TestApp;
  let doc: OpenApiDocument;
  let tokens: AccessTokens;
  let db: Database;
  let before = '';
  const stats: Stats = { requests: 0, unsendable: 0, byStatus: {}, byOperation: {}, codes: {}, validRefused: {}, ms: 0 };

  const own = { id: '', token: '', issuedAt: 0 };
  const other = { id: '', token: '', issuedAt: 0 };
  // Tokens last 15 min; a long run outlives them. Issued by the app's own signer, as a login would.
  const fresh = (who: typeof own) => {
    if (Date.now() - who.issuedAt > 5 * 60_000) Object.assign(who, { token: tokens.issue(who.id).token, issuedAt: Date.now() });
    return who.token;
  };
  /** Ids the API answered, by collection (see FuzzOperation.resource). */
  const pools = new Map<string, string[]>();
  const pool = (collection: string) => {
    let p = pools.get(collection);
    if (!p) pools.set(collection, (p = []));
    return p;
  };
  const taskIds = pool('tasks');
  const cursors: string[] = [];
  const credentials: { email: string; password: string }[] = [];
  const refreshTokens: string[] = [];
  const versions = new Map<string, number>();
  let forgedTokens: fc.Arbitrary<string> = fc.constant('');

  const world: FuzzWorld = {
    ids: pool,
    cursors,
    credentials,
    refreshTokens,
    versionOf: (id) => versions.get(id),
    ownToken: () => fresh(own),
    otherToken: () => fresh(other),
    get forgedTokens() {
      return forgedTokens;
    },
  };

  beforeAll(async () => {
    t = await startTestApp(mode);
    tokens = t.app.get(ACCESS_TOKENS);
    db = t.app.get(Database);
    doc = (await t.app.inject({ method: 'GET', url: '/docs-json' })).json();

    const account = async () => {
      const email = `fuzz-${randomUUID()}@example.com`;
      const password = 'correct horse battery';
      const reg = await send('POST', '/v1/auth/register', { email, password, timezone: 'Europe/Berlin' });
      expect(reg.statusCode).toBe(201);
      credentials.push({ email, password });
      return { id: reg.json().id as string, token: tokens.issue(reg.json().id).token };
    };
    Object.assign(own, await account(), { issuedAt: Date.now() });
    Object.assign(other, await account(), { issuedAt: Date.now() });

    // Tasks in every state, the caller's and another user's, and one deleted.
    await replenish();
    await create(other.token, { title: 'not yours' });
    const gone = await create(own.token, { title: 'deleted' });
    expect((await send('DELETE', `/v1/tasks/${gone}`, undefined, own.token)).statusCode).toBe(204);
    for (const sort of ['createdAt', '-createdAt', 'scheduledFor', '-scheduledFor']) {
      const page = await send('GET', `/v1/tasks?limit=2&sort=${sort}`, undefined, own.token);
      cursors.push(page.json().nextCursor);
    }
    const login = await send('POST', '/v1/auth/login', credentials[0]);
    refreshTokens.push(login.json().refreshToken);

    forgedTokens = forgedTokenArbitrary(t.app.get<AppConfig>(APP_CONFIG), own.id, tokens);
    before = await snapshot();
  }, 120_000);

  afterAll(async () => {
    if (LONG || process.env.FUZZ_REPORT) {
      const report = { engine: mode, seed: SEED, runsPerOperation: RUNS, ...stats, seconds: Math.round(stats.ms / 1000), failures: Object.fromEntries(failures) };
      // eslint-disable-next-line no-console
      console.log(`fuzz report ${JSON.stringify(report)}`);
      if (process.env.FUZZ_REPORT) writeFileSync(`${process.env.FUZZ_REPORT}.${mode}.json`, JSON.stringify(report, null, 2));
    }
    // After a long run the worker's consumers still have thousands of events to work through.
    await t?.close();
  }, LONG ? 600_000 : 60_000);

  async function create(token: string, body: object): Promise<string> {
    const res = await send('POST', '/v1/tasks', body, token);
    expect(res.statusCode).toBe(201);
    taskIds.push(res.json().id);
    versions.set(res.json().id, res.json().version);
    return res.json().id as string;
  }

  /** Tasks of the caller in every state (open with a step, done, failed, dropped, postponed, open): what the lifecycle operations need. */
  async function replenish(): Promise<void> {
    const token = world.ownToken();
    const parent = await create(token, { title: 'parent', scheduledFor: '2026-12-01', tags: ['home'] });
    await create(token, { title: 'step', parentId: parent, dueAt: '2026-12-02T09:00:00+09:00' });
    for (const [action, body] of [['complete', { actualMinutes: 30 }], ['fail', { reason: 'too_big', note: 'huge' }], ['drop', {}], ['postpone', { scheduledFor: '2026-12-24' }]] as const) {
      const id = await create(token, { title: action, estimateMinutes: 60, priority: 2 });
      const res = await send('POST', `/v1/tasks/${id}/${action}`, body, token);
      expect(res.statusCode).toBe(200);
      versions.set(id, res.json().version);
    }
    for (let i = 0; i < 3; i++) await create(token, { title: `open ${i}`, scheduledFor: `2026-12-0${i + 1}T0${i}:00:00Z`, tags: ['work'] });
  }

  function send(method: string, url: string, body?: unknown, token?: string) {
    return t.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function snapshot(): Promise<string> {
    const [row] = (await db.run((m) => m.query(SNAPSHOT_SQL))) as Record<string, string>[];
    return JSON.stringify(row);
  }

  /** What a failure message shows of a request: enough to replay it by hand. */
  function shown(req: FuzzRequest, res?: { statusCode: number; body: string }): string {
    const payload = req.payload === undefined ? '' : req.payload.length > 600 ? `${JSON.stringify(req.payload.slice(0, 600))}... (${req.payload.length} chars)` : JSON.stringify(req.payload);
    return `${req.method} ${req.url.slice(0, 600)}\nheaders ${JSON.stringify(req.headers).slice(0, 600)}\nbody ${payload}\nbroken: ${req.broken.join(', ') || 'nothing'}${res ? `\n-> ${res.statusCode} ${res.body.slice(0, 600)}` : ''}`;
  }

  /**
   * A broken property: thrown at once (fast-check then shrinks it to a smallest request), or with
   * FUZZ_KEEP_GOING=1 counted by kind, its first example kept, and the run goes on (a census of
   * everything a long run finds; the test fails at the end).
   */
  const failures = new Map<string, { count: number; example: string }>();
  function fail(kind: string, detail: string): void {
    if (!KEEP_GOING) throw new Error(detail);
    const seen = failures.get(kind);
    if (seen) seen.count++;
    else failures.set(kind, { count: 1, example: detail });
  }

  async function failed(kind: string, detail: string): Promise<void> {
    fail(kind, detail);
    // Going on: what the failed request did is the state the next one starts from.
    before = await snapshot();
  }

  /**
   * One request through inject. The event stream (`text/event-stream`) never ends on its own: its
   * answer is taken as a stream, a 200 is closed at once (as a client hanging up) with its body
   * left empty, anything else is read whole.
   */
  async function inject(req: FuzzRequest) {
    const streaming = req.method === 'GET' && /^\/v1\/events(\?|$)/.test(req.url);
    if (!streaming) return t.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
    const res = await t.app.inject({ method: 'GET', url: req.url, headers: req.headers, payloadAsStream: true });
    let body = '';
    if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) res.raw.res.destroy();
    else for await (const chunk of res.stream()) body += String(chunk);
    return { statusCode: res.statusCode, headers: res.headers, body };
  }

  /** Sends one generated request and checks the answer; learns ids, cursors and tokens from it. */
  async function exchange(op: FuzzOperation, req: FuzzRequest): Promise<void> {
    let res;
    try {
      res = await inject(req);
    } catch (error) {
      // Node refuses to put some header values on the wire at all: no client can send them.
      if (/ERR_INVALID_CHAR|ERR_HTTP_INVALID_HEADER_VALUE|ERR_UNESCAPED_CHARACTERS|Invalid character/.test(`${(error as { code?: string }).code} ${(error as Error).message}`)) {
        stats.unsendable++;
        return;
      }
      throw error;
    }
    stats.requests++;
    const status = String(res.statusCode);
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const perOp = (stats.byOperation[req.operation] ??= {});
    perOp[status] = (perOp[status] ?? 0) + 1;

    if (res.statusCode >= 500) return failed(`${req.operation}: ${res.statusCode}`, `5xx answer\n${shown(req, res)}`);
    let code: string | undefined;
    if (res.statusCode >= 400) {
      if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
        return failed(`${req.operation}: ${res.statusCode} not problem+json`, `4xx not problem+json (${res.headers['content-type']})\n${shown(req, res)}`);
      }
      const problem = JSON.parse(res.body) as { code?: unknown; status?: unknown; type?: unknown; title?: unknown; detail?: unknown };
      if (typeof problem.code !== 'string' || problem.code === '' || problem.status !== res.statusCode || typeof problem.type !== 'string' || typeof problem.title !== 'string' || typeof problem.detail !== 'string') {
        return failed(`${req.operation}: ${res.statusCode} problem without a code`, `4xx problem without a code or with another status\n${shown(req, res)}`);
      }
      code = problem.code;
      stats.codes[code] = (stats.codes[code] ?? 0) + 1;
      if (req.broken.length === 0) {
        const refused = (stats.validRefused[req.operation] ??= {});
        refused[code] = (refused[code] ?? 0) + 1;
        if (process.env.FUZZ_DEBUG) console.log(`valid but refused:\n${shown(req, res)}`);
      }
    } else if (res.body.length > 0 && String(res.headers['content-type']).startsWith('application/json')) {
      learn(req, op, res, JSON.parse(res.body) as Answer);
    } else if (req.method === 'DELETE' && res.statusCode === 204) {
      // Deleted: out of the pool (the seeded deleted task stays, to be asked for again).
      const id = req.url.split('?')[0].split('/')[3] ?? '';
      if (taskIds.includes(id)) taskIds.splice(taskIds.indexOf(id), 1);
    }

    const after = await snapshot();
    if (res.statusCode >= 400 && after !== before && !REFUSALS_THAT_WRITE.has(code!)) {
      return failed(`${req.operation}: ${res.statusCode} ${code} changed the database`, `a refused request changed the database\nbefore ${before}\nafter  ${after}\n${shown(req, res)}`);
    }
    before = after;
  }

  function learn(req: FuzzRequest, op: FuzzOperation, res: { headers: Record<string, unknown> }, body: Answer): void {
    const remember = <T>(list: T[], value: T, cap: number) => {
      if (list.includes(value)) return;
      list.push(value);
      // Keep the seeded entries (the first 16) and the most recent ones.
      if (list.length > cap) list.splice(16, 1);
    };
    // The collection the answer is about: Location names it (`/v1/plans/{id}`), else the operation's path.
    const located = /^\/v1\/([a-z-]+)\/([0-9a-f-]{36})$/.exec(String(res.headers.location ?? ''));
    const resource = located?.[1] ?? op.resource;
    if (located) remember(pool(located[1]), located[2], 300);
    if (resource && body && typeof body === 'object') {
      for (const item of [body, ...(Array.isArray(body.items) ? body.items : [])]) {
        if (typeof item?.id !== 'string') continue;
        remember(pool(resource), item.id, 300);
        if (typeof item.version === 'number') versions.set(item.id, item.version);
      }
    }
    if (typeof body?.nextCursor === 'string') remember(cursors, body.nextCursor, 100);
    if (typeof body?.refreshToken === 'string') remember(refreshTokens, body.refreshToken, 50);
    if (op.name === 'POST /v1/auth/register' && req.payload) {
      const sent = JSON.parse(req.payload) as { email: string; password: string };
      remember(credentials, { email: sent.email.trim(), password: sent.password }, 50);
    }
  }

  it('the OpenAPI document is a usable spec: every parameter named, every body with a schema', () => {
    expect(specProblems(doc)).toEqual([]);
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThanOrEqual(17);
    expect(ops.find((o) => o.name === 'GET /v1/tasks')?.query.map((q) => q.name)).toEqual(expect.arrayContaining(['status', 'scheduledFrom', 'dueFrom', 'tag', 'cursor', 'limit']));
    expect(ops.find((o) => o.name === 'GET /v1/insights')?.query.map((q) => q.name)).toEqual(['from', 'to']);
  });

  it(
    `every operation, valid and broken requests (seed ${SEED}, ${RUNS} runs each): no 5xx, problem+json with a code on every 4xx, refused requests change nothing`,
    async () => {
      const started = Date.now();
      const ops: FuzzOperation[] = operationsOf(doc);
      try {
        for (const [i, op] of ops.entries()) {
          // Each operation starts with tasks in every state (the ones before may have closed or deleted them).
          await replenish();
          before = await snapshot();
          let sinceReplenished = 0;
          await fc.assert(
            fc.asyncProperty(requestsFor(doc, op, world), async (req) => {
              // A long run closes and deletes what it is given: fresh tasks in every state every 100 requests.
              if (++sinceReplenished > 100) {
                sinceReplenished = 0;
                await replenish();
                before = await snapshot();
              }
              await exchange(op, req);
            }),
            { seed: SEED + i, numRuns: RUNS, endOnFailure: !LONG },
          );
        }
      } finally {
        stats.ms += Date.now() - started;
      }
      if (failures.size > 0) {
        throw new Error(`${failures.size} kinds of failure:\n${[...failures].map(([kind, f]) => `${kind} (${f.count}x), e.g.\n${f.example}`).join('\n\n')}`);
      }
      // The generators reach the API's success paths too, not only its refusals.
      const succeeded = ops.filter((op) => Object.keys(stats.byOperation[op.name] ?? {}).some((s) => s.startsWith('2')));
      expect(succeeded.length).toBeGreaterThanOrEqual(ops.length - 3);
    },
    TIMEOUT_MS,
  );
}

/**
 * Access tokens signed with the server's real key (what a leaked key, a test key or a bug in
 * another issuer would produce) whose header or claims are wrong: the subject not a user id, not a
 * string, missing claims, odd times. Plus tokens the app's own signer made for hostile subjects.
 */
function forgedTokenArbitrary(config: AppConfig, userId: string, tokens: AccessTokens): fc.Arbitrary<string> {
  const secret = config.auth.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = () => Math.floor(Date.now() / 1000);
  const odd = fc.constantFrom<unknown>(null, 'x', '', -1, 0, 2 ** 53, 1e20, 1.5, [], {}, true);
  const header = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Record<string, unknown>>({ alg: 'HS256', typ: 'at+jwt' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, unknown>>(
        { alg: 'none', typ: 'at+jwt' }, { alg: 'HS512', typ: 'at+jwt' }, { alg: 'HS256' }, { alg: 'HS256', typ: 'JWT' },
        { alg: 'HS256', typ: 'at+jwt', kid: '../../etc/passwd' }, { alg: 'HS256', typ: 'at+jwt', crit: ['exp'] }, { alg: 'HS256', typ: 'at+jwt', jku: 'http://x' },
      ),
    },
  );
  const claims = fc.record({
    sub: fc.oneof(fc.constant<unknown>(userId), fc.uuid(), hostileString, odd, fc.constant(userId.toUpperCase()), fc.constant(` ${userId}`)),
    jti: fc.oneof(fc.uuid(), hostileString, odd),
    iat: fc.oneof(fc.constant(null).map(now), fc.constant(null).map(() => now() + 86_400), odd),
    exp: fc.oneof(fc.constant(null).map(() => now() + 900), fc.constant(null).map(() => now() - 10), odd),
    iss: fc.oneof({ weight: 5, arbitrary: fc.constant<unknown>(config.auth.issuer) }, { weight: 1, arbitrary: fc.oneof(hostileString, odd, fc.constant([config.auth.issuer])) }),
    aud: fc.oneof({ weight: 5, arbitrary: fc.constant<unknown>(config.auth.audience) }, { weight: 1, arbitrary: fc.oneof(hostileString, odd, fc.constant([config.auth.audience, 'x'])) }),
  });
  const handSigned = fc.tuple(header, claims, fc.option(fc.constantFrom('sub', 'jti', 'iat', 'exp', 'iss', 'aud'))).map(([h, c, missing]) => {
    const body: Record<string, unknown> = { ...c };
    if (missing) delete body[missing];
    const input = `${b64(h)}.${b64(body)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  });
  return fc.oneof(handSigned, hostileString.map((sub) => tokens.issue(sub).token));
}

for (const engine of ENGINES) {
  if (engine === 'embedded') describe('spec-driven fuzz [embedded]', () => fuzzSuite('embedded'));
  else if (engine === 'services') describeWithService('postgres', 'spec-driven fuzz (services)', () => fuzzSuite('services'));
}
