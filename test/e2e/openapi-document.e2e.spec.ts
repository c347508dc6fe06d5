import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { type TestApp, startTestApp } from '../support/app';
import { describeWithService } from '../support/services';

/**
 * The OpenAPI document the API serves at /docs-json (issue 14): valid (swagger-parser), clean under
 * `redocly lint` with the repository's redocly.yaml (errors and warnings both fail), an example on
 * every response that has a body, the headers the edge sends on every response they go with,
 * `security: []` exactly on the routes that answer without a token, and the headers real answers
 * carry documented on the response they came with (embedded mode; the queued write path's 202s too
 * when RabbitMQ is there). Every check is derived from the document itself, not from a list of
 * routes kept here.
 */

const ROOT = path.resolve(__dirname, '../..');
const REDOCLY = path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const run = promisify(execFile);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** The headers that mean something to a client (not the security headers every answer has, not the transport's). */
const API_HEADERS = ['etag', 'location', 'command-id', 'retry-after', 'x-request-id', 'www-authenticate', 'idempotent-replayed'];

interface Header {
  $ref?: string;
  required?: boolean;
}
interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: unknown; example?: unknown; examples?: Record<string, { value?: unknown }> }>;
}
interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, Response>;
}
interface Doc {
  openapi: string;
  info: { license?: { name: string } };
  servers?: { url: string }[];
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components: { headers?: Record<string, Header>; securitySchemes?: Record<string, unknown> };
}

function operationsOf(doc: Doc) {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ name: `${m.toUpperCase()} ${p}`, path: p, method: m, op: item[m]! })),
  );
}

/** A response's headers, names in lower case, references resolved. */
function documentedHeaders(doc: Doc, response: Response): Map<string, Header> {
  const out = new Map<string, Header>();
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    out.set(name.toLowerCase(), h.$ref ? doc.components.headers![h.$ref.split('/').pop()!] : h);
  }
  return out;
}

/** The operation of the document that serves a method and a concrete URL. */
function operationFor(doc: Doc, method: string, url: string) {
  const pathOnly = url.split('?')[0];
  return operationsOf(doc).find(
    (o) => o.method === method.toLowerCase() && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathOnly),
  );
}

