import type { TaskState } from '@ln/domain';

export const PENDING_WRITES = Symbol('PendingWrites');

/** A queued write the broker has confirmed and no worker has decided yet, as its author will see it. */
export interface PendingWrite {
  readonly commandId: string;
  readonly type: string;
  readonly taskId: string;
  /**
   * The task once the command is applied (`deletedAt` set for a delete), as planned by the api;
   * null when the plan changes nothing (a retried create, a replace with the same representation).
   */
  readonly state: TaskState | null;
  /** A create's body digest, so a retried create with a client id is recognised while still pending. */
  readonly createFingerprint: string | null;
  readonly acceptedAt: string;
}

/**
 * The pending overlay: read-your-writes for the queued write path. It is never the only copy of a
 * write (the broker has the command before anything is written here): losing it may briefly hide
 * a pending write from its author, never lose the write. Entries expire on their own.
 *
 * Implementations never fail the caller's request because of the overlay: reads get an empty
 * overlay and writes are skipped (reported through the adapter's error hook).
 */
export interface PendingWrites {
  /** Records an accepted write, unless a worker already decided its command (a late add is dropped). */
  add(userId: string, write: PendingWrite): Promise<void>;
  /** The user's pending writes, in no particular order. */
  list(userId: string): Promise<readonly PendingWrite[]>;
  /** A worker decided these commands (applied or rejected): forget them and refuse late adds. */
  settle(decided: readonly { userId: string; commandId: string }[]): Promise<void>;
}
