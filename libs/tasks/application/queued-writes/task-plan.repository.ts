import { Task, type TaskState } from '../../domain/task.aggregate';
import type { ReadCache } from '../../../kernel/application/ports/read-cache.port';
import type { StepCounts, TaskIdClaim, TaskRepository } from '../ports/task.repository.port';
import type { PendingOverlay } from './pending-overlay';

/** Where a plan reads what storage has; every read goes through the user's read cache. */
export interface PlanSources {
  readonly repository: TaskRepository;
  readonly cache: ReadCache;
  readonly timezoneOf: (userId: string) => Promise<string>;
}

const MISSING = '';

/**
 * The author's pending writes a plan reads, each part on first use: those of one task, or those of
 * a parent's steps. A create with an id the api just made reads none; an edit reads its task's
 * only, so a plan's cost does not grow with the user's backlog.
 */
export interface PlanOverlay {
  task(taskId: string): Promise<PendingOverlay>;
  steps(parentId: string): Promise<PendingOverlay>;
}

/**
 * The api's dry run of a queued command. The command's own handler runs unchanged, but against
 * this repository: it reads the task as its author sees it (storage through the read cache, then
 * the pending overlay on top) and `save` only captures the result. So the api refuses at once,
 * with the same problem as the synchronous path, what the worker would refuse, and answers with
 * the resource as it will be. The worker still decides on what storage really holds.
 *
 * The reads are cached per user and invalidated by every applied write, so a warm plan touches
 * Redis only: while PostgreSQL is slow the queued path keeps answering.
 */
export class TaskPlan implements TaskRepository {
  /** The task the command leaves behind, when it changes or creates one. */
  saved: { state: TaskState; createFingerprint: string | null; changed: boolean } | null = null;

  /** @param overlay the user's pending writes, read per task (or per parent) on first use. */
  constructor(
    readonly userId: string,
    private readonly overlay: PlanOverlay,
    private readonly sources: PlanSources,
  ) {}

  timezone(): Promise<string> {
    return this.sources.cache.read(this.userId, 'plan:tz', () => this.sources.timezoneOf(this.userId));
  }

  private async storedState(id: string): Promise<TaskState | null> {
    const raw = await this.sources.cache.read(this.userId, `plan:task:${id}`, async () => {
      const task = await this.sources.repository.get(this.userId, id);
      return task ? JSON.stringify(task.state) : MISSING;
    });
    return raw === MISSING ? null : (JSON.parse(raw) as TaskState);
  }

  async get(ownerId: string, id: string): Promise<Task | null> {
    if (ownerId !== this.userId) return null;
    // The overlay before storage, as every read does (a worker invalidates before it settles).
    const overlay = await this.overlay.task(id);
    const stored = await this.storedState(id);
    const effect = overlay.effect(id, stored ? stored.version : null);
    const state = effect === undefined ? stored : effect;
    return state ? Task.restore(state) : null;
  }

  /** Ids this api just made for new tasks: nobody can have claimed them (no lookup needed). */
  readonly freshIds = new Set<string>();

  async claimOf(id: string): Promise<TaskIdClaim | null> {
    if (this.freshIds.has(id)) return null;
    const overlay = await this.overlay.task(id);
    const pending = overlay.write(id);
    if (pending?.createFingerprint) {
      const stored = await this.storedState(id);
      return { ownerId: this.userId, createFingerprint: pending.createFingerprint, deleted: overlay.effect(id, stored?.version ?? null) === null };
    }
    // Ids are never reused, so a cached claim only goes stale by appearing: the worker re-checks.
    const raw = await this.sources.cache.read(this.userId, `plan:claim:${id}`, async () => JSON.stringify(await this.sources.repository.claimOf(id)));
    return JSON.parse(raw) as TaskIdClaim | null;
  }

  async countSteps(ownerId: string, parentId: string): Promise<StepCounts> {
    const overlay = await this.overlay.steps(parentId);
    const raw = await this.sources.cache.read(this.userId, `plan:steps:${parentId}`, async () =>
      JSON.stringify(await this.sources.repository.countSteps(ownerId, parentId)),
    );
    let { total, open } = JSON.parse(raw) as StepCounts;
    // Pending writes to this parent's steps move the counts: the step as stored, then as it will be.
    for (const id of overlay.taskIds()) {
      if (overlay.write(id)?.state.parentId !== parentId) continue;
      const stored = await this.storedState(id);
      const effect = overlay.effect(id, stored ? stored.version : null);
      if (effect === undefined) continue;
      total += (effect ? 1 : 0) - (stored ? 1 : 0);
      open += (effect?.status === 'open' ? 1 : 0) - (stored?.status === 'open' ? 1 : 0);
    }
    return { total, open };
  }

  async save(task: Task, createFingerprint?: string): Promise<void> {
    const changed = task.peekEvents().length > 0;
    task.pullEvents();
    this.saved = { state: task.state, createFingerprint: createFingerprint ?? null, changed };
  }
}
