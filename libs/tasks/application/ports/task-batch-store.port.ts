import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { TaskState } from '../../domain/task.aggregate';

export const TASK_BATCH_STORE = Symbol('TaskBatchStore');

/** A task as storage has it, deleted or not (an id is never reused), with the digest of the body that created it. */
export interface StoredTask {
  readonly state: TaskState;
  readonly createFingerprint: string | null;
}

/** What a batch of commands leaves behind: new tasks, changed tasks (with the version each was loaded at) and their events, in order. */
export interface TaskBatchWrite {
  readonly inserts: readonly { readonly state: TaskState; readonly createFingerprint: string | null }[];
  readonly updates: readonly { readonly state: TaskState; readonly loadedVersion: number }[];
  readonly events: readonly DomainEvent[];
}

/**
 * A set write found storage other than it was loaded: a task changed by a write outside the batch
 * (the synchronous path) between the load and the write, or an id taken meanwhile. Nothing of the
 * statement was written; the caller applies the batch again one command at a time.
 */
export class BatchWriteConflict extends Error {
  constructor(detail: string) {
    super(`set write refused: ${detail}`);
    this.name = 'BatchWriteConflict';
  }
}

/**
 * Storage as a worker's batch of queued commands uses it (#13): what the batch's commands need,
 * read in one statement, and everything they leave behind, written in one. Both join the caller's
 * unit of work.
 */
export interface TaskBatchStore {
  /**
   * The tasks with these ids (any owner, deleted ones too) and every step not deleted of any of
   * them, read together (one snapshot). Ids that are not UUIDs are ignored.
   */
  load(ids: readonly string[]): Promise<StoredTask[]>;
  /**
   * Inserts the new tasks, updates the changed ones where they still have the version they were
   * loaded at, and appends the events to the outbox (with the relay's NOTIFY): one statement.
   * BatchWriteConflict when an insert's id is taken or an update's version moved; UserNotFound
   * never happens here (the batch checked every owner's account when it read their timezones).
   */
  write(batch: TaskBatchWrite): Promise<void>;
}
