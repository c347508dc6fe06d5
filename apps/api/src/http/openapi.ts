import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type HeaderObject } from '@nestjs/swagger';
import type { DomainError } from '@ln/kernel/domain/domain-error.base';
import { STATUS_BY_KIND } from './http-errors';
import type { Problem } from './problem';
import { toProblem } from './problem.filter';

/** The problem+json body every error response has; registered as a component in main. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'stable machine-readable error code' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `errors` names the fields (codes: validation_failed, invalid_character, malformed_json, malformed_url, ...)',
  401: 'Missing, invalid or expired credentials (codes: missing_token, invalid_token, invalid_credentials, ...)',
  404: 'Not found, or not yours',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current version',
  413: 'Body larger than 64 KB (code: payload_too_large)',
  414: 'A path segment too long for any id (code: uri_too_long)',
  415: 'Body is not JSON: application/json or application/*+json (code: unsupported_media_type)',
  422: 'The Idempotency-Key was used for another request (code: idempotency_key_reused)',
  429: 'Slow down; see Retry-After (codes: too_many_attempts, too_many_pending_writes)',
  503: 'A dependency is down; see Retry-After',
};

/**
 * Response headers, each described once. The edge's own (X-Request-Id on every answer,
 * Retry-After, WWW-Authenticate) are added to the document where they apply by `openapi.setup.ts`;
 * the ones a handler sets (ETag, Location, Command-Id) are named on its route.
 */
/** The request id the examples show (X-Request-Id and a problem's `requestId` carry the same value). */
export const EXAMPLE_REQUEST_ID = '5f0c8a52-3d4e-4b7a-9c1d-2e3f4a5b6c7d';

export const HEADERS = {
  requestId: {
    description:
      "This request's id, as in the log and a problem's `requestId`: the caller's own X-Request-Id when it is 1-128 of `A-Za-z0-9._:-`, otherwise a new UUID",
    schema: { type: 'string', maxLength: 128, example: EXAMPLE_REQUEST_ID },
  },
  retryAfter: {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', minimum: 1, example: 5 },
  },
  wwwAuthenticate: {
    description: 'RFC 6750: the access token was missing, invalid or expired',
    schema: { type: 'string', example: 'Bearer error="invalid_token"' },
  },
  etag: {
    description: "The task's version, quoted: send it back as If-Match to make a write conditional (412 when stale)",
    schema: { type: 'string', example: '"3"' },
  },
  taskLocation: { description: 'The task: /v1/tasks/{id}', schema: { type: 'string', example: '/v1/tasks/019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b' } },
  commandId: {
    description: 'The queued command; GET /v1/commands/{id} tells accepted, applied or rejected',
    schema: { type: 'string', format: 'uuid', example: '019a2b3c-5e6f-7a80-9b1c-2d3e4f5a6b7c' },
  },
  idempotentReplayed: {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again)',
    schema: { type: 'string', enum: ['true'] },
  },
} satisfies Record<string, HeaderObject>;

/**
 * A problem example, made by the one mapping that answers real refusals (`toProblem`), so it has
 * exactly the shape, title, type and code the API sends: from a domain error, or from what
 * Fastify raises (`{ code: 'FST_ERR_CTP_BODY_TOO_LARGE' }`). `instance` and `requestId` are
 * filled in per operation by openapi.setup.ts.
 */
export function problemExample(error: unknown): Problem {
  const { problem } = toProblem(error, {});
  return Object.fromEntries(Object.entries(problem).filter(([, v]) => v !== undefined)) as unknown as Problem;
}

/** An OpenAPI response object for a problem+json answer of this status, with its examples (by code) if given. */
export function problemResponse(status: number, examples: readonly Problem[] = []) {
  const media: Record<string, unknown> = { schema: { $ref: '#/components/schemas/Problem' } };
  if (examples.length === 1) media.example = examples[0];
  if (examples.length > 1) media.examples = Object.fromEntries(examples.map((p) => [p.code, { summary: p.detail, value: p }]));
  return {
    description: DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/problem+json': media },
  };
}

/**
 * Documents problem+json error responses on an operation: a status alone (its example is the
 * usual refusal of that status, filled in by openapi.setup.ts), or the refusals themselves, which
 * become the examples of their status (`new TaskNotFound()` documents a 404 with that code).
 */
export function ApiProblems(...refusals: (number | DomainError)[]) {
  const byStatus = new Map<number, Problem[]>();
  for (const r of refusals) {
    const status = typeof r === 'number' ? r : STATUS_BY_KIND[r.kind];
    const list = byStatus.get(status) ?? [];
    if (typeof r !== 'number') list.push(problemExample(r));
    byStatus.set(status, list);
  }
  return applyDecorators(...[...byStatus].map(([status, examples]) => ApiResponse({ status, ...problemResponse(status, examples) })));
}
