import fc from 'fast-check';

/**
 * Request generators built from the app's own OpenAPI document (which is generated from the zod
 * request schemas): for every operation, valid requests and requests broken in every way a client
 * can break one. Used by test/e2e/fuzz.e2e.spec.ts; nothing here knows an operation by name except
 * through `HINTS` (what a field means beyond its JSON schema: a day, a time zone, a task id).
 */

// ---------------------------------------------------------------- the document

export interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly nullable?: boolean;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly default?: unknown;
}

interface Parameter {
  readonly name?: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: Schema;
}

interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Readonly<Record<string, { readonly schema: Schema }>> };
  readonly security?: readonly unknown[];
  readonly responses: Readonly<Record<string, unknown>>;
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>> };
}

/** One operation of the document, with its schemas resolved. */
export interface FuzzOperation {
  /** `POST /v1/tasks/{id}/fail` */
  readonly name: string;
  readonly method: string;
  readonly path: string;
  /** The collection a 2xx answer's `id`s belong to: `tasks` for `/v1/tasks/{id}/fail`, `plans` for `/v1/tasks/{id}/plans`. */
  readonly resource?: string;
  /** `collection`: what the parameter names (`plans` in `/v1/plans/{id}`). */
  readonly pathParams: readonly { readonly name: string; readonly schema: Schema; readonly collection?: string }[];
  readonly query: readonly { readonly name: string; readonly required: boolean; readonly schema: Schema }[];
  readonly headers: readonly string[];
  readonly body?: { readonly schema: Schema; readonly required: boolean };
  readonly secured: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 20; i++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`unresolved ${s.$ref}`);
    s = target;
  }
  return s;
}

/** Problems that make the document unusable as a fuzzing spec (a parameter without a name, a body without a schema). */
export function specProblems(doc: OpenApiDocument): string[] {
  const problems: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const p of op.parameters ?? []) {
        if (!p.name) problems.push(`${method.toUpperCase()} ${path}: a ${p.in} parameter has no name`);
        if (p.in === 'path' && !path.includes(`{${p.name}}`)) problems.push(`${method.toUpperCase()} ${path}: path parameter ${p.name} not in the path`);
      }
      const json = op.requestBody?.content?.['application/json'];
      if (op.requestBody && !json?.schema) problems.push(`${method.toUpperCase()} ${path}: request body without an application/json schema`);
    }
  }
  return problems;
}

/** Path segments that name a collection: the ones a path parameter follows somewhere (`tasks`, `plans`, `commands`). */
function collectionsOf(doc: OpenApiDocument): Set<string> {
  const names = new Set<string>();
  for (const path of Object.keys(doc.paths)) {
    const segs = path.split('/');
    segs.forEach((seg, i) => {
      if (seg.startsWith('{') && i > 0) names.add(segs[i - 1]);
    });
  }
  return names;
}

export function operationsOf(doc: OpenApiDocument): FuzzOperation[] {
  const ops: FuzzOperation[] = [];
  const collections = collectionsOf(doc);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = (op.parameters ?? []).filter((p): p is Parameter & { name: string } => typeof p.name === 'string');
      const body = op.requestBody?.content?.['application/json']?.schema;
      const segs = path.split('/');
      ops.push({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        resource: segs.filter((seg) => collections.has(seg)).at(-1),
        pathParams: params
          .filter((p) => p.in === 'path')
          .map((p) => ({ name: p.name, schema: resolve(doc, p.schema ?? {}), collection: segs[segs.indexOf(`{${p.name}}`) - 1] })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required === true, schema: resolve(doc, p.schema ?? {}) })),
        headers: params.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
        body: body ? { schema: resolve(doc, body), required: op.requestBody?.required === true } : undefined,
        secured: (op.security ?? []).length > 0,
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------- what the suite provides

/** Live pools the generators draw from (they grow while the suite runs: ids and cursors it was given). */
export interface FuzzWorld {
  /** Ids the API answered, by collection (`tasks`: the caller's own, another user's, a deleted one; `plans`...). */
  ids(collection: string): readonly string[];
  /** `nextCursor`s the API answered. */
  readonly cursors: readonly string[];
  /** Accounts that exist (registered by the suite or by a fuzzed request that succeeded). */
  readonly credentials: readonly { readonly email: string; readonly password: string }[];
  /** Refresh tokens the API gave out (some already spent: presenting one again is a reuse). */
  readonly refreshTokens: readonly string[];
  /** The last version the API answered for a task (for If-Match). */
  versionOf(taskId: string): number | undefined;
  /** The caller's own access token, and another user's. */
  ownToken(): string;
  otherToken(): string;
  /** Tokens signed with the server's real key whose claims are broken (see the spec). */
  readonly forgedTokens: fc.Arbitrary<string>;
}

export interface FuzzRequest {
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
  /** What was broken on purpose (empty: meant to be valid), for the report. */
  readonly broken: readonly string[];
}

// ---------------------------------------------------------------- hostile values

/** Any UTF-16 code unit (NUL, controls, lone surrogates), astral characters as pairs, and a few troublemakers. */
const anyCodeUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 3, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', '\u0301', '\u200b', '\uffff', '\ufffd', '%', '\\', '"', "'", '\n', '\r', '\t', ' ', '|', ',', '/', '.', '-', ':', 'T', 'Z', '+') },
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyz0123456789') },
);

