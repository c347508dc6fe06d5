import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';

export const EVENT_LOG = Symbol('EventLog');
export const CHANGE_LOG = Symbol('ChangeLog');

/** One event of a user's log: a published outbox row with its stream sequence (ADR 28). */
export interface LoggedEvent {
  readonly seq: number;
  readonly userId: string;
  readonly event: DomainEvent;
}

export interface LogCursor {
  readonly userId: string;
  /** The last seq this user's streams have all been sent. */
  readonly after: number;
}

/** Where a new stream of a user may start, read in one snapshot. */
export interface ResumePoint {
  /** Every seq at or below this has been pruned. */
  readonly prunedThrough: number;
  /** The user's highest seq (0 when none). */
  readonly latest: number;
  /** The highest seq handed out to anyone: an id above it was never ours. */
  readonly head: number;
  /** The user's streamed events after the asked-for id, counted up to the cap + 1 (0 when no id). */
  readonly pending: number;
}

/**
 * The per-user event log the live streams read. Only committed, published events, in seq order;
 * per user, a seq once visible is never followed by a smaller one becoming visible (ADR 28).
 */
export interface EventLog {
  /**
   * The streamed events after each cursor (at most `limitPerUser` per user, in seq order), and the
   * prune watermark, in one statement's snapshot: a cursor below the watermark may have missed
   * events that are gone.
   */
  readAfter(cursors: readonly LogCursor[], limitPerUser: number): Promise<{ events: LoggedEvent[]; prunedThrough: number }>;
  resumePoint(userId: string, after: number | null, cap: number): Promise<ResumePoint>;
}

/** One event of a user's log, without its body: what changed and how (for the sync feed). */
export interface LoggedChange {
  readonly seq: number;
  readonly aggregateId: string;
  readonly type: string;
}

/** A page of a user's changes, with where the log stands, read in one snapshot. */
export interface ChangePage {
  /** Up to the limit, in seq order, of the aggregate type asked for. */
  readonly changes: LoggedChange[];
  /** More than the limit were there. */
  readonly more: boolean;
  readonly prunedThrough: number;
  /** The user's highest seq of any type (0 when none). */
  readonly latest: number;
  readonly head: number;
}

export interface ChangeLog {
  /** The user's events of one aggregate type after `after`, at most `limit`. */
  changesAfter(userId: string, aggregateType: string, after: number, limit: number): Promise<ChangePage>;
}
