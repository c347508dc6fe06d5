import type { TaskState } from '../../../domain/task.aggregate';

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

export interface ReadOptions {
  /** Reject when the store cannot be reached, instead of answering as if nothing were pending. */
  readonly strict?: boolean;
}

export interface SettledCommand {
  readonly userId: string;
  readonly commandId: string;
  /** For an applied command: its task and the version it stored. */
  readonly applied?: { readonly taskId: string; readonly version: number };
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
  /**
   * Records an accepted write, unless a worker already decided its command (a late add is dropped).
   * Resolves to how many writes the user has pending now, or false when the store could not be
   * reached (reported, not thrown).
   */
  add(userId: string, write: PendingWrite): Promise<number | false>;
  /**
   * Every pending write of the user, in no particular order: for a listing (a read about one task
   * uses `ofTask`, whose cost does not grow with the user's other pending writes). Every read gets
   * nothing ([], null, 0) when the store cannot be reached; a write's plan asks `strict`, and then
   * an unreachable store rejects: planning on state that misses the user's accepted writes would
   * announce the wrong resource.
   */
  list(userId: string, options?: ReadOptions): Promise<readonly PendingWrite[]>;
  /** The user's pending writes of one task (`taskId`): `list` filtered, read through an index by task. */
  ofTask(userId: string, taskId: string, options?: ReadOptions): Promise<readonly PendingWrite[]>;
  /**
   * Every pending write of each task that has a pending write planned as a step of `parentId`
   * (a step's parent is fixed when it is created): what a parent's step counts need, read through
   * an index by parent.
   */
  ofSteps(userId: string, parentId: string, options?: ReadOptions): Promise<readonly PendingWrite[]>;
  /** One pending write of the user by its command id; null when there is none. */
  get(userId: string, commandId: string, options?: ReadOptions): Promise<PendingWrite | null>;
  /** How many writes the user has pending (what `add` returns), for the per-user bound. */
  count(userId: string, options?: ReadOptions): Promise<number>;
  /**
   * A worker decided these commands (applied or rejected): forget them and refuse late adds. An
   * applied command also retires every other pending write of its task up to the version it
   * stored: storage has superseded them (this is what keeps an earlier write whose own settle was
   * lost from bringing back a task a later write deleted).
   */
  settle(decided: readonly SettledCommand[]): Promise<void>;
}
