import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id is kept when it is sane (so traces join up), otherwise a fresh one. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What a database error may show in a log line: where it happened and why, never the values involved. */
const DATABASE_ERROR_FIELDS = ['type', 'message', 'stack', 'code', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine', 'query'];

type Fields = Record<string, unknown>;

/** TypeORM's QueryFailedError (SQL and parameters), or the driver's own error (pg and PGlite: severity, SQLSTATE). */
function isDatabaseError(e: Fields): boolean {
  return ('query' in e && 'parameters' in e) || 'driverError' in e || (typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code));
}

/**
 * A data exception's message (SQLSTATE class 22) quotes the offending value: `invalid input syntax
 * for type uuid: "..."`, `date/time field value out of range: "..."`. Everything from the first to
 * the last double quote goes (a value may itself hold quotes).
 */
function messageWithoutValues(error: Fields): string | undefined {
  const code = error.code ?? (error.driverError as Fields | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('22') || typeof error.message !== 'string') return undefined;
  return error.message.replace(/"[\s\S]*"/, '"[redacted]"');
}

/**
 * pino's error serializer, except that a database error keeps only where and why it failed:
 * TypeORM's QueryFailedError carries the statement's parameters, and the driver's error its
 * `detail` (`Key (email)=(...) already exists`, `Failing row contains (...)`), `where` and, for a
 * data exception, the value in its message: user content, which no log line may hold (ADR 21).
 * The SQL text (placeholders only), the SQLSTATE code and the constraint stay. Applies to the
 * error, the causes pino folds into its message and stack, and aggregated errors.
 */
export function serializeError(error: unknown): unknown {
  if (error === null || typeof error !== 'object' || !(error instanceof Error || 'message' in error)) return error;
  // Messages to rewrite wherever they appear: the error's own and its causes' (pino appends those).
  const rewrites: [string, string][] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 10; e = (e as Fields).cause, depth++) {
    const safe = isDatabaseError(e as Fields) ? messageWithoutValues(e as Fields) : undefined;
    if (safe !== undefined) rewrites.push([(e as Fields).message as string, safe]);
  }
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Fields;
  if (isDatabaseError(serialized)) return cutDown(serialized, rewrites);
  const out: Fields = { ...serialized };
  // An error held in a property (not a cause) is serialized whole by pino: a database one is cut down too.
  for (const [key, value] of Object.entries(out)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && isDatabaseError(value as Fields)) {
      const safe = messageWithoutValues(value as Fields);
      out[key] = cutDown(value as Fields, safe === undefined ? [] : [[(value as Fields).message as string, safe]]);
    }
  }
  if (Array.isArray(serialized.aggregateErrors)) out.aggregateErrors = ((error as { errors?: unknown[] }).errors ?? []).map(serializeError);
  return rewritten(out, rewrites);
}

function cutDown(error: Fields, rewrites: readonly [string, string][]): Fields {
  const out: Fields = {};
  for (const field of DATABASE_ERROR_FIELDS) if (error[field] !== undefined) out[field] = error[field];
  if (typeof out.query === 'string' && out.query.length > 2000) out.query = `${out.query.slice(0, 2000)}...`;
  return rewritten(out, rewrites);
}

function rewritten(out: Fields, rewrites: readonly [string, string][]): Fields {
  for (const key of ['message', 'stack'] as const) {
    const text = out[key];
    if (typeof text === 'string') out[key] = rewrites.reduce((t, [unsafe, safe]) => t.split(unsafe).join(safe), text);
  }
  return out;
}

/**
 * One pino instance for the process: Fastify logs requests through it (each line carries the
 * request id) and Nest's own logging goes to it too. Credentials never reach a line: only the
 * fields below are logged for a request, anything shaped like a secret is redacted wherever it
 * appears in a logged object, and errors go through `serializeError` (no SQL parameters).
 * `destination` is for tests; the process writes to stdout.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: ['*.authorization', '*.password', '*.refreshToken', '*.accessToken', '*.token', '*.secret', '*.cookie', 'headers'],
        censor: '[redacted]',
      },
      serializers: { err: serializeError, error: serializeError },
    },
    destination ?? stdout(),
  );
}

function stdout(): DestinationStream {
  // Buffered writes (flushed at 4 KB, every second, and on exit: pino registers a handler for `exit`, which is why the shutdown ends in process.exit, bootstrap.ts): one syscall per line would cost
  // more than the request it describes, and a quiet server still shows its lines within a second.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 1000).unref();
  return destination;
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
    // The line's text is the serialized error's message: a database error's, without the values.
    if (message instanceof Error) this.pino[level]({ context, err: message }, String((serializeError(message) as { message?: unknown }).message ?? message.name));
    else if (message !== null && typeof message === 'object') this.pino[level]({ context, ...(message as object), ...(stack ? { stack } : {}) });
    else this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}
