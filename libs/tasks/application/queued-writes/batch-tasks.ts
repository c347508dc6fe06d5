import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application.errors';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { Task, type TaskState } from '../../domain/task.aggregate';
import { TaskIdConflict } from '../../domain/task.errors';
import type { StoredTask, TaskBatchWrite } from '../ports/task-batch-store.port';
import type { StepCounts, TaskIdClaim, TaskRepository } from '../ports/task.repository.port';

/**
 * Storage as the commands of one worker batch see it, in memory (#13): loaded once for the whole
 * batch, then every command's handler runs unchanged against it, in delivery order, so a later
 * command sees what an earlier one left (a user's order is kept). Each command's saves are staged
 * and become the batch's only when the command succeeds (`commit`); a refused command leaves
 * nothing (`discard`), so no savepoint is needed. At the end `writes()` is what storage must
 * become: each task once, at its last state, with every event in order.
 *
 * It answers exactly what the repository would in the same transaction: `get` the owner's task
 * not deleted, `claimOf` any id's owner and create digest, `countSteps` the steps not deleted,
 * `save` an insert refused when the id is taken (TaskIdConflict) or the owner has no account
 * (UserNotFound), an update refused when the version moved (ConcurrentModification).
 */
export class BatchTasks implements TaskRepository {
  /** As storage had them when the batch read them (absent: no such id). */
  private readonly stored = new Map<string, StoredTask>();
  /** As the batch's successful commands left them. */
  private readonly current = new Map<string, StoredTask>();
  /** Saved by the command running now. */
  private readonly staged = new Map<string, StoredTask>();
  private stagedEvents: DomainEvent[] = [];
  private readonly events: DomainEvent[] = [];
  /** Ids read and found absent (never reused: stays absent unless the batch creates it). */
  private readonly absent = new Set<string>();
  /** Each task's steps, as ids (their current state decides whether they count). */
  private readonly steps = new Map<string, Set<string>>();
  /** Parents whose steps were all read (every step of a loaded id is read with it). */
  private readonly stepsKnown = new Set<string>();

  /**
   * @param load what storage holds for these ids and their steps (for an id a command reaches that
   *   the batch did not foresee: one more round trip, the same answer)
   * @param hasAccount whether a user has an account (storage's foreign key, checked here)
   */
  constructor(
    private readonly load: (ids: readonly string[]) => Promise<StoredTask[]>,
    private readonly hasAccount: (userId: string) => boolean,
  ) {}

  /** Reads these ids and their steps (the batch's foreseeable reads, in one statement). */
  async prefetch(ids: Iterable<string>): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.stepsKnown.has(id));
    if (wanted.length === 0) return;
    this.remember(wanted, await this.load(wanted));
  }

  private remember(asked: readonly string[], rows: readonly StoredTask[]): void {
    for (const row of rows) {
      if (!this.stored.has(row.state.id)) this.stored.set(row.state.id, row);
      if (row.state.parentId) this.stepOf(row.state.parentId, row.state.id);
    }
    for (const id of asked) {
      this.stepsKnown.add(id);
      if (!this.stored.has(id)) this.absent.add(id);
    }
  }

  private stepOf(parentId: string, id: string): void {
    let set = this.steps.get(parentId);
    if (!set) this.steps.set(parentId, (set = new Set()));
    set.add(id);
  }

  /** The task as the batch sees it now: the running command's save, the batch's, then storage's. */
  private async known(id: string): Promise<StoredTask | null> {
    const seen = this.staged.get(id) ?? this.current.get(id) ?? this.stored.get(id);
    if (seen) return seen;
    if (this.absent.has(id)) return null;
    await this.prefetch([id]);
    return this.stored.get(id) ?? null;
  }

  async get(ownerId: string, id: string): Promise<Task | null> {
    const known = await this.known(id);
    if (!known || known.state.ownerId !== ownerId || known.state.deletedAt !== null) return null;
    return Task.restore(known.state);
  }

  async claimOf(id: string): Promise<TaskIdClaim | null> {
    const known = await this.known(id);
    return known ? { ownerId: known.state.ownerId, createFingerprint: known.createFingerprint, deleted: known.state.deletedAt !== null } : null;
  }

  async countSteps(ownerId: string, parentId: string): Promise<StepCounts> {
    if (!this.stepsKnown.has(parentId)) await this.prefetch([parentId]);
    let total = 0;
    let open = 0;
    for (const id of this.steps.get(parentId) ?? []) {
      const step = (await this.known(id))?.state;
      if (!step || step.parentId !== parentId || step.ownerId !== ownerId || step.deletedAt !== null) continue;
      total += 1;
      if (step.status === 'open') open += 1;
    }
    return { total, open };
  }

  async save(task: Task, createFingerprint?: string): Promise<void> {
    const events = task.peekEvents();
    if (events.length === 0) return;
    const loadedVersion = events[0]!.version - 1;
    const prior = await this.known(task.id);
    let next: StoredTask;
    if (loadedVersion === 0) {
      if (prior) throw new TaskIdConflict();
      if (!this.hasAccount(task.ownerId)) throw new UserNotFound();
      next = { state: task.state, createFingerprint: createFingerprint ?? null };
    } else {
      if (!prior || prior.state.ownerId !== task.ownerId || prior.state.version !== loadedVersion) throw new ConcurrentModification('task');
      next = { state: task.state, createFingerprint: prior.createFingerprint };
    }
    this.staged.set(task.id, next);
    if (next.state.parentId) this.stepOf(next.state.parentId, task.id);
    this.stagedEvents.push(...task.pullEvents());
  }

  /** The running command succeeded: its saves are the batch's. */
  commit(): void {
    for (const [id, saved] of this.staged) this.current.set(id, saved);
    this.events.push(...this.stagedEvents);
    this.discard();
  }

  /** The running command was refused: nothing of it remains. */
  discard(): void {
    this.staged.clear();
    this.stagedEvents = [];
  }

  /** The owners whose tasks the batch changed (their cached reads go stale on commit). */
  owners(): Set<string> {
    return new Set([...this.current.values()].map((t) => t.state.ownerId));
  }

  /** What storage must become: each changed task once (new ones in the order they were made), and every event in order. */
  writes(): TaskBatchWrite {
    const inserts: { state: TaskState; createFingerprint: string | null }[] = [];
    const updates: { state: TaskState; loadedVersion: number }[] = [];
    for (const [id, task] of this.current) {
      const before = this.stored.get(id);
      if (before) updates.push({ state: task.state, loadedVersion: before.state.version });
      else inserts.push({ state: task.state, createFingerprint: task.createFingerprint });
    }
    return { inserts, updates, events: [...this.events] };
  }
}
