import type { INestApplication } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, type OperationObject, type ParameterObject, type RequestBodyObject, type ResponseObject, SwaggerModule } from '@nestjs/swagger';
import { DependencyUnavailable } from '@ln/kernel/application/application.errors';
import { ApiModule } from './api.module';
import { isPublicRoute } from './http/auth.guard';
import { RequestValidationFailed, Unauthenticated } from './http/http-errors';
import { IdempotencyKeyReused } from './http/idempotency';
import { EXAMPLE_REQUEST_ID, HEADERS, PROBLEM_SCHEMA, problemExample, problemResponse } from './http/openapi';
import type { Problem } from './http/problem';

/** The licence the project is published under: package.json's `license` (a test holds them equal). */
export const API_LICENSE = 'UNLICENSED';

const TAGS = [
  { name: 'auth', description: 'Accounts and sessions: register, log in, rotate the refresh token, log out (the first three need no token)' },
  { name: 'me', description: 'The account of the access token' },
  { name: 'tasks', description: 'Tasks and their life: create, read, list with filters, edit, complete, fail (with a reason), postpone, reopen, drop' },
  { name: 'commands', description: 'Where a queued write (a 202 with Command-Id) stands' },
  { name: 'insights', description: 'What your own outcomes say: completion by hour, weekday, size and tag, failure reasons, overcommitment, streaks' },
  { name: 'coach', description: 'Plans the coach makes for a failed or postponed task: read, ask for, accept, reject' },
  { name: 'events', description: 'Your live events as Server-Sent Events (resumable by Last-Event-ID), the stream token browsers need for EventSource, and the incremental sync of your tasks' },
];

const operationIdOf = (controller: string, method: string) => `${controller}_${method}`;

type Operation = Omit<OperationObject, 'responses' | 'parameters' | 'requestBody'> & {
  responses: Record<string, ResponseObject>;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
};
type Controller = new (...args: never[]) => object;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function* operations(document: OpenAPIObject): Generator<{ path: string; method: (typeof METHODS)[number]; operation: Operation }> {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) if (item[method]) yield { path, method, operation: item[method] as Operation };
  }
}

/**
 * What the edge answers before a handler runs (ADR 21), documented once here rather than on each
 * operation: a body that is not JSON is 415 on any operation that could carry one (those without a
 * documented body included), a body over the limit 413 where one is taken.
 */
function documentBodyRefusals(document: OpenAPIObject): void {
  for (const { method, operation } of operations(document)) {
    if (method === 'get') continue;
    operation.responses['415'] ??= problemResponse(415);
    if (operation.requestBody) operation.responses['413'] ??= problemResponse(413);
  }
}

/**
 * What the routes' own declarations say that @nestjs/swagger cannot express, read from the same
 * metadata the server acts on: a route the guard lets through without a token (`@Public()`) has
 * `security: []`; a body whose schema accepts no body at all (`.optional()`) is not required.
 */
function documentRouteDeclarations(app: INestApplication, document: OpenAPIObject): void {
  const reflector = app.get(Reflector);
  const byId = new Map<string, Operation>();
  for (const { operation } of operations(document)) if (operation.operationId) byId.set(operation.operationId, operation);
  const controllers = (Reflect.getMetadata('controllers', ApiModule) ?? []) as Controller[];
  for (const controller of controllers) {
    for (const method of Object.getOwnPropertyNames(controller.prototype)) {
      const operation = byId.get(operationIdOf(controller.name, method));
      if (!operation) continue;
      const handler = (controller.prototype as Record<string, unknown>)[method] as object;
      if (isPublicRoute(reflector, handler, controller)) operation.security = [];
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { schema?: { '~standard'?: { validate(v: unknown): unknown } } }>;
      const body = Object.entries(args).find(([key]) => Number(key.split(':')[0]) === RouteParamtypes.BODY)?.[1];
      const verdict = body?.schema?.['~standard']?.validate(undefined) as { issues?: unknown } | Promise<unknown> | undefined;
      const acceptsNoBody = verdict !== undefined && !(verdict instanceof Promise) && !verdict.issues;
      if (acceptsNoBody && operation.requestBody) operation.requestBody.required = false;
    }
  }
}

/**
 * The headers the edge itself puts on answers (apps/api/src/http/edge.ts, problem.filter.ts,
 * idempotency.ts), on every response they go with: X-Request-Id on every answer; Retry-After on
 * every 429 and 503; WWW-Authenticate on every 401; on an operation taking an Idempotency-Key,
 * Idempotent-Replayed on a replayed success and Retry-After on the 409 of a key still in progress.
 */
