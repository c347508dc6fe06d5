import type { DomainError, FieldIssue } from '@ln/kernel/domain/domain-error.base';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';

export const COMMAND_INBOX = Symbol('CommandInbox');

/** Why a queued command was refused, as the problem its synchronous twin would have answered. */
export interface CommandProblem {
  /** The refusal's kind; the HTTP edge answers it with the status a synchronous write would have had. */
  readonly kind?: DomainError['kind'];
  /** Records written before kinds were recorded carry the status itself. */
  readonly status?: number;
  readonly code: string;
  readonly detail: string;
  readonly errors?: readonly FieldIssue[];
}

export interface ProcessedCommand {
  readonly commandId: string;
  readonly userId: string;
  readonly type: string;
  readonly status: 'applied' | 'rejected';
  /** The resource the command created or changed (a task id), when applied. */
  readonly resourceId: string | null;
  readonly problem: CommandProblem | null;
  readonly processedAt: string;
}

/**
 * The worker's record of every command it has decided, written in the same transaction as the
 * command's effects: a redelivered command finds its record and has no second effect.
 */
export interface CommandInbox {
  find(commandId: string): Promise<ProcessedCommand | null>;
  /** Which of these commands are decided already (one query for a worker's batch). */
  decidedAmong(commandIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Owner-scoped, for `GET /v1/commands/{id}`. */
  findForUser(userId: string, commandId: string): Promise<ProcessedCommand | null>;
  record(command: ProcessedCommand): Promise<void>;
  /**
   * Records several at once, in the caller's transaction, and appends `outcomes` (the decisions as
   * events: `command.applied.v1` / `command.rejected.v1`) to the outbox in the same statement.
   */
  recordAll(commands: readonly ProcessedCommand[], outcomes?: readonly DomainEvent[]): Promise<void>;
}
