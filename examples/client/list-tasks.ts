/**
 * A typed client of the Life Navigation API in a few lines: the types are generated from the
 * OpenAPI document with openapi-typescript, the requests are made with openapi-fetch.
 *
 *   npx openapi-typescript http://localhost:3000/docs-json -o examples/client/schema.d.ts
 *
 * test/e2e/openapi-client.e2e.spec.ts generates schema.d.ts from the live document, type-checks
 * this file against it (strict) and runs `listOpenWorkTasks` against the running API.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Task = components['schemas']['Task'];
export type Problem = components['schemas']['Problem'];

/** Refused requests answer RFC 9457 problem+json with a stable `code`. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

/** A client that logs in once and sends the access token with every request. */
export async function logIn(baseUrl: string, email: string, password: string): Promise<Client<paths>> {
  const api = createClient<paths>({ baseUrl });
  const { data: session, error } = await api.POST('/v1/auth/login', { body: { email, password } });
  if (error) throw new ApiProblem(error);
  api.use({
    onRequest({ request }) {
      request.headers.set('authorization', `${session.tokenType} ${session.accessToken}`);
      return request;
    },
  });
  return api;
}

/** Adds a task tagged work, then lists the open tasks tagged work: a filter on an enum and a tag. */
export async function listOpenWorkTasks(api: Client<paths>, title: string): Promise<{ created: Task; etag: string | null; open: Task[] }> {
  const { data: created, error, response } = await api.POST('/v1/tasks', { body: { title, tags: ['work'], estimateMinutes: 45 } });
  if (error) throw new ApiProblem(error);
  const { data: page, error: refused } = await api.GET('/v1/tasks', { params: { query: { status: ['open'], tag: 'work', sort: '-createdAt', limit: 20 } } });
  if (refused) throw new ApiProblem(refused);
  return { created, etag: response.headers.get('etag'), open: page.items };
}

/** Completes a task only if nobody changed it since it was read (If-Match with its ETag). */
export async function complete(api: Client<paths>, task: Task, actualMinutes: number): Promise<Task> {
  const { data, error } = await api.POST('/v1/tasks/{id}/complete', {
    params: { path: { id: task.id }, header: { 'If-Match': `"${task.version}"` } },
    body: { actualMinutes },
  });
  if (error) throw new ApiProblem(error);
  return data;
}

/**
 * Never called: what the generated types refuse. Each line would compile if the types were loose
 * (a query typed `{ undefined: unknown }`, say), and then `@ts-expect-error` itself is the error.
 */
export function refusedAtCompileTime(api: Client<paths>): void {
  // @ts-expect-error `finished` is not a task status
  void api.GET('/v1/tasks', { params: { query: { status: ['finished'] } } });
  // @ts-expect-error a task needs a title
  void api.POST('/v1/tasks', { body: { notes: 'no title' } });
  // @ts-expect-error limit is a number
  void api.GET('/v1/tasks', { params: { query: { limit: 'all' } } });
  // @ts-expect-error no such route
  void api.GET('/v1/task');
  // @ts-expect-error a reason for failing is one of the documented reasons
  void api.POST('/v1/tasks/{id}/fail', { params: { path: { id: 'x' } }, body: { reason: 'bored' } });
}