function documentEdgeHeaders(document: OpenAPIObject): void {
  // Described once under components.headers, referred to from each response.
  const shared = {
    RequestId: { ...HEADERS.requestId, required: true },
    RetryAfter: { ...HEADERS.retryAfter, required: true },
    WwwAuthenticate: { ...HEADERS.wwwAuthenticate, required: true },
    IdempotentReplayed: { ...HEADERS.idempotentReplayed, required: false },
    RetryAfterKeyInProgress: { ...HEADERS.retryAfter, required: false, description: 'With `idempotency_key_in_progress`: seconds to wait before retrying' },
  };
  document.components = { ...document.components, headers: { ...(document.components?.headers ?? {}), ...shared } };
  const ref = (name: keyof typeof shared) => ({ $ref: `#/components/headers/${name}` });
  for (const { operation } of operations(document)) {
    const keyed = (operation.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
    for (const [status, response] of Object.entries(operation.responses)) {
      const headers: NonNullable<ResponseObject['headers']> = { ...(response.headers ?? {}), 'X-Request-Id': ref('RequestId') };
      if (status === '429' || status === '503') headers['Retry-After'] = ref('RetryAfter');
      if (status === '401') headers['WWW-Authenticate'] = ref('WwwAuthenticate');
      if (keyed && status.startsWith('2')) headers['Idempotent-Replayed'] = ref('IdempotentReplayed');
      if (keyed && status === '409') headers['Retry-After'] = ref('RetryAfterKeyInProgress');
      response.headers = headers;
    }
  }
}

/** A request path as a client would send it for an operation: its template with example ids. */
const concretePath = (path: string) => path.replace(/\{[^}]+\}/g, '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b');

/** The usual refusal of a status where a route names none of its own; statuses whose refusals differ by route have none. */
function defaultProblem(status: string, operation: Operation): Problem | undefined {
  switch (status) {
    case '400': {
      // The operation's own first input, refused as the validation pipe refuses it: a malformed id, a
      // query value out of range, or a body field the schema does not have.
      const params = operation.parameters ?? [];
      const input = params.find((p) => p.in === 'path') ?? params.find((p) => p.in === 'query');
      const issue = !input ? { field: 'colour', message: 'unknown field' } : { field: input.name, message: input.in === 'path' ? 'Invalid UUID' : 'Invalid input' };
      return problemExample(new RequestValidationFailed([issue]));
    }
    case '401':
      return problemExample(new Unauthenticated('invalid_token', 'the access token is invalid or expired'));
    case '413':
      return problemExample({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    case '415':
      return problemExample({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    case '422':
      return problemExample(new IdempotencyKeyReused());
    case '503':
      return problemExample(new DependencyUnavailable('database'));
    default:
      return undefined;
  }
}

/** Every problem response gets an example: the route's own refusals, or the usual one; with this operation's `instance` and a request id. */
function documentProblemExamples(document: OpenAPIObject): void {
  for (const { path, operation } of operations(document)) {
    for (const [status, response] of Object.entries(operation.responses)) {
      const media = response.content?.['application/problem+json'];
      if (!media) continue;
      if (media.example === undefined && media.examples === undefined) {
        const fallback = defaultProblem(status, operation);
        if (fallback) media.example = fallback;
      }
      const complete = (p: Problem) => ({ ...p, instance: concretePath(path), requestId: EXAMPLE_REQUEST_ID });
      if (media.example) media.example = complete(media.example as Problem);
      for (const example of Object.values(media.examples ?? {})) if ('value' in example) example.value = complete(example.value as Problem);
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Life Navigation API')
    .setDescription(
      'A TODO service that learns why each user fails tasks and re-plans them. ' +
        'Errors are RFC 9457 application/problem+json with a stable `code`. Bodies are JSON only (`application/json` or ' +
        '`application/*+json`; anything else is 415 `unsupported_media_type`); a path asked with a method it does not serve is ' +
        '405 `method_not_allowed` with `Allow`. Every answer is `Cache-Control: no-store` and carries `X-Request-Id`. ' +
        'Log in with POST /v1/auth/login and send the access token as `Authorization: Bearer <token>` (the Authorize button).',
    )
    .setVersion('1')
    .addServer('/', 'The server that serves this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const tag of TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), { operationIdFactory: operationIdOf });
  // A name only: the project is not published under a licence with a text at a URL.
  document.info.license = { name: API_LICENSE };
  document.components = document.components ?? {};
  document.components.schemas = { ...(document.components.schemas ?? {}), Problem: PROBLEM_SCHEMA as never };
  documentRouteDeclarations(app, document);
  documentBodyRefusals(document);
  documentEdgeHeaders(document);
  documentProblemExamples(document);
  return document;
}

export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return document;
}
