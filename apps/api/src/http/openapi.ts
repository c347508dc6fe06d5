import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

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
  429: 'Slow down; see Retry-After (codes: too_many_attempts, too_many_pending_writes)',
  503: 'A dependency is down; see Retry-After',
};

/** An OpenAPI response object for a problem+json answer of this status. */
export function problemResponse(status: number) {
  return {
    description: DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** Documents problem+json error responses on an operation. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })));
}
