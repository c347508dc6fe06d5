import { AggregateRoot, type EventContext } from '@ln/kernel/domain/aggregate-root.base';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { type Failure, type FailureReason, parseFailureNote, parseFailureReason } from './failure-reason.value-object';
import { Schedule, parseMoment } from './schedule.value-object';
import { type Priority, TASK_LIMITS, parseActualMinutes, parseEstimate, parseNotes, parsePriority, parseTags, parseTitle } from './task-details.value-object';
import {
  PostponeMustMoveLater,
  StepsTooDeep,
  TaskCannotBeReopened,
  TaskHasOpenSteps,
  TaskHasSteps,
  TaskNotOpen,
  VersionMismatch,
} from './task.errors';
import { TaskEvents } from './task.events';

export const TASK_STATUSES = ['open', 'done', 'failed', 'dropped'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** What a client may set on a task (create, replace, edit); everything else the task owns. */
export interface TaskInput {
  readonly title: string;
  readonly notes?: string | null;
  readonly scheduledFor?: string | null;
  readonly dueAt?: string | null;
  readonly estimateMinutes?: number | null;
  readonly priority?: number | null;
  readonly tags?: readonly string[] | null;
}

/**
 * A whole task as a client sends it to replace one (PUT): the client-settable fields, and the
 * parent and re-plan origin repeated as they are (both are fixed at creation).
 */
export interface TaskReplacement extends TaskInput {
  readonly parentId?: string | null;
  readonly replanOf?: string | null;
}

/** The parent a new step goes under, as the caller found it (owned by the same user). */
export interface ParentRef {
  readonly id: string;
  readonly depth: number;
}

export interface TaskState {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly notes: string | null;
  readonly scheduledDate: string | null;
  readonly scheduledAt: string | null;
  readonly dueAt: string | null;
  readonly estimateMinutes: number | null;
  /** The minutes a done task took, as reported when it was completed; null when not given or not done. */
  readonly actualMinutes: number | null;
  readonly priority: Priority;
  readonly tags: readonly string[];
  readonly parentId: string | null;
  readonly depth: number;
  readonly status: TaskStatus;
  readonly failure: Failure | null;
  readonly deferrals: number;
  readonly replanOf: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
  readonly deletedAt: string | null;
}

type Details = Pick<TaskState, 'title' | 'notes' | 'scheduledDate' | 'scheduledAt' | 'dueAt' | 'estimateMinutes' | 'priority' | 'tags'>;

/** `timezone`, the owner's, is read only for a schedule: null will do when there is none. */
function details(input: TaskInput, timezone: string | null): Details {
  if (input.scheduledFor && timezone === null) throw new Error("a schedule is read in the owner's timezone, and none was given");
  const schedule = input.scheduledFor ? Schedule.parse(input.scheduledFor, timezone!) : null;
  return {
    title: parseTitle(input.title),
    notes: parseNotes(input.notes),
    scheduledDate: schedule?.date ?? null,
    scheduledAt: schedule?.at ?? null,
    dueAt: input.dueAt ? parseMoment(input.dueAt, 'dueAt').toISOString() : null,
    estimateMinutes: parseEstimate(input.estimateMinutes),
    priority: parsePriority(input.priority),
    tags: parseTags(input.tags),
  };
}

const DETAIL_KEYS: readonly (keyof Details)[] = ['title', 'notes', 'scheduledDate', 'scheduledAt', 'dueAt', 'estimateMinutes', 'priority', 'tags'];

function same(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;
}

/**
 * Something a user means to do. State changes only through the behaviour methods below; each
 * records an event with identity, and each refusal is a named rule.
 *
 * Parents and steps: a step's parent is fixed when the step is created (moving steps is not a
 * feature); steps nest at most 2 deep; a parent can be completed only when none of its direct
 * steps is open; a task with steps cannot be deleted. Failing or dropping a parent leaves its
 * steps as they are: each step's own outcome is its own evidence.
 */
export class Task extends AggregateRoot {
  protected readonly aggregateType = 'task';
  private s: TaskState;

  private constructor(state: TaskState) {
    super(state.id, state.version);
    this.s = state;
  }

  override get ownerId(): string {
    return this.s.ownerId;
  }

  get state(): TaskState {
    return { ...this.s, version: this.version };
  }

  get status(): TaskStatus {
    return this.s.status;
  }

  get depth(): number {
    return this.s.depth;
  }

  get parentId(): string | null {
    return this.s.parentId;
  }

  static create(
    ctx: EventContext,
    props: { id: string; ownerId: string; timezone: string | null; input: TaskInput; parent?: ParentRef | null; replanOf?: string | null },
  ): Task {
    const d = details(props.input, props.timezone);
    const depth = props.parent ? props.parent.depth + 1 : 0;
    if (depth > TASK_LIMITS.maxDepth) throw new StepsTooDeep();
    const at = ctx.now().toISOString();
    const task = new Task({
      id: props.id,
      ownerId: props.ownerId,
      ...d,
      parentId: props.parent?.id ?? null,
      depth,
      actualMinutes: null,
      status: 'open',
      failure: null,
      deferrals: 0,
      replanOf: props.replanOf ?? null,
      version: 0,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      deletedAt: null,
    });
    task.record(ctx, TaskEvents.Created, { ...d, parentId: task.s.parentId, replanOf: task.s.replanOf }, new Date(at));
    return task;
  }

  static restore(state: TaskState): Task {
    // A state recorded before actualMinutes existed (a pending write, a cached plan) has none.
    return new Task({ ...state, actualMinutes: state.actualMinutes ?? null });
  }

  /**
   * If-Match: a write the client conditioned on a version applies to that version only; without
   * one it applies to whatever is current. Judged against the version the task was loaded at (a
   * behaviour already applied does not count). `overtaken`: storage refused the save because
   * another write got in after the load, so the stored task is past the version loaded.
   */
  expectVersion(expected: number | undefined, { overtaken = false }: { overtaken?: boolean } = {}): void {
    if (expected === undefined) return;
    const loaded = this.version - this.peekEvents().length;
    const current = overtaken ? loaded + 1 : loaded;
    if (expected !== current) throw new VersionMismatch(expected, current);
  }

  /**
   * Replaces the client-settable fields. Fields left out of a partial edit keep their value.
   * Rescheduling through an edit is a correction, not a deferral: it does not count. Returns
   * false (and records nothing) when nothing changes.
   */
  edit(ctx: EventContext, input: Partial<TaskInput>, timezone: string): boolean {
    const merged: TaskInput = {
      title: input.title ?? this.s.title,
      notes: 'notes' in input ? input.notes : this.s.notes,
      scheduledFor: 'scheduledFor' in input ? input.scheduledFor : (this.s.scheduledAt ?? this.s.scheduledDate),
      dueAt: 'dueAt' in input ? input.dueAt : this.s.dueAt,
      estimateMinutes: 'estimateMinutes' in input ? input.estimateMinutes : this.s.estimateMinutes,
      priority: 'priority' in input ? input.priority : this.s.priority,
      tags: 'tags' in input ? input.tags : this.s.tags,
    };
    const parsed = details(merged, timezone);
    // A moment keeps the local date it had (in the zone of its planning) unless the moment itself changed.
    const keepDate = parsed.scheduledAt !== null && parsed.scheduledAt === this.s.scheduledAt;
    const next: Details = keepDate ? { ...parsed, scheduledDate: this.s.scheduledDate } : parsed;
    const changes: Partial<Details> = {};
    for (const key of DETAIL_KEYS) {
      if (!same(next[key], this.s[key])) (changes as Record<string, unknown>)[key] = next[key];
    }
    if (Object.keys(changes).length === 0) return false;
    const at = ctx.now();
    this.s = { ...this.s, ...next, updatedAt: at.toISOString() };
    this.record(ctx, TaskEvents.Edited, { changes }, at);
    return true;
  }

  /**
   * Replaces the client-settable fields with the ones given (PUT): a field left out is cleared, or
   * back to its default. The parent and the re-plan origin are fixed at creation, so the
   * replacement must repeat them. Returns false (and records nothing) when nothing changes.
   */
  replace(ctx: EventContext, input: TaskReplacement, timezone: string): boolean {
    if ((input.parentId ?? null) !== this.s.parentId) throw new InvalidValue('parent_immutable', 'parentId', 'a step stays under the parent it was created under');
    if ((input.replanOf ?? null) !== this.s.replanOf) throw new InvalidValue('replan_of_immutable', 'replanOf', 'cannot change after creation');
    return this.edit(
      ctx,
      {
        title: input.title,
        notes: input.notes ?? null,
        scheduledFor: input.scheduledFor ?? null,
        dueAt: input.dueAt ?? null,
        estimateMinutes: input.estimateMinutes ?? null,
        priority: input.priority ?? null,
        tags: input.tags ?? [],
      },
      timezone,
    );
  }

  /** `actualMinutes`: how long it really took, when the owner says (1-1440); kept until a reopen. */
  complete(ctx: EventContext, openSteps: number, actualMinutes?: number | null): void {
    // A value typed as a number may still come from JSON: the limit is the aggregate's to guard.
    const actual = parseActualMinutes(actualMinutes);
    this.requireOpen('completed');
    if (openSteps > 0) throw new TaskHasOpenSteps(openSteps);
    this.s = { ...this.s, actualMinutes: actual };
    this.close(ctx, 'done', TaskEvents.Completed, { actualMinutes: actual });
  }

  fail(ctx: EventContext, reason: FailureReason, note: string | null | undefined): void {
    // The taxonomy is the aggregate's to guard: a value typed as a reason may still come from JSON.
    const known = parseFailureReason(reason);
    this.requireOpen('failed');
    const cleanNote = parseFailureNote(note);
    const at = ctx.now();
    const failure: Failure = { reason: known, note: cleanNote, at: at.toISOString() };
    this.s = { ...this.s, failure };
    this.close(ctx, 'failed', TaskEvents.Failed, { reason: known, note: cleanNote, deferrals: this.s.deferrals }, at);
  }

  /** Moves an open task later and counts a deferral: the coach reads deferrals as a signal. */
  postpone(ctx: EventContext, to: string, timezone: string): void {
    this.requireOpen('postponed');
    const next = Schedule.parse(to, timezone);
    const current = this.s.scheduledDate ? Schedule.restore(this.s.scheduledDate, this.s.scheduledAt) : null;
    if (current && !next.isLaterThan(current)) throw new PostponeMustMoveLater();
    const at = ctx.now();
    const from = current?.toString() ?? null;
    this.s = { ...this.s, scheduledDate: next.date, scheduledAt: next.at, deferrals: this.s.deferrals + 1, updatedAt: at.toISOString() };
    this.record(ctx, TaskEvents.Postponed, { from, to: next.toString(), scheduledDate: next.date, deferrals: this.s.deferrals }, at);
  }

  reopen(ctx: EventContext): void {
    if (this.s.status !== 'done' && this.s.status !== 'failed') throw new TaskCannotBeReopened(this.s.status);
    const at = ctx.now();
    const previous = this.s.status;
    this.s = { ...this.s, status: 'open', failure: null, actualMinutes: null, closedAt: null, updatedAt: at.toISOString() };
    this.record(ctx, TaskEvents.Reopened, { previousStatus: previous }, at);
  }

  drop(ctx: EventContext): void {
    this.requireOpen('dropped');
    this.close(ctx, 'dropped', TaskEvents.Dropped, {});
  }

  /** Soft: the row stays (outcomes are history the coach learns from) but the task is gone for the user. */
  delete(ctx: EventContext, steps: number): void {
    if (steps > 0) throw new TaskHasSteps(steps);
    const at = ctx.now();
    this.s = { ...this.s, deletedAt: at.toISOString(), updatedAt: at.toISOString() };
    this.record(ctx, TaskEvents.Deleted, { status: this.s.status }, at);
  }

  private requireOpen(action: string): void {
    if (this.s.status !== 'open') throw new TaskNotOpen(this.s.status, action);
  }

  private close(ctx: EventContext, status: TaskStatus, type: string, payload: object, at: Date = ctx.now()): void {
    this.s = { ...this.s, status, closedAt: at.toISOString(), updatedAt: at.toISOString() };
    this.record(ctx, type, { ...payload, scheduledDate: this.s.scheduledDate, estimateMinutes: this.s.estimateMinutes, tags: this.s.tags }, at);
  }
}