const SPECIAL_STRINGS = [
  '', ' ', '  ', '\u0000', 'a\u0000b', '\ud800', '\udc00', 'x\udbff', '\ud83d\ude80', '\ufeff', '\u202e',
  'null', 'true', 'false', '0', '-1', '1e309', 'NaN', 'Infinity', '[]', '{}', '{"$ne":null}', '__proto__', 'constructor',
  "'; DROP TABLE tasks; --", '" OR 1=1 --', '%00', '%s%s%s', '../../etc/passwd', '<script>alert(1)</script>', '${jndi:ldap://x}',
  // days and instants, real and not, inside and outside what PostgreSQL holds
  '2026-11-27', '2026-02-29', '2028-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '9999-99-99', '0000-01-01', '0001-01-01',
  '9999-12-31', '10000-01-01', '+275760-09-13', '-000001-01-01', '1999-12-31', '2101-01-01', '1970-01-01', '2026-1-1',
  '2026-11-27T09:00:00Z', '2026-11-27T09:00:00+09:00', '2026-11-27T09:00:00', '2026-11-27T25:00:00Z', '2026-11-27T23:59:60Z',
  '2026-11-27T09:00:00+99:99', '2026-11-27T09:00Z', '2026-11-27T09:00:00.123456789012Z', '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+14:00', '9999-12-31T23:59:59-14:00', '9999-12-31T23:59:59.999Z', '2026-11-27 09:00:00Z', '2026-W48-5',
  // ids
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '019A2B3C-4D5E-7F60-8A1B-2C3D4E5F6A7B',
  '{019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b}', '019a2b3c4d5e7f608a1b2c3d4e5f6a7b', 'none', 'None',
  // enums, close but not
  'open', 'OPEN', 'open,', ',', 'open,,done', 'done,failed,dropped,open,open', 'createdAt', '-createdAt', '--createdAt', 'too_big', 'TOO_BIG',
  // time zones, real and not
  'UTC', 'Europe/Berlin', 'Etc/GMT+12', 'Etc/GMT-14', 'Nowhere/Special', 'europe/berlin', '../UTC', 'Asia/Seoul\u0000',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...SPECIAL_STRINGS), fc.string({ unit: anyCodeUnit, maxLength: 4 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 70_000 }), fc.constantFrom('x', '\u00e9', '\ud83d\ude80', '\ud800')).map(([n, c]) => c.repeat(Math.ceil(n / c.length))) },
);

const BOUNDARY_NUMBERS = [0, -0, 1, -1, 0.5, 1.5, 4, 5, 200, 201, 1440, 1441, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324];

export function boundaryNumber(schema: Schema = {}): fc.Arbitrary<number> {
  const near = [schema.minimum, schema.maximum].filter((n): n is number => typeof n === 'number').flatMap((n) => [n - 1, n, n + 1, n + 0.5]);
  return fc.oneof(fc.constantFrom(...BOUNDARY_NUMBERS, ...near), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
}

/** Arrays nested `depth` deep: `[[[...]]]` (deeper ones, past what JSON.stringify can write, are raw bodies below). */
const deeplyNested = fc.integer({ min: 1, max: 3_000 }).map((depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
});

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 3, arbitrary: boundaryNumber() },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [''], { a: 1 }, ['open'], [1, 2, 3]) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 30 }) },
  { weight: 1, arbitrary: deeplyNested },
);

