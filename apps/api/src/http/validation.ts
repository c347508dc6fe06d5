import { type ArgumentMetadata, type ParameterDecoratorOptions, StandardSchemaValidationPipe } from '@nestjs/common';

type Schema = NonNullable<ParameterDecoratorOptions['schema']>;
import type { FieldIssue } from '@ln/kernel/domain/domain-error.base';
import { RequestValidationFailed } from './http-errors';

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
 * Validates every @Body/@Query/@Param that declares a schema; failures become a 400 naming the
 * fields. A schema on a single path or query parameter sees a bare value, so its issues have no
 * path: they are named after the parameter, not `body`.
 */
class EdgeValidationPipe extends StandardSchemaValidationPipe {
  override async transform<T>(value: T, metadata: ArgumentMetadata): Promise<T> {
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
