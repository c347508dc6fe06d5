import { type ArgumentMetadata, StandardSchemaValidationPipe } from '@nestjs/common';
import type { FieldIssue } from '@ln/domain';
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

export function validationPipe(): StandardSchemaValidationPipe {
  return new EdgeValidationPipe({
    exceptionFactory: (issues) => new RequestValidationFailed(toFieldIssues(issues as readonly Issue[])),
  });
}
