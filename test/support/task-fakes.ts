import { CompleteTaskHandler } from '@ln/tasks/application/complete-task/complete-task.handler';
import { CreateTaskHandler } from '@ln/tasks/application/create-task/create-task.handler';
import { DeleteTaskHandler } from '@ln/tasks/application/delete-task/delete-task.handler';
import { DropTaskHandler } from '@ln/tasks/application/drop-task/drop-task.handler';
import { EditTaskHandler } from '@ln/tasks/application/edit-task/edit-task.handler';
import { FailTaskHandler } from '@ln/tasks/application/fail-task/fail-task.handler';
import { PostponeTaskHandler } from '@ln/tasks/application/postpone-task/postpone-task.handler';
import { ReopenTaskHandler } from '@ln/tasks/application/reopen-task/reopen-task.handler';
import { ReplaceTaskHandler } from '@ln/tasks/application/replace-task/replace-task.handler';
import { TaskCommands } from '@ln/tasks/application/task-commands.service';
import type { OwnerTimezones } from '@ln/tasks/application/ports/owner-timezones.port';
import type { ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import type { StepCounts, TaskIdClaim, TaskRepository } from '@ln/tasks/application/ports/task.repository.port';
import type { TaskCursor, TaskHistoryQuery, TaskListQuery, TaskPage, TaskReadModel, TaskSort, TaskStatePage, TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application.errors';
import { stateToView } from '@ln/tasks/application/shared/task-view.mapper';
import { type DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { Schedule } from '@ln/tasks/domain/schedule.value-object';
import { Task, type TaskState } from '@ln/tasks/domain/task.aggregate';
import { TaskIdConflict } from '@ln/tasks/domain/task.errors';
import { BatchWriteConflict, type StoredTask as BatchStoredTask, type TaskBatchStore, type TaskBatchWrite } from '@ln/tasks/application/ports/task-batch-store.port';

/**
 * In-memory stand-ins for the task ports, for handler tests. They keep the ports' documented rules
 * (owner scoping, soft deletes, optimistic versions, id claims, keyset order), not their storage.
 *
 * `log` is an optional sequence shared between fakes, so a test can assert the order of effects
 * across ports (a commit before an invalidation, say).
 */

export interface StoredTask {
  state: TaskState;
  createFingerprint: string | null;
}

const copy = (s: TaskState): TaskState => ({ ...s, tags: [...s.tags], failure: s.failure ? { ...s.failure } : null });

export class InMemoryTaskRepository implements TaskRepository {
  readonly rows = new Map<string, StoredTask>();
  readonly outbox: DomainEvent[] = [];
  /** Every save that committed something (in order). */
  readonly commits: { id: string; version: number }[] = [];
  private interceptors: ((task: Task) => Promise<void> | void)[] = [];

  /**
   * @param hasAccount like the storage's foreign key: a new task of an owner without an account is
   *   UserNotFound (every owner has one when not given).
   */
  constructor(
    readonly log: string[] = [],
    private readonly hasAccount: (ownerId: string) => boolean = () => true,
  ) {}

  /** Runs `fn` once, at the start of the next save (before its checks): a concurrent writer getting in first. */
  beforeNextSave(fn: (task: Task) => Promise<void> | void): void {
    this.interceptors.push(fn);
  }

  /** The stored state, whatever the owner and even when deleted (for assertions). */
  stateOf(id: string): TaskState | undefined {
    const row = this.rows.get(id);
    return row ? copy(row.state) : undefined;
  }

  async get(ownerId: string, id: string): Promise<Task | null> {
    const row = this.rows.get(id);
    if (!row || row.state.ownerId !== ownerId || row.state.deletedAt !== null) return null;
    return Task.restore(copy(row.state));
  }

  async claimOf(id: string): Promise<TaskIdClaim | null> {
    const row = this.rows.get(id);
    return row ? { ownerId: row.state.ownerId, createFingerprint: row.createFingerprint, deleted: row.state.deletedAt !== null } : null;
  }

  async countSteps(ownerId: string, parentId: string): Promise<StepCounts> {
    const steps = [...this.rows.values()].map((r) => r.state).filter((s) => s.parentId === parentId && s.ownerId === ownerId && s.deletedAt === null);
    return { total: steps.length, open: steps.filter((s) => s.status === 'open').length };
  }

  async save(task: Task, createFingerprint?: string): Promise<void> {
    const intercept = this.interceptors.shift();
    if (intercept) await intercept(task);
    const events = task.peekEvents();
    if (events.length === 0) return;
    const state = task.state;
    const loaded = events[0].version - 1;
    const existing = this.rows.get(task.id);
    if (loaded === 0) {
      if (existing) throw new TaskIdConflict();
      if (!this.hasAccount(state.ownerId)) throw new UserNotFound();
      this.rows.set(task.id, { state: copy(state), createFingerprint: createFingerprint ?? null });
    } else {
      if (!existing || existing.state.ownerId !== state.ownerId || existing.state.version !== loaded) throw new ConcurrentModification('task');
      this.rows.set(task.id, { state: copy(state), createFingerprint: existing.createFingerprint });
    }
    this.outbox.push(...task.pullEvents());
    this.commits.push({ id: task.id, version: state.version });
    this.log.push(`save ${task.id} v${state.version}`);
  }
}

/**
 * The set statements of a worker's batch over the same rows as an InMemoryTaskRepository: one load
 * of tasks and their steps, one all-or-nothing write (BatchWriteConflict when an id is taken or a
 * version moved, and then nothing is written).
 */
export class InMemoryTaskBatchStore implements TaskBatchStore {
  loads = 0;
  writes = 0;
  /** Runs once, before the next write's checks: a synchronous write getting in between the batch's read and its write. */
  beforeNextWrite: (() => Promise<void> | void) | null = null;

  constructor(private readonly repo: InMemoryTaskRepository) {}

  async load(ids: readonly string[]): Promise<BatchStoredTask[]> {
    this.loads += 1;
    const wanted = new Set(ids);
    return [...this.repo.rows.values()]
      .filter((r) => wanted.has(r.state.id) || (r.state.parentId !== null && wanted.has(r.state.parentId) && r.state.deletedAt === null))
      .map((r) => ({ state: copy(r.state), createFingerprint: r.createFingerprint }));
  }

  async write(batch: TaskBatchWrite): Promise<void> {
    const intercept = this.beforeNextWrite;
    this.beforeNextWrite = null;
    if (intercept) await intercept();
    this.writes += 1;
    const taken = batch.inserts.filter((t) => this.repo.rows.has(t.state.id)).length;
    if (taken) throw new BatchWriteConflict(`${taken} new ids taken`);
    const moved = batch.updates.filter((t) => {
      const row = this.repo.rows.get(t.state.id);
      return !row || row.state.ownerId !== t.state.ownerId || row.state.version !== t.loadedVersion;
    }).length;
    if (moved) throw new BatchWriteConflict(`${moved} tasks changed`);
    for (const t of batch.inserts) this.repo.rows.set(t.state.id, { state: copy(t.state), createFingerprint: t.createFingerprint });
    for (const t of batch.updates) this.repo.rows.set(t.state.id, { state: copy(t.state), createFingerprint: this.repo.rows.get(t.state.id)!.createFingerprint });
    this.repo.outbox.push(...batch.events);
    for (const t of [...batch.inserts, ...batch.updates]) this.repo.commits.push({ id: t.state.id, version: t.state.version });
  }
}

/** What the read side shows of a stored task: the application's own mapping, as the SQL read model uses. */
export function viewOf(s: TaskState): TaskView {
  return stateToView(s);
}

/** The storage ordering key of a sort: creation instant, or the schedule's calendar key ('~' unscheduled). */
function sortKey(s: TaskState, sort: TaskSort): string {
  if (sort === 'createdAt' || sort === '-createdAt') return s.createdAt;
  return s.scheduledDate ? Schedule.sortKeyOf(s.scheduledDate, s.scheduledAt) : '~';
}

/** Creation keys compare as instants; schedule keys bytewise (the SQL column is COLLATE "C"). */
function comparable(key: string): number | string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(key)) return key;
  const t = Date.parse(key);
  // The SQL read model casts the key to timestamptz; a non-time fails there too.
  if (Number.isNaN(t)) throw new Error(`invalid input syntax for type timestamp: "${key}"`);
  return t;
}

/** (key, id) tuple comparison, ascending. */
function compare(a: { key: string; id: string }, b: { key: string; id: string }): number {
  const ka = comparable(a.key);
  const kb = comparable(b.key);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** The query side over the repository's store. Counts its calls so tests can see cache hits. */
export class InMemoryTaskReadModel implements TaskReadModel {
  readonly gets: { ownerId: string; id: string }[] = [];
  readonly lists: TaskListQuery[] = [];
  readonly histories: TaskHistoryQuery[] = [];

  constructor(private readonly store: InMemoryTaskRepository) {}

  get calls(): number {
    return this.gets.length + this.lists.length;
  }

  async get(ownerId: string, id: string): Promise<TaskView | null> {
    this.gets.push({ ownerId, id });
    const row = this.store.rows.get(id);
    return row && row.state.ownerId === ownerId && row.state.deletedAt === null ? viewOf(row.state) : null;
  }

  async list(q: TaskListQuery): Promise<TaskPage> {
    this.lists.push(q);
    const f = q.filter;
    const now = Date.parse(q.now);
    const overdue = (s: TaskState) => s.status === 'open' && s.dueAt !== null && Date.parse(s.dueAt) < now;
    const rows = [...this.store.rows.values()]
      .map((r) => r.state)
      .filter((s) => s.ownerId === q.ownerId && s.deletedAt === null)
      .filter((s) => !f.status?.length || f.status.includes(s.status))
      .filter((s) => !f.scheduledFrom || (s.scheduledDate !== null && s.scheduledDate >= f.scheduledFrom))
      .filter((s) => !f.scheduledTo || (s.scheduledDate !== null && s.scheduledDate <= f.scheduledTo))
      .filter((s) => !f.dueFrom || (s.dueAt !== null && Date.parse(s.dueAt) >= Date.parse(f.dueFrom)))
      .filter((s) => !f.dueTo || (s.dueAt !== null && Date.parse(s.dueAt) <= Date.parse(f.dueTo)))
      .filter((s) => (f.overdue === true ? overdue(s) : f.overdue === false ? !overdue(s) : true))
      .filter((s) => !f.tag || s.tags.some((t) => t.toLowerCase() === f.tag!.toLowerCase()))
      .filter((s) => (f.parentId === undefined ? true : f.parentId === null ? s.parentId === null : s.parentId === f.parentId));

    const descending = q.sort.startsWith('-');
    const position = (s: TaskState) => ({ key: sortKey(s, q.sort), id: s.id });
    const ordered = rows.sort((a, b) => (descending ? -1 : 1) * compare(position(a), position(b)));
    const after = q.after;
    const rest = after ? ordered.filter((s) => (descending ? -1 : 1) * compare(position(s), after) > 0) : ordered;
    const page = rest.slice(0, q.limit);
    const more = rest.length > q.limit;
    const last = page[page.length - 1];
    const next: TaskCursor | null = more && last ? { sort: q.sort, ...position(last) } : null;
    return { items: page.map(viewOf), next };
  }

  /** Live tasks in id order (ids compare as storage compares uuids: lower-case hex, bytewise), keyset on id. */
  async history(q: TaskHistoryQuery): Promise<TaskStatePage> {
    this.histories.push(q);
    const rest = [...this.store.rows.values()]
      .map((r) => r.state)
      .filter((s) => s.deletedAt === null && (q.ownerId === undefined || s.ownerId === q.ownerId) && (q.after === undefined || s.id > q.after))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = rest.slice(0, q.limit);
    return { items: page.map(copy), next: rest.length > q.limit ? page[page.length - 1].id : null };
  }
}

/**
 * The memory adapter's versioned semantics (an entry per user + version + key; `invalidate` bumps
 * the user's version; concurrent misses of one key share a load), without expiry, and recording
 * what happened: every read, every load it ran and every invalidation, in order.
 */
export class RecordingReadCache implements ReadCache {
  readonly reads: { userId: string; key: string }[] = [];
  readonly loads: { userId: string; key: string }[] = [];
  readonly invalidations: string[] = [];
  private readonly versions = new Map<string, number>();
  private readonly entries = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(readonly log: string[] = []) {}

  /** Entries stored for a user under its current version. */
  entriesOf(userId: string): string[] {
    const prefix = `${userId}\u0000${this.versions.get(userId) ?? 0}\u0000`;
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  async read(userId: string, key: string, load: () => Promise<string>): Promise<string> {
    this.reads.push({ userId, key });
    const full = `${userId}\u0000${this.versions.get(userId) ?? 0}\u0000${key}`;
    const hit = this.entries.get(full);
    if (hit !== undefined) return hit;
    const pending = this.inFlight.get(full);
    if (pending) return pending;
    this.loads.push({ userId, key });
    this.log.push(`load ${userId} ${key}`);
    const refill = load()
      .then((value) => {
        this.entries.set(full, value);
        return value;
      })
      .finally(() => this.inFlight.delete(full));
    this.inFlight.set(full, refill);
    return refill;
  }

  async invalidate(userId: string): Promise<void> {
    this.invalidations.push(userId);
    this.log.push(`invalidate ${userId}`);
    this.versions.set(userId, (this.versions.get(userId) ?? 0) + 1);
  }
}

/** Owners by id with a time zone each; unknown ids have no account. */
export class FakeOwnerTimezones implements OwnerTimezones {
  private readonly zones = new Map<string, string>();
  lookups = 0;

  constructor(zones: Record<string, string> = {}) {
    for (const [id, tz] of Object.entries(zones)) this.zones.set(id, tz);
  }

  has(userId: string): boolean {
    return this.zones.has(userId);
  }

  setTimezone(userId: string, timezone: string): this {
    this.zones.set(userId, timezone);
    return this;
  }

  async timezoneOf(userId: string): Promise<string | null> {
    this.lookups += 1;
    return this.zones.get(userId) ?? null;
  }

  async timezonesOf(userIds: readonly string[]): Promise<Map<string, string>> {
    this.lookups += 1;
    return new Map(userIds.filter((id) => this.zones.has(id)).map((id) => [id, this.zones.get(id)!]));
  }
}

/** Every task command's real handler, as the tasks module wires them (create shared with replace). */
export function everyTaskCommand(): TaskCommands {
  const create = new CreateTaskHandler();
  return new TaskCommands(
    create,
    new ReplaceTaskHandler(create),
    new EditTaskHandler(),
    new CompleteTaskHandler(),
    new FailTaskHandler(),
    new PostponeTaskHandler(),
    new ReopenTaskHandler(),
    new DropTaskHandler(),
    new DeleteTaskHandler(),
  );
}
