/**
 * What became of a queued write (a 202's command), published when the worker decides it, in the
 * same statement as its inbox record (ADR 28): the author's live stream carries it. Versioned like
 * every contract: a `.v1` payload only ever gains optional fields.
 */
export const CommandEventTypes = {
  Applied: 'command.applied.v1',
  Rejected: 'command.rejected.v1',
} as const;

export interface CommandDecidedV1 {
  readonly commandId: string;
  /** The command's type, e.g. `task.create.v1`. */
  readonly commandType: string;
  /** The task it created or changed (or named, when rejected); null when it named none. */
  readonly taskId: string | null;
  /** Rejected only: the refusal a synchronous write would have answered (kind, stable code, detail, fields). */
  readonly problem: { readonly kind?: string; readonly code: string; readonly detail: string; readonly errors?: readonly { field: string; message: string }[] } | null;
}