/** A field name a client should not send: unknown, prototype-polluting, or not storable text. */
const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'ownerId', 'owner_id', 'version', 'status', 'userId', 'createdAt', 'deletedAt', 'passwordHash', 'isAdmin', '', ' ', '\u0000', '\ud800', 'title\u0000', 'a.b', '$where'),
  fc.string({ unit: anyCodeUnit, maxLength: 12 }),
);

// ---------------------------------------------------------------- valid values, from the schema

/** What a field means beyond its JSON schema (the doc says `string, maxLength 40`; the domain wants a day). */
const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const offset = fc.constantFrom('Z', '+00:00', '+09:00', '-05:00', '+05:45', '+14:00', '-12:00');
const instant = fc
  .tuple(fc.date({ min: new Date('2000-01-02T00:00:00Z'), max: new Date('2100-12-30T00:00:00Z'), noInvalidDate: true }), offset, fc.boolean())
  .map(([d, o, ms]) => `${d.toISOString().slice(0, ms ? 23 : 19)}${o}`);
const timezone = fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Seoul', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'Etc/GMT+12');

export function hint(name: string, world: FuzzWorld): fc.Arbitrary<unknown> | undefined {
  const pick = (pool: () => readonly string[], fallback: fc.Arbitrary<string>) =>
    fc.nat().chain((i) => {
      const p = pool();
      return p.length > 0 ? fc.constant(p[i % p.length]) : fallback;
    });
  switch (name) {
    case 'scheduledFor':
      return fc.oneof(day, instant);
    case 'dueAt':
    case 'dueFrom':
    case 'dueTo':
      return instant;
    case 'scheduledFrom':
    case 'scheduledTo':
    case 'from':
    case 'to':
      return day;
    case 'timezone':
      return timezone;
    case 'email':
      return fc.uuid().map((u) => `fuzz-${u}@example.com`);
    case 'password':
      return fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 40 });
    case 'status':
      return fc.subarray(['open', 'done', 'failed', 'dropped'], { minLength: 1 }).map((s) => s.join(','));
    case 'cursor':
      return pick(() => world.cursors, fc.constant(''));
    case 'refreshToken':
      return fc.oneof(pick(() => world.refreshTokens, fc.base64String({ minLength: 16, maxLength: 64 })), fc.string({ unit: 'grapheme-ascii', minLength: 16, maxLength: 64 }));
    case 'id':
      // A path's id names a task; a create's client-chosen id is new, or one that exists (a retry or a clash).
      return fc.oneof(pick(() => world.ids('tasks'), fc.uuid({ version: 7 })), fc.uuid({ version: 7 }));
    case 'parentId':
    case 'replanOf':
      // Mostly none (a replace must repeat the current ones, which are mostly none), sometimes a task.
      return fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: pick(() => world.ids('tasks'), fc.uuid({ version: 7 })) });
    case 'tags':
      return fc.array(fc.constantFrom('home', 'work', 'Errand', 'deep work', 'ünïcode', '🚀', 'x'.repeat(50)), { maxLength: 5 });
    default:
      return undefined;
  }
}

/** A value valid for `schema` (as far as the JSON schema says), named `name` for the hints. */
export function validValue(doc: OpenApiDocument, schema: Schema, world: FuzzWorld, name = ''): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  const hinted = hint(name, world);
  let arb: fc.Arbitrary<unknown>;
  if (hinted && (s.type === 'string' || s.type === 'array' || s.anyOf || s.type === undefined)) arb = hinted;
  else if (s.enum) arb = fc.constantFrom(...s.enum);
  else if (s.anyOf || s.oneOf) arb = fc.oneof(...(s.anyOf ?? s.oneOf ?? []).map((x) => validValue(doc, x, world, name)));
  else if (s.allOf) arb = validValue(doc, s.allOf[0], world, name);
  else if (s.type === 'string') arb = validString(s);
  else if (s.type === 'integer') arb = fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
  else if (s.type === 'number') arb = fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
  else if (s.type === 'boolean') arb = fc.boolean();
  else if (s.type === 'array') arb = fc.array(validValue(doc, s.items ?? {}, world), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
  else if (s.type === 'object' || s.properties) {
    const props = s.properties ?? {};
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of Object.entries(props)) model[key] = validValue(doc, sub, world, key);
    arb = fc.record(model, { requiredKeys: [...(s.required ?? [])].filter((k) => k in props) });
  } else arb = fc.jsonValue({ maxDepth: 2 });
  return s.nullable ? fc.option(arb, { nil: null, freq: 6 }) : arb;
}

