import { Writable } from 'node:stream';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { PinoNestLogger, createLogger, serializeError } from './logging';

/**
 * Database errors in the log (issue 12): TypeORM's QueryFailedError carries the statement's
 * parameters and the driver's `detail`, and a data exception quotes the value in its message.
 * Real errors from a real engine, logged through the process's logger: the marker (user content
 * sent as a parameter) must appear nowhere, while the SQLSTATE code, constraint and SQL text do.
 */
const MARKER = 'MARKER-7f3a-user-content';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the query to fail');
}

function databaseErrorLogging(open: () => Promise<Database>) {
  let db: Database;
  beforeAll(async () => {
    db = await open();
    await db.dataSource.query('CREATE TEMP TABLE IF NOT EXISTS log_probe (email text UNIQUE NOT NULL, note text NOT NULL)');
    await db.dataSource.query('INSERT INTO log_probe (email, note) VALUES ($1, $2)', [MARKER, 'kept']);
  });
  afterAll(() => db?.close());

  const errors = () => [
    // 23505: the value is in `detail` (Key (email)=(...) already exists) and in `parameters`.
    ['unique violation', () => db.dataSource.query('INSERT INTO log_probe (email, note) VALUES ($1, $2)', [MARKER, 'again']), '23505'],
    // 22P02: the value is quoted in the message itself.
    ['invalid input syntax', () => db.dataSource.query('SELECT $1::uuid', [MARKER]), '22P02'],
    // 23502: `detail` has the whole failing row.
    ['not-null violation', () => db.dataSource.query('INSERT INTO log_probe (email, note) VALUES ($1, NULL)', [`${MARKER}-2`]), '23502'],
    // Class 22 (22007, 22008, 22023 by engine): date and time values are quoted too.
    ['bad timestamp', () => db.dataSource.query('SELECT $1::timestamptz', [`2026-02-30 ${MARKER}`]), '22'],
  ] as const;

  it('a logged QueryFailedError keeps its SQLSTATE code, constraint and SQL, never the parameters, detail or quoted value', async () => {
    for (const [what, query, code] of errors()) {
      const error = await failure(query());
      // The value is really there to leak: in parameters, detail or message.
      expect({ what, leaks: JSON.stringify({ ...error, message: error.message }).includes(MARKER) }).toEqual({ what, leaks: true });
      const { logger, text } = capture();
      logger.error({ err: error, requestId: 'r-1' }, 'unhandled error');
      logger.warn({ error }, 'as `error`');
      new PinoNestLogger(logger).error(error);
      // Wrapped as a cause (DependencyUnavailable and the relay wrap driver errors this way).
      logger.error({ err: new Error('publishing failed', { cause: error }) }, 'wrapped');
      logger.flush();
      const logged = text();
      expect({ what, leaked: logged.includes(MARKER) }).toEqual({ what, leaked: false });
      const line = JSON.parse(logged.split('\n')[0]) as { err: Record<string, unknown> };
      expect(line.err).toMatchObject({ type: 'QueryFailedError', code: expect.stringMatching(new RegExp(`^${code}`)), query: expect.stringContaining('$1') });
      expect(line.err).not.toHaveProperty('parameters');
      expect(line.err).not.toHaveProperty('detail');
      expect(line.err).not.toHaveProperty('driverError');
      if (code === '23505') expect(line.err.constraint).toBe('log_probe_email_key');
    }
  });

  it('what is not a database error is serialized as pino does', () => {
    const error = Object.assign(new Error('plain failure'), { code: 'E_PLAIN', extra: { n: 1 } });
    expect(serializeError(error)).toMatchObject({ type: 'Error', message: 'plain failure', code: 'E_PLAIN', extra: { n: 1 } });
    expect(serializeError('a string')).toBe('a string');
  });
}

describe('database errors in the log [pglite]', () => databaseErrorLogging(() => openDatabase({ kind: 'pglite' })));

// PostgreSQL's own driver (pg) shapes its errors a little differently; services mode uses it.
const postgres = process.env.TEST_DATABASE_URL;
(postgres ? describe : describe.skip)('database errors in the log [postgresql]', () =>
  databaseErrorLogging(() => openDatabase({ kind: 'postgres', url: postgres!, poolSize: 1 })),
);
