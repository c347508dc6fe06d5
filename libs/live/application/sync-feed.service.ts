import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { CHANGE_LOG, type ChangeLog } from './ports/event-log.port';

/** The sync token is before the window kept (or was never ours): the client must list everything again. */
export class SyncTokenExpired extends DomainError {
  readonly kind = 'gone' as const;
  readonly code = 'sync_token_expired';
  constructor() {
    super('this sync token is older than the changes kept (or not one of ours): list your tasks again (GET /v1/tasks), then sync from a fresh token (GET /v1/sync without since)');
  }
}

export interface TaskChange {
  readonly taskId: string;
  /** Its last event in this page was a delete: a tombstone. */
  readonly deleted: boolean;
}

export interface SyncPage {
  /** Each task changed in the page once, in the order of its last change. */
  readonly changes: TaskChange[];
  /** Where the next call starts. */
  readonly next: number;
  /** More changes are waiting after `next`. */
  readonly more: boolean;
}

const TASK_DELETED = 'task.deleted.v1';

/**
 * The incremental sync feed (issue 15): which of a user's tasks changed since a token, from the
 * same event log as the live stream (ADR 28). A token is a log seq; per user nothing below a seq
 * once visible appears later, so `next` never skips a change. Tombstones live as long as the log
 * keeps the delete (the window); a token from before the window is `410 sync_token_expired`.
 */
@Injectable()
export class SyncFeed {
  constructor(@Inject(CHANGE_LOG) private readonly log: ChangeLog) {}

  /** `since` null: no changes, and the token to start from (take it before listing the tasks). */
  async since(userId: string, since: number | null, limit: number): Promise<SyncPage> {
    const page = await this.log.changesAfter(userId, 'task', since ?? Number.MAX_SAFE_INTEGER, limit);
    if (since === null) return { changes: [], next: Math.max(page.latest, page.prunedThrough), more: false };
    if (since < page.prunedThrough || since > page.head) throw new SyncTokenExpired();
    const last = new Map<string, { seq: number; deleted: boolean }>();
    for (const c of page.changes) {
      last.delete(c.aggregateId);
      last.set(c.aggregateId, { seq: c.seq, deleted: c.type === TASK_DELETED });
    }
    // A full page ends at its last change; otherwise at the user's newest seq of any kind, so the
    // next call does not read the same non-task events again.
    const next = page.more ? page.changes[page.changes.length - 1].seq : Math.max(since, page.latest);
    return { changes: [...last].map(([taskId, c]) => ({ taskId, deleted: c.deleted })), next, more: page.more };
  }
}