function validString(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'uuid') return s.pattern?.includes('-7[') ? fc.uuid({ version: 7 }) : fc.uuid();
  if (s.format === 'date') return day;
  if (s.format === 'date-time') return instant;
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 200;
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(max, 40)) }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: min, maxLength: Math.max(min, Math.min(max, 20)) }) },
    // the boundary itself
    { weight: 1, arbitrary: fc.constantFrom('é'.repeat(max), 'x'.repeat(Math.max(min, 1)), '🚀'.repeat(Math.max(1, Math.floor(max / 2)))) },
  );
}

/** Text that is fine but for one character no field may hold: NUL or half of a surrogate pair. */
const poisoned = fc
  .tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'), fc.string({ unit: 'grapheme', maxLength: 12 }))
  .map(([a, p, b]) => a + p + b);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Days shaped right and mostly not real, over every four-digit year (0000, 2026-02-30, 9999-99-99). */
const wildDay = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
/** Instants at the edges of the calendar and of what PostgreSQL holds, with offsets that push them over. */
const edgeInstant = fc
  .tuple(
    fc.oneof(fc.constantFrom('0000-01-01', '0001-01-01', '0001-12-31', '9999-12-31', '9999-01-01', '2026-02-29', '2028-02-29', '2026-02-30', '1969-12-31', '1970-01-01'), wildDay),
    fc.constantFrom('T00:00:00', 'T23:59:59', 'T23:59:59.999', 'T24:00:00', 'T23:59:60', 'T12:00', ''),
    fc.constantFrom('Z', '+14:00', '-14:00', '+23:59', '-23:59', '+00:00', '+24:00', ''),
  )
  .map(([d, t, o]) => `${d}${t}${o}`);
/** Fields whose value is a day or an instant (the document says `string`; hints say what it means). */
const TEMPORAL = new Set(['scheduledFor', 'dueAt', 'scheduledFrom', 'scheduledTo', 'dueFrom', 'dueTo', 'from', 'to']);

/** A value that breaks `schema` (of the field `name`) in one of the ways a careless client does, or any hostile value. */
export function invalidValue(doc: OpenApiDocument, schema: Schema, name = ''): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  const specific: fc.WeightedArbitrary<unknown>[] = [];
  if (s.type === 'string' || s.anyOf) {
    specific.push({ weight: 3, arbitrary: poisoned });
    if (s.maxLength !== undefined) specific.push({ weight: 1, arbitrary: fc.constantFrom('x'.repeat(s.maxLength + 1), '\ud83d\ude80'.repeat(s.maxLength)) });
    if (s.minLength) specific.push({ weight: 1, arbitrary: fc.constant('x'.repeat(s.minLength - 1)) });
    specific.push({ weight: 1, arbitrary: fc.constantFrom<unknown>(1, true, null, ['x'], { x: 1 }) });
  }
  if (TEMPORAL.has(name)) specific.push({ weight: 4, arbitrary: fc.oneof(wildDay, edgeInstant) });
  if (s.type === 'integer' || s.type === 'number') specific.push({ weight: 2, arbitrary: boundaryNumber(s) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1', '1.0', null, [1], true) });
  if (s.type === 'array') {
    specific.push({ weight: 2, arbitrary: fc.array(fc.oneof(poisoned, hostileValue), { maxLength: (s.maxItems ?? 5) + 3 }) }, { weight: 1, arbitrary: fc.constant('x') });
  }
  if (s.enum) specific.push({ weight: 1, arbitrary: fc.constantFrom<unknown>(...s.enum.map((e) => (typeof e === 'string' ? e.toUpperCase() : e)), '') });
  return specific.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.oneof(...specific) }, { weight: 2, arbitrary: hostileValue }) : hostileValue;
}

