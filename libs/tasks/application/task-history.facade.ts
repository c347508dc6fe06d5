import { Inject, Injectable } from '@nestjs/common';
import type { FailureReason } from '../domain/failure-reason.value-object';
import type { TaskState, TaskStatus } from '../domain/task.aggregate';
import { TASK_READ_MODEL, type TaskReadModel } from './ports/task-read-model.port';

export type { FailureReason, TaskStatus };

/**
 * A task's current state as another context may know it: plain serialisable data (no domain
 * classes), the fields the outcome of a task is judged by. Published: change it only compatibly.
 */
export interface TaskHistoryItem {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  /** 1 (most important) to 4. */
  readonly priority: number;
  readonly status: TaskStatus;
  readonly parentId: string | null;
  /** The local day it is scheduled on, in the owner's calendar (YYYY-MM-DD); null when unscheduled. */
  readonly scheduledDate: string | null;
  /** The scheduled moment (ISO 8601 instant) when it has one; null for a whole day or unscheduled. */
  readonly scheduledAt: string | null;
  /** ISO 8601 instant, or null. */
  readonly dueAt: string | null;
  readonly estimateMinutes: number | null;
  /** How long a done task took, as its owner reported on completion; null when not given or not done. */
  readonly actualMinutes: number | null;
  readonly tags: string[];
  /** Times it was postponed. */
  readonly deferrals: number;
  /** Why it failed, for a failed task; null otherwise. */
  readonly failureReason: FailureReason | null;
  /** ISO 8601 instants. */
  readonly createdAt: string;
  /** When it was done, failed or dropped; null while open. */
  readonly closedAt: string | null;
  readonly version: number;
}

export interface TaskHistoryPage {
  readonly items: TaskHistoryItem[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** The most tasks one page holds; a larger `limit` gets this many (follow `next` for the rest). */
export const TASK_HISTORY_PAGE_MAX = 1000;

/**
 * What other contexts may read of the tasks' current state, to rebuild their projections (the
 * learning context does, then follows the task events). They never read the tasks table.
 *
 * Pages follow the ids (keyset): every task that exists, is not deleted and is not written while
 * the pages are read appears exactly once. A task written meanwhile may show either state, or be
 * missed if it is created with an id behind the cursor; its events come through the transport
 * after, so a consumer that rebuilds, then applies the events from before it started, misses
 * nothing. Storage's state only: queued writes not yet applied are not in it.
 */
@Injectable()
export class TaskHistory {
  constructor(@Inject(TASK_READ_MODEL) private readonly tasks: TaskReadModel) {}

  /** One task of an owner, as stored (not deleted), or null: another owner's task is null too. */
  async find(ownerId: string, id: string): Promise<TaskHistoryItem | null> {
    const page = await this.tasks.history({ ownerId, id, limit: 1 });
    return page.items[0] ? historyItemOf(page.items[0]) : null;
  }

  /** Every task not deleted, in id order, a page at a time (keyset on id), for all users or one. */
  async page(options: { ownerId?: string; after?: string; limit: number }): Promise<TaskHistoryPage> {
    const { ownerId, after, limit } = options;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number from 1, not ${limit}`);
    const page = await this.tasks.history({
      ...(ownerId !== undefined ? { ownerId } : {}),
      ...(after !== undefined ? { after } : {}),
      limit: Math.min(limit, TASK_HISTORY_PAGE_MAX),
    });
    return { items: page.items.map(historyItemOf), next: page.next };
  }
}

/** The one mapping from a task's state to what is published of it (a copy: nothing shared with the state). */
function historyItemOf(s: TaskState): TaskHistoryItem {
  return {
    id: s.id,
    ownerId: s.ownerId,
    title: s.title,
    priority: s.priority,
    status: s.status,
    parentId: s.parentId,
    scheduledDate: s.scheduledDate,
    scheduledAt: s.scheduledAt,
    dueAt: s.dueAt,
    estimateMinutes: s.estimateMinutes,
    actualMinutes: s.actualMinutes ?? null,
    tags: [...s.tags],
    deferrals: s.deferrals,
    failureReason: s.failure?.reason ?? null,
    createdAt: s.createdAt,
    closedAt: s.closedAt,
    version: s.version,
  };
}
