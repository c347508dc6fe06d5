import { z } from 'zod';
import { AccountResponse, SessionResponse } from '../../apps/api/src/identity/auth.schemas';
import { TaskPageResponse, TaskResponse } from '../../apps/api/src/tasks/task.schemas';
import { type TestApp, startTestApp } from '../support/app';

/**
 * The OpenAPI document is generated from the same zod schemas the responses are checked
 * against here, strictly (no undocumented field), and the document's components list exactly
 * the fields the API sends.
 */
describe('responses match the OpenAPI document [embedded]', () => {
  let t: TestApp;
  let doc: { components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> }; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  let token: string;

  beforeAll(async () => {
    t = await startTestApp('embedded');
    doc = (await t.app.inject({ method: 'GET', url: '/docs-json' })).json();
  });
  afterAll(() => t?.close());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  function conforms(schema: z.ZodObject, component: string, body: Record<string, unknown>) {
    expect(schema.strict().safeParse(body).error?.issues ?? []).toEqual([]);
    expect(Object.keys(body).sort()).toEqual(Object.keys(doc.components.schemas[component].properties).sort());
  }

  function documents(path: string, method: string, status: number) {
    expect(Object.keys(doc.paths[path][method].responses)).toContain(String(status));
  }

  it('accounts and sessions', async () => {
    const reg = await call('POST', '/v1/auth/register', { email: 'doc@example.com', password: 'long enough', timezone: 'Asia/Seoul' });
    documents('/v1/auth/register', 'post', reg.statusCode);
    conforms(AccountResponse, 'Account', reg.json());
    const login = await call('POST', '/v1/auth/login', { email: 'doc@example.com', password: 'long enough' });
    documents('/v1/auth/login', 'post', login.statusCode);
    conforms(SessionResponse, 'Session', login.json());
    token = login.json().accessToken;
    const me = await call('GET', '/v1/me');
    documents('/v1/me', 'get', me.statusCode);
    conforms(AccountResponse, 'Account', me.json());
  });

  it('tasks: every success answer and the problems', async () => {
    const parent = await call('POST', '/v1/tasks', { title: 'parent', notes: 'n', scheduledFor: '2026-12-01T09:00:00+09:00', dueAt: '2026-12-02T00:00:00Z', estimateMinutes: 30, priority: 2, tags: ['a'] });
    documents('/v1/tasks', 'post', parent.statusCode);
    conforms(TaskResponse, 'Task', parent.json());
    const id = parent.json().id;
    const step = await call('POST', '/v1/tasks', { title: 'step', parentId: id });
    conforms(TaskResponse, 'Task', step.json());
    for (const [method, url, body, path] of [
      ['GET', `/v1/tasks/${id}`, undefined, '/v1/tasks/{id}'],
      ['PATCH', `/v1/tasks/${id}`, { title: 'renamed' }, '/v1/tasks/{id}'],
      ['PUT', `/v1/tasks/${id}`, { title: 'replaced', parentId: null }, '/v1/tasks/{id}'],
      ['POST', `/v1/tasks/${step.json().id}/fail`, { reason: 'too_big', note: 'huge' }, '/v1/tasks/{id}/fail'],
      ['POST', `/v1/tasks/${step.json().id}/reopen`, undefined, '/v1/tasks/{id}/reopen'],
      ['POST', `/v1/tasks/${step.json().id}/postpone`, { scheduledFor: '2026-12-05' }, '/v1/tasks/{id}/postpone'],
      ['POST', `/v1/tasks/${step.json().id}/drop`, undefined, '/v1/tasks/{id}/drop'],
      ['POST', `/v1/tasks/${id}/complete`, undefined, '/v1/tasks/{id}/complete'],
    ] as const) {
      const res = await call(method, url, body);
      documents(path, method.toLowerCase(), res.statusCode);
      conforms(TaskResponse, 'Task', res.json());
    }
    const page = await call('GET', '/v1/tasks?limit=1');
    documents('/v1/tasks', 'get', page.statusCode);
    expect(TaskPageResponse.strict().safeParse(page.json()).success).toBe(true);

    for (const [method, url, body, path, status] of [
      ['POST', `/v1/tasks/${id}/complete`, undefined, '/v1/tasks/{id}/complete', 409],
      ['PATCH', `/v1/tasks/${id}`, { nope: 1 }, '/v1/tasks/{id}', 400],
      ['GET', '/v1/tasks/019a0000-0000-7000-8000-000000000000', undefined, '/v1/tasks/{id}', 404],
    ] as const) {
      const res = await call(method, url, body);
      expect(res.statusCode).toBe(status);
      documents(path, method.toLowerCase(), status);
      expect(Object.keys(res.json()).every((k) => k in doc.components.schemas.Problem.properties)).toBe(true);
    }
  });

  it('complete documents its optional body (actualMinutes 1-1440) and answers it as documented', async () => {
    const operation = doc.paths['/v1/tasks/{id}/complete'].post as unknown as { requestBody: { content: Record<string, { schema: { $ref: string } }> } };
    expect(operation.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CompleteTaskRequest');
    expect(doc.components.schemas.CompleteTaskRequest).toMatchObject({
      type: 'object',
      properties: { actualMinutes: { type: 'integer', minimum: 1, maximum: 1440 } },
      additionalProperties: false,
    });
    expect(doc.components.schemas.CompleteTaskRequest.required ?? []).toEqual([]);
    expect(doc.components.schemas.Task.properties.actualMinutes).toMatchObject({ type: 'integer', nullable: true });
    const task = (await call('POST', '/v1/tasks', { title: 'timed' })).json();
    const res = await call('POST', `/v1/tasks/${task.id}/complete`, { actualMinutes: 25 });
    documents('/v1/tasks/{id}/complete', 'post', res.statusCode);
    conforms(TaskResponse, 'Task', res.json());
    expect(res.json().actualMinutes).toBe(25);
    const bad = await call('POST', `/v1/tasks/${task.id}/complete`, { actualMinutes: 0 });
    expect(bad.statusCode).toBe(400);
    documents('/v1/tasks/{id}/complete', 'post', 400);
  });
});

describe('text PostgreSQL cannot store is a 400, not a 500 [embedded]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t?.close());

  it('NUL characters in any text field', async () => {
    const post = (url: string, body: unknown, token?: string) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) });
    expect((await post('/v1/auth/register', { email: 'nul\u0000@example.com', password: 'long enough' })).statusCode).toBe(400);
    await post('/v1/auth/register', { email: 'nul@example.com', password: 'long enough' });
    const token = (await post('/v1/auth/login', { email: 'nul@example.com', password: 'long enough' })).json().accessToken;
    for (const body of [{ title: 'a\u0000b' }, { title: 'ok', notes: '\u0000' }, { title: 'ok', tags: ['x\u0000'] }]) {
      const res = await post('/v1/tasks', body, token);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid_character');
    }
    const task = (await post('/v1/tasks', { title: 'fine' }, token)).json();
    const fail = await post(`/v1/tasks/${task.id}/fail`, { reason: 'other', note: 'why\u0000' }, token);
    expect(fail.statusCode).toBe(400);
    expect(fail.json().errors).toEqual([{ field: 'note', message: expect.any(String) }]);
  });
});
