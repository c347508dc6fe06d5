import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id is kept when it is sane (so traces join up), otherwise a fresh one. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** JSON logs with the request id on every line; credentials and tokens never reach a log. */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      // Fastify already assigned the id (see main.ts); reuse it so reply header and logs agree.
      genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestId(req),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.refreshToken',
          '*.accessToken',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // Probes would drown everything else.
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
    },
  };
}
