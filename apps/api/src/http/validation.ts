import { type ArgumentMetadata, type ParameterDecoratorOptions, StandardSchemaValidationPipe } from '@nestjs/common';

type Schema = NonNullable<ParameterDecoratorOptions['schema']>;
import type { FieldIssue } from '@ln/kernel/domain/domain-error.base';
import type { FastifyInstance } from 'fastify';
import { InvalidCharacters, RequestValidationFailed } from './http-errors';
import { sendProblem, toProblem } from './problem.filter';

interface Issue {
  readonly message: string;
  /** zod's unrecognized_keys issues name the offending keys here (not in `path`). */
  readonly keys?: readonly string[];
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** Dotted path of a Standard Schema issue, e.g. `tags.3`; the root is reported as `body`. */
function fieldOf(issue: Issue): string {
  const parts = (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p));
  return parts.length > 0 ? parts.join('.') : 'body';
}

export function toFieldIssues(issues: readonly Issue[]): FieldIssue[] {
  const fields = issues.flatMap((i) => {
    if (Array.isArray(i.keys) && i.keys.length > 0) {
      const base = fieldOf(i);
      return i.keys.map((k) => ({ field: base === 'body' ? k : `${base}.${k}`, message: 'unknown field' }));
    }
    return [{ field: fieldOf(i), message: i.message }];
  });
  return fields.slice(0, 50);
}

/**
 * A lone UTF-16 surrogate or NUL. With the `u` flag a well-formed surrogate pair is one code point
 * (an emoji, say), never of category Cs; only a half of a pair on its own is.
 */
const UNSTORABLE = /[\p{Cs}\u0000]/u;
const LONE_SURROGATE = /\p{Cs}/u;

interface Step {
  readonly value: unknown;
  readonly key: string | null;
  readonly parent: Step | null;
}

/** `tags.3` in a body or the whole query, `tag.1` in a parameter named `tag` (`named`), the root's own name for the value itself. */
function pathOf(step: Step | null, root: string, named: boolean): string {
  const keys: string[] = [];
  for (let s = step; s !== null; s = s.parent) if (s.key !== null) keys.push(s.key);
  if (keys.length === 0) return root;
  if (named) keys.push(root);
  return keys.reverse().join('.');
}

const whatIsWrong = (text: string) =>
  LONE_SURROGATE.test(text) ? 'must be well-formed Unicode (a lone UTF-16 surrogate is not a character)' : 'must not contain NUL characters';

/**
 * The fields of a request value (a parsed JSON body, the query, a path parameter) holding text no
 * field may hold: a lone surrogate (JSON's `"\ud800"` parses to one; it is not Unicode, PostgreSQL
 * refuses it in jsonb and would silently replace it in text) or NUL (PostgreSQL text cannot hold
 * it). Field names are checked too. Named as validation names fields: `tags.3`, `root` for the
 * value itself, `root.1` inside a single parameter (`named`). Walked without recursion: a 64 KB
 * body can nest thousands deep.
 */
export function unstorableText(value: unknown, root: string, named = false): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: Step[] = [{ value, key: null, parent: null }];
  while (stack.length > 0 && issues.length < 50) {
    const step = stack.pop()!;
    const v = step.value;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) issues.push({ field: pathOf(step, root, named), message: whatIsWrong(v) });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: step });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        if (UNSTORABLE.test(k)) issues.push({ field: pathOf(step, root, named), message: `a field name ${whatIsWrong(k)}` });
        else stack.push({ value: (v as Record<string, unknown>)[k], key: k, parent: step });
      }
    }
  }
  return issues;
}

/**
 * Validates every @Body/@Query/@Param that declares a schema; failures become a 400 naming the
 * fields. A schema on a single path or query parameter sees a bare value, so its issues have no
 * path: they are named after the parameter, not `body`. Before the schema, every string of the
 * value is checked for text that cannot be stored (400 `invalid_character`): one rule for every
 * field of every route, including the ones added later.
 */
class EdgeValidationPipe extends StandardSchemaValidationPipe {
  override async transform<T>(value: T, metadata: ArgumentMetadata): Promise<T> {
    // A body or the whole query names its fields by their path; a single parameter by its name.
    const named = metadata.type !== 'body' && typeof metadata.data === 'string';
    const unstorable = unstorableText(value, named ? (metadata.data as string) : metadata.type === 'query' ? 'query' : 'body', named);
    if (unstorable.length > 0) throw new InvalidCharacters(unstorable);
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof RequestValidationFailed && metadata.type !== 'body' && metadata.data) {
        const name = metadata.data;
        throw new RequestValidationFailed(error.fields.map((f) => ({ ...f, field: f.field === 'body' ? name : `${name}.${f.field}` })));
      }
      throw error;
    }
  }
}

/** The one validation pipe (stateless, shared by every validated parameter). */
export const EDGE_VALIDATION: StandardSchemaValidationPipe = new EdgeValidationPipe({
  exceptionFactory: (issues) => new RequestValidationFailed(toFieldIssues(issues as readonly Issue[])),
});

/**
 * A request parameter validated against `schema` (its parsed value is what the handler gets):
 * `@Body(validated(CreateTaskRequest))`, `@Param('id', validated(TaskIdParam))`. The schema also
 * documents the parameter in OpenAPI.
 *
 * The pipe is attached to each validated parameter rather than globally: a global pipe also runs
 * (asynchronously, for nothing) on every other parameter the framework considers pipeable, such
 * as `@CurrentCaller()`, which cost measurable CPU on every request (docs/benchmarks.md).
 * test/architecture/validated-params.spec.ts checks that every body, query and path parameter of
 * every route is validated this way.
 */
export function validated<S extends Schema>(schema: S): { schema: S; pipes: [StandardSchemaValidationPipe] } {
  return { schema, pipes: [EDGE_VALIDATION] };
}

/** No request body of this API nests more than 3 levels; 32 leaves room and stops a 64 KB `[[[[...]]]]` (32,000 deep). */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `limit` (walked without recursion). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Refuses a JSON body nested deeper than MAX_BODY_DEPTH (400 validation_failed) before anything
 * walks it recursively: JSON.parse does not mind 32,000 levels, JSON.stringify (the Idempotency-Key
 * fingerprint, logs) overflows the stack on a few thousand, which was a 500. A Fastify hook, so it
 * runs before the preHandler hooks; a request without a body costs one type check.
 */
export function refuseDeepBodies(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, reply, done) => {
    if (request.body !== null && typeof request.body === 'object' && nestsDeeperThan(request.body, MAX_BODY_DEPTH)) {
      return sendProblem(reply, toProblem(new RequestValidationFailed([{ field: 'body', message: `must not nest deeper than ${MAX_BODY_DEPTH} levels` }]), request));
    }
    done();
  });
}