// ---------------------------------------------------------------- the parts of a request

/** One part of a request (its body, a parameter, a header), as a valid value or broken on purpose. */
interface Part<T> {
  readonly valid: fc.Arbitrary<T>;
  readonly broken: fc.Arbitrary<T>;
}

interface Body {
  readonly payload?: string;
  readonly contentType?: string;
  readonly label?: string;
}

const MALFORMED_JSON = [
  '', ' ', '{', '}', '{"title":', '{"title":"x"', '{"title":"x",}', "{'title':'x'}", '{"title":"x"}{"title":"y"}', 'null', '[]', '"x"', '0', 'true',
  '\ufeff{"title":"x"}', '{"title":"x","title":"y"}', '{"title":"\\ud800"}', '{"title":"\\u0000"}', '{"title":"\\x00"}', '{"title":"\\uZZZZ"}',
  '{"estimateMinutes":1e999}', '{"estimateMinutes":-0}', '{"priority":1.0}', '{"priority":01}', '{"priority":0x1}', '{"title":"x"} trailing',
  '{"__proto__":{"polluted":true},"title":"x"}', '{"constructor":{"prototype":{"polluted":true}},"title":"x"}', '{"title":NaN}',
  '{"title":"x"\u0000}', '{"tags":[' + '"a",'.repeat(50) + '"a"]}', '['.repeat(10_000) + ']'.repeat(10_000), '['.repeat(32_000) + ']'.repeat(32_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000), '{"title":"x","tags":' + '['.repeat(30_000) + ']'.repeat(30_000) + '}',
  '{"title":"x","notes":' + '{"a":'.repeat(8_000) + '1' + '}'.repeat(8_000) + '}',
];

const CONTENT_TYPES = [
  'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/JSON', 'application/problem+json', 'application/merge-patch+json',
  'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json;;', 'application/json; charset', '*/*', ';',
];

function bodyPart(doc: OpenApiDocument, op: FuzzOperation, world: FuzzWorld): Part<Body> {
  const json = (value: unknown, label?: string): Body => ({ payload: JSON.stringify(value) ?? 'null', contentType: 'application/json', label });
  if (!op.body) return { valid: fc.constant({}), broken: hostileValue.map((v) => json(v, 'unexpected body')) };
  const schema = resolve(doc, op.body.schema);
  const props = Object.keys(schema.properties ?? {});
  let valid = validValue(doc, schema, world) as fc.Arbitrary<Record<string, unknown>>;
  if (props.includes('email') && props.includes('password')) {
    // An account that exists, with its password (a login that works) or with the email only (one that does not).
    const existing = fc.nat().chain((i) => {
      const pool = world.credentials;
      return pool.length === 0 ? valid : valid.map((v) => ({ ...v, email: pool[i % pool.length].email, password: i % 3 === 0 ? v.password : pool[i % pool.length].password }));
    });
    valid = fc.oneof(valid, existing);
  }
  const broken: fc.WeightedArbitrary<Body>[] = [];
  if (props.length > 0) {
    // The most common way: one field wrong.
    const field = fc.tuple(valid, fc.constantFrom(...props)).chain(([v, key]) => invalidValue(doc, schema.properties![key], key).map((bad) => json({ ...v, [key]: bad }, `body.${key}`)));
    broken.push({ weight: 4, arbitrary: field });
  }
  const required = (schema.required ?? []).filter((k) => props.includes(k));
  if (required.length > 0) {
    const missing = fc.tuple(valid, fc.constantFrom(...required)).map(([v, key]) => {
      const { [key]: _gone, ...rest } = v;
      return json(rest, `body.${key} missing`);
    });
    broken.push({ weight: 1, arbitrary: missing });
  }
  // Set with defineProperty: `{ ...v, __proto__: x }` would set the prototype, not a field.
  const extra = fc.tuple(valid, hostileKey, hostileValue).map(([v, key, value]) => {
    const copy: Record<string, unknown> = { ...v };
    Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
    return json(copy, 'extra field');
  });
  broken.push(
    { weight: 1, arbitrary: extra },
    { weight: 1, arbitrary: hostileValue.map((v) => json(v, 'body replaced')) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((payload): Body => ({ payload, contentType: 'application/json', label: 'raw body' })) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...CONTENT_TYPES)).map(([v, contentType]): Body => ({ payload: JSON.stringify(v), contentType, label: `content-type ${contentType}` })),
    },
    { weight: 1, arbitrary: fc.constant<Body>({ label: 'no body' }) },
  );
  return { valid: valid.map((v) => json(v)), broken: fc.oneof(...broken) };
}

