/** PostgreSQL's unique_violation, as raised by both pg and PGlite (TypeORM wraps it in QueryFailedError). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  if (code !== '23505') return false;
  if (!constraint) return true;
  const name = e?.constraint ?? e?.driverError?.constraint;
  // PGlite does not always report the constraint name; fall back to the message.
  return name === undefined ? String((error as Error).message).includes(constraint) : name === constraint;
}

/** PostgreSQL's foreign_key_violation on the named constraint (pg and PGlite). */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  if ((e?.code ?? e?.driverError?.code) !== '23503') return false;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return name === undefined ? String((error as Error).message).includes(constraint) : name === constraint;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLSTATE: 08 connection exception; 57P01-03 shutdown / cannot connect now; 53300 too many
// connections; 57014 statement timeout (the database is too slow to answer in time).
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300|57014)$/;
// TypeORM's "Query runner already released" comes from a transaction whose connection broke under
// it (seen by `npm run chaos` while PostgreSQL was stopped).
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection error|terminating connection|Query runner already released/i;

/** True when the error says the database cannot be reached (or answer), not that the query was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string; message?: string } } | null;
  if (!e) return false;
  const codes = [e.code, e.driverError?.code].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => NETWORK_CODES.has(c) || UNAVAILABLE_STATES.test(c))) return true;
  return UNAVAILABLE_MESSAGES.test(`${e.message ?? ''} ${e.driverError?.message ?? ''}`);
}
