import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { CacheUnavailable } from '@ln/kernel/application/cache.errors';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_BY_KIND } from './http-errors';
import { API_HEADERS } from './security-headers';
import { type Problem, PROBLEM_CONTENT_TYPE, problem } from './problem';

/** Fastify's own refusals (raised before a route runs), by their error code. */
const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'the request body is larger than 64 KB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length', 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json', 'the body is empty but Content-Type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json', 'the body is not valid JSON'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'invalid_content_type', 'the Content-Type header is malformed'],
  // The router's own refusals, before any hook runs (see answerFrameworkError).
  FST_ERR_BAD_URL: [400, 'malformed_url', 'the URL does not decode (a malformed percent-encoding)'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'a path segment is longer than any this API accepts'],
};

const BY_STATUS: Record<number, [string, string]> = {
  // @fastify/static (Swagger UI's assets) refuses a dot file or a path that climbs out of its folder.
  403: ['forbidden', 'this path may not be read'],
  404: ['route_not_found', 'no such route'],
  405: ['method_not_allowed', 'method not allowed on this route'],
  413: ['payload_too_large', 'the request body is larger than 64 KB'],
  415: ['unsupported_media_type', 'send the body as application/json'],
};

const log = new Logger('Problem');

/** Maps anything thrown while serving a request to problem+json; the only place that does. */
export function toProblem(error: unknown, request: { url?: string; id?: string }): { problem: Problem; headers: Record<string, string> } {
  const extra = { instance: request.url?.split('?')[0], requestId: request.id };
  const headers: Record<string, string> = {};

  if (error instanceof DomainError) {
    const status = STATUS_BY_KIND[error.kind];
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    if (status === 401) headers['www-authenticate'] = `Bearer error="invalid_token"`;
    return { problem: problem(status, error.code, error.message, { ...extra, ...(error.fields ? { errors: error.fields } : {}) }), headers };
  }
  if (error instanceof CacheUnavailable) {
    headers['retry-after'] = '5';
    return { problem: problem(503, 'dependency_unavailable', 'a service this request needs is unavailable', extra), headers };
  }
  const fastifyCode = (error as { code?: string })?.code;
  if (fastifyCode && FASTIFY_CODES[fastifyCode]) {
    const [status, code, detail] = FASTIFY_CODES[fastifyCode];
    return { problem: problem(status, code, detail, extra), headers };
  }
  // Fastify raises a bare SyntaxError (status 400) when the JSON body does not parse.
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return { problem: problem(400, 'malformed_json', 'the body is not valid JSON', extra), headers };
  }
  // What is left of the client's making: Nest's HttpExceptions and Fastify errors carrying a status.
  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = BY_STATUS[status];
    if (known) return { problem: problem(status, known[0], known[1], extra), headers };
    if (status === 400 && /JSON/i.test((error as Error).message)) {
      return { problem: problem(400, 'malformed_json', 'the body is not valid JSON', extra), headers };
    }
    return { problem: problem(status, status === 400 ? 'bad_request' : `http_${status}`, (error as Error).message, extra), headers };
  }
  // Anything else is our fault: say nothing about it to the client, everything to the log.
  log.error({ err: error, requestId: request.id }, 'unhandled error');
  return { problem: problem(500, 'internal_error', 'an unexpected error occurred; it has been logged', extra), headers };
}

export function sendProblem(reply: FastifyReply, p: { problem: Problem; headers: Record<string, string> }): void {
  void reply.code(p.problem.status).headers(p.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p.problem));
}

/**
 * For the Fastify adapter's `frameworkErrors` option: the router refuses a URL that does not decode
 * (`/v1/tasks/%C0%AE`) or a path parameter over its length limit before any hook or route runs,
 * and would answer in Fastify's own JSON shape; this answers problem+json like everything else.
 */
export function answerFrameworkError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  // Before any hook: the headers every answer carries are set here too.
  void reply.header('x-request-id', request.id).headers(API_HEADERS);
  sendProblem(reply, toProblem(error, request));
}

/** What Node's HTTP parser refuses before Fastify sees a request, by Node's error code. */
const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'the request was not received in time'],
};

/**
 * For Fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses (headers too large,
 * a malformed request line or header, a request not sent in time) never reaches Fastify's routing;
 * Fastify would write its own JSON. This writes problem+json on the socket and closes it, as
 * Fastify does (the connection's state is unknown after a parse error).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'malformed_request', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify(problem(status, code, detail));
  const headers = Object.entries({ ...API_HEADERS, 'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${reason}\r\n${headers}\r\n${body}`);
  socket.destroy(error);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    sendProblem(http.getResponse<FastifyReply>(), toProblem(error, request));
  }
}