// ---------------------------------------------------------------- URLs and headers

/**
 * Percent-encodes text as a careless client would put it in a URL: UTF-8 for well-formed text,
 * and a lone surrogate as the bytes CESU-8 would give it (%ED%A0%80), which is not UTF-8.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    } else {
      out += encodeURIComponent(text[i]);
    }
  }
  return out;
}

/** Raw URL pieces that are not even percent-encoding done right. */
const RAW_URL_JUNK = ['%', '%Z', '%ZZ', '%00', '%ED%A0%80', '%C0%AE', '%FF%FE', '%E2%82', '..', '%2e%2e', '%2F', ';x=1', '%20', '+', '%2B', '%25', 'a%00b'];

interface Segment {
  readonly segment: string;
  /** The value before encoding, when it is one (If-Match looks up its version). */
  readonly value?: string;
  readonly label?: string;
}

function pathPart(doc: OpenApiDocument, param: { name: string; schema: Schema; collection?: string }, world: FuzzWorld): Part<Segment> {
  // An id the API gave out for that collection, when there is one.
  const known = fc.nat().chain((i) => {
    const pool = param.collection ? world.ids(param.collection) : [];
    return pool.length > 0 ? fc.constant<unknown>(pool[i % pool.length]) : validValue(doc, param.schema, world, param.name);
  });
  return {
    valid: known.map((v) => ({ segment: percentEncode(String(v)), value: String(v) })),
    broken: fc.oneof(
      fc.uuid().map((u): Segment => ({ segment: u, value: u, label: 'unknown id' })),
      hostileString.filter((x) => x.length < 2000).map((x): Segment => ({ segment: percentEncode(x), label: `path ${param.name}` })),
      fc.constantFrom(...RAW_URL_JUNK).map((x): Segment => ({ segment: x, label: `path ${param.name} raw` })),
    ),
  };
}

/** `name=value` pairs of one query parameter (none when omitted). */
interface QueryPiece {
  readonly pairs: readonly string[];
  readonly label?: string;
}

function queryPart(doc: OpenApiDocument, p: { name: string; schema: Schema }, world: FuzzWorld): Part<QueryPiece> {
  const pair = (v: string) => `${encodeURIComponent(p.name)}=${percentEncode(v)}`;
  const broken: fc.Arbitrary<QueryPiece>[] = [
    invalidValue(doc, p.schema, p.name).map((v) => ({ pairs: [pair(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))], label: `query ${p.name}` })),
    fc.array(hostileString, { minLength: 2, maxLength: 3 }).map((vs) => ({ pairs: vs.map(pair), label: `query ${p.name} repeated` })),
    fc.constantFrom('', '%00', '%ED%A0%80', '%ZZ', '%', '%FF').map((raw) => ({ pairs: [`${encodeURIComponent(p.name)}=${raw}`], label: `query ${p.name} raw` })),
  ];
  if (p.name === 'cursor') broken.push(...Array.from({ length: 4 }, () => brokenCursor.map((c) => ({ pairs: [pair(c)], label: 'cursor' }))));
  return {
    valid: fc.oneof(
      // A cursor belongs to the sort it came from; mostly none, sometimes one of another listing (400 invalid_cursor).
      { weight: p.name === 'cursor' ? 8 : 3, arbitrary: fc.constant<QueryPiece>({ pairs: [] }) },
      // (null is how a hint says "none": no such parameter.)
      { weight: 2, arbitrary: validValue(doc, p.schema, world, p.name).map((v): QueryPiece => ({ pairs: v === null || v === undefined ? [] : [pair(String(v))] })) },
    ),
    broken: fc.oneof(...broken),
  };
}

