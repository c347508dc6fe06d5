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