/** Lints a document with the repository's redocly.yaml: the problems it reports. */
async function redoclyLint(doc: unknown): Promise<{ totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location?: { pointer?: string }[] }[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ln-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    // Exit status 1 when it finds an error: the JSON report on stdout is what is read either way.
    const { stdout } = await run(process.execPath, [REDOCLY, 'lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 32 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return JSON.parse(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const problemsOf = (report: Awaited<ReturnType<typeof redoclyLint>>) => report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);

describe('the OpenAPI document at /docs-json [embedded]', () => {
  let t: TestApp;
  let doc: Doc;

  beforeAll(async () => {
    // A low login limit, so the walk below meets a 429.
    t = await startTestApp('embedded', { LOGIN_MAX_FAILURES: '2' });
    const res = await t.app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(() => t?.close());

  it('is valid OpenAPI (swagger-parser validates it against the OpenAPI schema and resolves every $ref)', async () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('passes redocly lint with redocly.yaml: no error and no warning (examples checked against their schemas)', async () => {
    const report = await redoclyLint(doc);
    expect(problemsOf(report)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('the lint can fail: an example that breaks its schema and a public route without security are reported', async () => {
    const broken = structuredClone(doc);
    const get = operationsOf(broken).find((o) => o.method === 'get' && o.op.responses['200']?.content?.['application/json']?.example)!;
    (get.op.responses['200'].content!['application/json'].example as Record<string, unknown>) = { surprise: true };
    const open = operationsOf(broken).find((o) => o.op.security?.length === 0)!;
    delete open.op.security;
    const rules = (await redoclyLint(broken)).problems.map((p) => p.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['no-invalid-media-type-examples', 'security-defined']));
  });

  it('names the servers (this one) and the licence package.json names', () => {
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.servers![0].url).toBe('/');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(doc.info.license?.name).toBe(pkg.license);
  });

  it('every response with a body has an example for each media type, and every operation a success answer', () => {
    const missing: string[] = [];
    for (const { name, op } of operationsOf(doc)) {
      if (!Object.keys(op.responses).some((s) => s.startsWith('2'))) missing.push(`${name}: no 2xx`);
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [media, content] of Object.entries(response.content ?? {})) {
          if (content.example === undefined && Object.keys(content.examples ?? {}).length === 0) missing.push(`${name} ${status} ${media}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the edge headers on every response they go with: X-Request-Id always, Retry-After on 429 and 503, WWW-Authenticate on 401', () => {
    const missing: string[] = [];
    for (const { name, op } of operationsOf(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        const headers = documentedHeaders(doc, response);
        const want = ['x-request-id', ...(status === '429' || status === '503' ? ['retry-after'] : []), ...(status === '401' ? ['www-authenticate'] : [])];
        for (const h of want) if (!headers.get(h)?.required) missing.push(`${name} ${status} ${h}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every query parameter is named, and a list filter with fixed values is an enum', () => {
    const list = operationFor(doc, 'GET', '/v1/tasks')!.op;
    const names = (list.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['status', 'scheduledFrom', 'scheduledTo', 'dueFrom', 'dueTo', 'overdue', 'tag', 'parentId', 'sort', 'limit', 'cursor']));
    const status = (list.parameters ?? []).find((p) => p.name === 'status') as unknown as { schema: { type: string; items: { enum: string[] } } };
    expect(status.schema).toMatchObject({ type: 'array', items: { enum: ['open', 'done', 'failed', 'dropped'] } });
  });

  it('no optional parameter has an example: Swagger UI\'s "Try it out" would send it (a filter, an If-Match, an Idempotency-Key)', () => {
    const prefilled: string[] = [];
    for (const { name, op } of operationsOf(doc)) {
      for (const p of (op.parameters ?? []) as { name: string; in: string; required?: boolean; example?: unknown; schema?: unknown }[]) {
        if (!p.required && (p.example !== undefined || JSON.stringify(p.schema ?? {}).includes('"example"'))) prefilled.push(`${name} ${p.name}`);
      }
    }
    expect(prefilled).toEqual([]);
  });

  it('security: [] exactly on the routes that answer without a token; every other route is refused without one (401 missing_token)', async () => {
    const schemes = Object.keys(doc.components.securitySchemes ?? {});
    const wrong: string[] = [];
    for (const { name, path: p, method, op } of operationsOf(doc)) {
      expect(op.security).toBeDefined();
      for (const requirement of op.security!) for (const scheme of Object.keys(requirement)) expect(schemes).toContain(scheme);
      const url = p.replace(/\{[^}]+\}/g, randomUUID());
      const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url, headers: { 'content-type': 'application/json' }, payload: method === 'get' ? undefined : '{}' });
      const refused = res.statusCode === 401 && res.json().code === 'missing_token';
      const isPublic = op.security!.length === 0;
      if (isPublic === refused) wrong.push(`${name}: security ${JSON.stringify(op.security)}, answered ${res.statusCode} ${res.json().code ?? ''}`);
    }
    expect(wrong).toEqual([]);
    expect(operationsOf(doc).filter((o) => o.op.security!.length === 0).map((o) => o.name).sort()).toEqual(['POST /v1/auth/login', 'POST /v1/auth/refresh', 'POST /v1/auth/register']);
  });

  it('a body is required exactly where the route refuses a request without one', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/v1/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'bodies@example.com', password: 'long enough pw' }) });
    expect(login.statusCode).toBe(201);
    const session = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'bodies@example.com', password: 'long enough pw' }) });
    const auth = { authorization: `Bearer ${session.json().accessToken}` };
    const wrong: string[] = [];
    for (const { name, path: p, method, op } of operationsOf(doc)) {
      if (!op.requestBody) continue;
      const res = await t.app.inject({ method: method.toUpperCase() as 'POST', url: p.replace(/\{[^}]+\}/g, randomUUID()), headers: op.security!.length ? auth : {} });
      // Without a body the route either refuses it as a body (400 naming `body`) or gets on with the request.
      const refusedBody = res.statusCode === 400 && (res.json().errors ?? []).some((e: { field: string }) => e.field === 'body');
      if (refusedBody !== (op.requestBody.required === true)) wrong.push(`${name}: required ${op.requestBody.required}, answered ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  });

  describe('real answers carry exactly the headers their response documents', () => {
    headerConformance(() => ({ t, doc }));
  });
});

describeWithService('rabbitmq', 'the OpenAPI document and the queued write path (WRITE_PATH=queued)', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await startTestApp('queued', { LOGIN_MAX_FAILURES: '2' });
    doc = (await t.app.inject({ method: 'GET', url: '/docs-json' })).json();
  });
  afterAll(() => t?.close());
  headerConformance(() => ({ t, doc }));
});

/**
 * Walks the API as a client would (accounts, tasks, every write, idempotent replays, plans,
 * commands, refusals of every kind) and checks each answer against the document: its status is
 * documented for the operation, every client-facing header it carries is documented on that
 * response, and every header documented as required is there.
 */
function headerConformance(get: () => { t: TestApp; doc: Doc }) {
  it('every answer of a walk through the API', async () => {
    const { t, doc } = get();
    const seen: string[] = [];
    const wrong: string[] = [];
    let token = '';
    const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await t.app.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const found = operationFor(doc, method, url);
      const label = `${method} ${url} ${res.statusCode}`;
      seen.push(`${found?.name ?? '?'} ${res.statusCode}`);
      const response = found?.op.responses[String(res.statusCode)];
      if (!response) {
        wrong.push(`${label}: status not documented`);
        return res;
      }
      const documented = documentedHeaders(doc, response);
      for (const h of API_HEADERS) if (res.headers[h] !== undefined && !documented.has(h)) wrong.push(`${label}: sends ${h}, not documented`);
      for (const [h, d] of documented) if (d.required && res.headers[h] === undefined) wrong.push(`${label}: documents ${h} as required, not sent`);
      return res;
    };

    const email = `headers-${randomUUID()}@example.com`;
    await call('POST', '/v1/auth/register', { email, password: 'long enough pw', timezone: 'Europe/Berlin' });
    await call('POST', '/v1/auth/register', { email, password: 'long enough pw' });
    await call('POST', '/v1/auth/login', { email, password: 'wrong password' });
    const session = (await call('POST', '/v1/auth/login', { email, password: 'long enough pw' })).json();
    await call('POST', '/v1/auth/refresh', { refreshToken: 'x'.repeat(20) });
    await call('GET', '/v1/tasks');
    token = session.accessToken;
    await call('GET', '/v1/me');
    await call('PATCH', '/v1/me', { timezone: 'Asia/Seoul' });

    const key = randomUUID();
    const created = await call('POST', '/v1/tasks', { title: 'Write the report', estimateMinutes: 120, tags: ['work'] }, { 'idempotency-key': key });
    const id = created.json().id as string;
    await call('POST', '/v1/tasks', { title: 'Write the report', estimateMinutes: 120, tags: ['work'] }, { 'idempotency-key': key });
    await call('POST', '/v1/tasks', { title: 'Another' }, { 'idempotency-key': key });
    await call('POST', '/v1/tasks', { title: 'x', colour: 'red' });
    await call('POST', '/v1/tasks', 'title=x', { 'content-type': 'text/plain' });
    await call('POST', '/v1/tasks', { title: 'x'.repeat(70_000) });
    await call('GET', `/v1/tasks/${id}`);
    await call('GET', `/v1/tasks/${randomUUID()}`);
    await call('GET', '/v1/tasks?status=open&status=failed&limit=10');
    await call('GET', '/v1/tasks?limit=0');
    await call('PATCH', `/v1/tasks/${id}`, { notes: 'from the finance sheet' }, { 'if-match': '"99"' });
    await call('PATCH', `/v1/tasks/${id}`, { notes: 'from the finance sheet' });
    const step = (await call('POST', '/v1/tasks', { title: 'step', parentId: id })).json().id as string;
    await call('PUT', `/v1/tasks/${step}`, { title: 'step, renamed', parentId: id });
    const fresh = '019a2b3c-4d5e-7f60-8a1b-' + randomUUID().slice(-12);
    await call('PUT', `/v1/tasks/${fresh}`, { title: 'made by PUT' });
    await call('POST', `/v1/tasks/${step}/postpone`, { scheduledFor: '2027-01-04' });
    await call('POST', `/v1/tasks/${step}/fail`, { reason: 'too_big', note: 'ran out of day' });
    await call('POST', `/v1/tasks/${step}/reopen`);
    await call('POST', `/v1/tasks/${step}/drop`);
    await call('POST', `/v1/tasks/${id}/complete`, { actualMinutes: 100 });
    await call('POST', `/v1/tasks/${fresh}/complete`);
    await call('POST', `/v1/tasks/${fresh}/complete`);
    await call('DELETE', `/v1/tasks/${step}`);
    const commandId = created.headers['command-id'];
    if (typeof commandId === 'string') await call('GET', `/v1/commands/${commandId}`);
    await call('GET', `/v1/commands/${randomUUID()}`);
    await call('GET', '/v1/insights?from=2026-01-01&to=2026-12-31');
    await call('GET', '/v1/insights?from=2026-12-31&to=2026-01-01');
    const plan = await call('POST', `/v1/tasks/${id}/plans`);
    await call('GET', `/v1/tasks/${id}/plans`);
    if (plan.statusCode === 202) {
      await call('GET', `/v1/plans/${plan.json().id}`);
      await call('POST', `/v1/plans/${plan.json().id}/reject`, { feedback: 'not now' });
    }
    await call('POST', `/v1/plans/${randomUUID()}/accept`);
    await call('POST', '/v1/auth/refresh', { refreshToken: session.refreshToken });
    await call('POST', '/v1/auth/logout');

    expect(wrong).toEqual([]);
    // The walk reached what it is for: answers with each kind of header.
    expect(seen).toEqual(expect.arrayContaining(['POST /v1/tasks 415', 'POST /v1/tasks 413', 'GET /v1/tasks 401', 'POST /v1/auth/login 401', 'POST /v1/tasks/{id}/plans 202']));
  });

  it('a real 429 (the login throttle) carries Retry-After, documented as required on it', async () => {
    const { t, doc } = get();
    const email = `throttled-${randomUUID()}@example.com`;
    await t.app.inject({ method: 'POST', url: '/v1/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'long enough pw' }) });
    let res;
    for (let i = 0; i < 20; i++) {
      res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'not the password' }) });
      if (res.statusCode === 429) break;
    }
    expect(res!.statusCode).toBe(429);
    expect(res!.headers['retry-after']).toMatch(/^\d+$/);
    expect(documentedHeaders(doc, operationFor(doc, 'POST', '/v1/auth/login')!.op.responses['429']).get('retry-after')?.required).toBe(true);
  });
}