const queryExtraPart: Part<QueryPiece> = {
  valid: fc.constant({ pairs: [] }),
  broken: fc.oneof(
    fc.tuple(hostileKey, hostileString).map(([k, v]) => ({ pairs: [`${percentEncode(k)}=${percentEncode(v)}`], label: 'query extra' })),
    fc.constantFrom(...RAW_URL_JUNK, '&&&', '=', '=x', 'limit', 'limit=', 'tag=%00', 'tag=%ED%A0%80', 'from=%ED%A0%80').map((raw) => ({ pairs: [raw], label: 'query raw' })),
  ),
};

/** Cursors that were never given out: not base64url, base64url of something else, or of a cursor with its parts broken. */
const brokenCursor: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: anyCodeUnit, maxLength: 60 }),
  fc.base64String({ maxLength: 80 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
  fc
    .tuple(
      fc.oneof(fc.constantFrom('createdAt', '-createdAt', 'scheduledFor', '-scheduledFor'), hostileString),
      fc.oneof(
        fc.constantFrom(
          '2026-11-27T09:00:00Z', '2026-11-27T09:00:00.123Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2026-02-30T00:00:00Z',
          '2026-11-27T24:00:00Z', '~', '2026-11-27|', '0000-01-01|', '2026-11-27|2026-11-27T09:00:00.000Z', '2026-11-27|0000-01-01T00:00:00.000Z', '2026-13-01|',
        ),
        hostileString,
      ),
      fc.oneof(fc.uuid(), hostileString),
    )
    .map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url')),
);

/** Header values: Latin-1 without CR, LF or NUL (what HTTP can carry), plus a few shapes that mean something. */
const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.constantFrom('', ' ', '*', '"1"', 'W/"1"', '"0"', '"-1"', '"999999999"', '"9999999999"', '"1", "2"', 'null', 'x'.repeat(256), 'x'.repeat(255)),
);

interface Header {
  readonly value?: string;
  readonly label?: string;
}

function authorizationPart(world: FuzzWorld, secured: boolean): Part<Header> {
  const own = fc.constant(null).map((): Header => ({ value: `Bearer ${world.ownToken()}` }));
  return {
    // A public route is called without a token, mostly; a token does no harm there.
    valid: secured ? own : fc.oneof({ weight: 4, arbitrary: fc.constant<Header>({}) }, { weight: 1, arbitrary: own }),
    broken: fc.oneof(
      fc.constant(null).map((): Header => ({ value: `Bearer ${world.otherToken()}`, label: 'another user' })),
      fc.constant<Header>({ label: 'no token' }),
      world.forgedTokens.map((t): Header => ({ value: `Bearer ${t}`, label: 'forged token' })),
      headerText.map((h): Header => ({ value: h, label: 'garbage authorization' })),
      fc
        .constantFrom('Bearer', 'Bearer ', 'bearer %s', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'Bearer %s.', 'Bearer %s %s', 'Bearer  %s', 'Token %s')
        .map((shape): Header => ({ value: shape.replaceAll('%s', world.ownToken()), label: 'malformed authorization' })),
    ),
  };
}

/** The current version of the task the path names, as an ETag; resolved when the request is built. */
const CURRENT_VERSION = '\u0000current';

const ifMatchPart: Part<Header> = {
  valid: fc.oneof({ weight: 3, arbitrary: fc.constant<Header>({}) }, { weight: 2, arbitrary: fc.constant<Header>({ value: CURRENT_VERSION }) }, { weight: 1, arbitrary: fc.constant<Header>({ value: '*' }) }),
  broken: fc.oneof(
    fc.integer({ min: 0, max: 50 }).map((v): Header => ({ value: `"${v}"`, label: 'stale if-match' })),
    headerText.map((value): Header => ({ value, label: 'if-match' })),
  ),
};

const idempotencyKeyPart: Part<Header> = {
  // A small pool of keys: retries (replays), and the same key on another request (422).
  valid: fc.oneof(
    { weight: 6, arbitrary: fc.constant<Header>({}) },
    { weight: 1, arbitrary: fc.constantFrom('fuzz-1', 'fuzz-2', 'fuzz-3').map((value): Header => ({ value })) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 }).map((value): Header => ({ value })) },
  ),
  broken: headerText.map((value): Header => ({ value, label: 'idempotency-key' })),
};

