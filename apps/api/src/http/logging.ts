import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id is kept when it is sane (so traces join up), otherwise a fresh one. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * One pino instance for the process: Fastify logs requests through it (each line carries the
 * request id) and Nest's own logging goes to it too. Credentials never reach a line: only the
 * fields below are logged for a request, and anything shaped like a secret is redacted wherever
 * it appears in a logged object.
 */
export function createLogger(level: string): Logger {
  // Buffered writes (flushed at 4 KB, every second, and on exit): one syscall per line would cost
  // more than the request it describes, and a quiet server still shows its lines within a second.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 1000).unref();
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: ['*.authorization', '*.password', '*.refreshToken', '*.accessToken', '*.token', '*.secret', '*.cookie', 'headers'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** One line per answered request (probes excluded), at a level that follows the status. */
export function logRequests(fastify: FastifyInstance): void {
  // Callback style: an async hook would cost a promise per request on the hot path.
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!request.url.startsWith('/health') && (request.log as unknown as Logger).isLevelEnabled(level)) {
      const line = { method: request.method, path: request.url.split('?')[0], status, ms: Math.round(reply.elapsedTime * 10) / 10 };
      request.log[level](line, 'request');
    }
    done();
  });
}

/** Nest's logger interface over the same pino instance. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    // Nest passes (message, stack, context) or (message, context).
    const ctx = context ?? (stackOrContext && !stackOrContext.includes('\n') ? stackOrContext : undefined);
    const stack = stackOrContext && stackOrContext.includes('\n') ? stackOrContext : undefined;
    this.write('error', message, ctx, stack);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string, stack?: string) {
    if (!this.pino.isLevelEnabled(level)) return;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (message !== null && typeof message === 'object') this.pino[level]({ context, ...(message as object), ...(stack ? { stack } : {}) });
    else this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}
