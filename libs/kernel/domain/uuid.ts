/**
 * The textual form PostgreSQL's `uuid` type accepts in canonical layout (any version, any case):
 * what an id must look like before it is sent in a `uuid` parameter, so a malformed one is "not
 * found" or refused rather than a database error.
 */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID_SHAPE.test(value);