/** Headers no operation documents, which every request may carry anyway. */
const otherHeadersPart: Part<{ readonly headers: Record<string, string>; readonly label?: string }> = {
  valid: fc.constant({ headers: {} }),
  broken: fc
    .tuple(fc.constantFrom('x-request-id', 'accept', 'accept-encoding', 'accept-language', 'x-forwarded-for', 'cookie', 'origin', 'accept-version', 'if-none-match', 'range'), headerText)
    .map(([name, value]) => ({ headers: { [name]: value }, label: `header ${name}` })),
};

// ---------------------------------------------------------------- requests

/**
 * Requests for one operation: a third valid in every part, the rest with one part broken (a body
 * field, a parameter, the token, a header...) or, less often, two; everything else valid, so each
 * refusal has one reason the report can name.
 */
export function requestsFor(doc: OpenApiDocument, op: FuzzOperation, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const parts: Record<string, Part<Body> | Part<Segment> | Part<QueryPiece> | Part<Header> | typeof otherHeadersPart> = {};
  for (const p of op.pathParams) parts[`path:${p.name}`] = pathPart(doc, p, world);
  for (const q of op.query) parts[`query:${q.name}`] = queryPart(doc, q, world);
  parts['query:*'] = queryExtraPart;
  parts.body = bodyPart(doc, op, world);
  parts.authorization = authorizationPart(world, op.secured);
  if (op.headers.includes('if-match')) parts['if-match'] = ifMatchPart;
  if (op.headers.includes('idempotency-key')) parts['idempotency-key'] = idempotencyKeyPart;
  parts['headers:*'] = otherHeadersPart;
  const names = Object.keys(parts);

  // Mostly one part broken (so nothing else masks it: a bad token's 401 hides a bad body), sometimes
  // two. What carries data (the body, parameters) is broken more often than the headers.
  const weightOf = (name: string) => (name === 'body' ? 4 : name.startsWith('path:') || (name.startsWith('query:') && name !== 'query:*') ? 2 : 1);
  const one = fc.oneof(...names.map((name) => ({ weight: weightOf(name), arbitrary: fc.constant([name]) })));
  const toBreak = fc.oneof(
    { weight: 2, arbitrary: fc.constant<string[]>([]) },
    { weight: 3, arbitrary: one },
    { weight: 1, arbitrary: fc.subarray(names, { minLength: 2, maxLength: 2 }) },
  );
  return toBreak.chain((broken) => {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const name of names) model[name] = broken.includes(name) ? parts[name].broken : parts[name].valid;
    return fc.record(model).map((drawn) => build(op, world, drawn));
  });
}

function build(op: FuzzOperation, world: FuzzWorld, drawn: Record<string, unknown>): FuzzRequest {
  const labels: string[] = [];
  const label = (x: { label?: string }) => {
    if (x.label) labels.push(x.label);
  };
  let path = op.path;
  let named: string | undefined;
  for (const p of op.pathParams) {
    const seg = drawn[`path:${p.name}`] as Segment;
    path = path.replace(`{${p.name}}`, seg.segment);
    if (p.name === 'id') named = seg.value;
    label(seg);
  }
  const pairs: string[] = [];
  for (const name of [...op.query.map((q) => `query:${q.name}`), 'query:*']) {
    const piece = drawn[name] as QueryPiece;
    pairs.push(...piece.pairs);
    label(piece);
  }
  const other = drawn['headers:*'] as { headers: Record<string, string>; label?: string };
  const headers: Record<string, string> = { ...other.headers };
  label(other);
  const body = drawn.body as Body;
  label(body);
  if (body.contentType !== undefined) headers['content-type'] = body.contentType;
  for (const name of ['authorization', 'if-match', 'idempotency-key']) {
    const h = drawn[name] as Header | undefined;
    if (!h) continue;
    label(h);
    if (h.value === CURRENT_VERSION) headers[name] = `"${(named && world.versionOf(named)) ?? 1}"`;
    else if (h.value !== undefined) headers[name] = h.value;
  }
  return {
    operation: op.name,
    method: op.method,
    url: `${path}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`,
    headers,
    payload: body.payload,
    broken: labels,
  };
}
