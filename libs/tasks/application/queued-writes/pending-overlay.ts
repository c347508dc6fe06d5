import { Schedule } from '../../domain/schedule.value-object';
import { type TaskState } from '../../domain/task.aggregate';
import type { PendingWrite } from './ports/pending-writes.port';
import type { TaskCursor, TaskListFilter, TaskSort, TaskView } from '../ports/task-read-model.port';
import { stateToView } from '../shared/task-view.mapper';

/** What a pending write makes of a task: its new state, `null` when it deletes it, `undefined` when it changes nothing any more. */
export type Effect = TaskState | null | undefined;

/**
 * A user's pending writes, read against what storage (or the cache) already has. The latest
 * pending write of a task (highest version) is what its author sees until storage catches up:
 * once storage holds that version or a later one the write has been applied and the stored task
 * stands. Versions only grow, so this needs no clock and no knowledge of which worker did what.
 */
export class PendingOverlay {
  private readonly latest = new Map<string, PendingWrite & { state: TaskState }>();

  constructor(writes: readonly PendingWrite[]) {
    for (const w of writes) {
      if (!hasState(w)) continue;
      const seen = this.latest.get(w.taskId);
      if (!seen || w.state.version > seen.state.version || (w.state.version === seen.state.version && w.acceptedAt > seen.acceptedAt)) {
        this.latest.set(w.taskId, w);
      }
    }
  }

  get isEmpty(): boolean {
    return this.latest.size === 0;
  }

  taskIds(): string[] {
    return [...this.latest.keys()];
  }

  write(taskId: string): (PendingWrite & { state: TaskState }) | undefined {
    return this.latest.get(taskId);
  }

  /** @param storedVersion the stored task's version, null when storage has no (live) task with that id. */
  effect(taskId: string, storedVersion: number | null): Effect {
    const w = this.latest.get(taskId);
    if (!w) return undefined;
    if (storedVersion !== null && w.state.version <= storedVersion) return undefined;
    return w.state.deletedAt ? null : w.state;
  }
}

function hasState(w: PendingWrite): w is PendingWrite & { state: TaskState } {
  return w.state !== null;
}

/** The listing's sort key of a task, in the form cursors carry (createdAt to the microsecond, like storage). */
export function sortKeyOf(state: TaskState | TaskView, sort: TaskSort): string {
  if (sort === 'createdAt' || sort === '-createdAt') return microsIso(state.createdAt);
  const s = state as TaskState;
  if ('scheduledDate' in s) return s.scheduledDate ? Schedule.sortKeyOf(s.scheduledDate, s.scheduledAt) : '~';
  throw new Error('a view has no schedule key');
}

function microsIso(iso: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z` : iso;
}

/** Whether a task belongs in a listing: the same rules as the read model's SQL. */
export function matchesFilter(s: TaskState, f: TaskListFilter, now: string): boolean {
  if (f.status?.length && !f.status.includes(s.status)) return false;
  if (f.scheduledFrom && !(s.scheduledDate && s.scheduledDate >= f.scheduledFrom)) return false;
  if (f.scheduledTo && !(s.scheduledDate && s.scheduledDate <= f.scheduledTo)) return false;
  const due = s.dueAt ? Date.parse(s.dueAt) : null;
  if (f.dueFrom && !(due !== null && due >= Date.parse(f.dueFrom))) return false;
  if (f.dueTo && !(due !== null && due <= Date.parse(f.dueTo))) return false;
  const overdue = s.status === 'open' && due !== null && due < Date.parse(now);
  if (f.overdue === true && !overdue) return false;
  if (f.overdue === false && overdue) return false;
  if (f.tag && !s.tags.some((t) => t.toLowerCase() === f.tag!.toLowerCase())) return false;
  if (f.parentId === null && s.parentId !== null) return false;
  if (f.parentId && s.parentId !== f.parentId) return false;
  return true;
}

interface Positioned {
  readonly view: TaskView;
  readonly key: string;
}

/** Compares keyset positions in the listing's direction: negative when `a` comes first. */
function compare(sort: TaskSort, a: { key: string; id: string }, b: { key: string; id: string }): number {
  const asc = a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return sort.startsWith('-') ? -asc : asc;
}

export interface PageQuery {
  readonly filter: TaskListFilter;
  readonly sort: TaskSort;
  readonly limit: number;
  readonly after?: TaskCursor;
  readonly now: string;
}

/**
 * One page of a listing as its author should see it: the stored page with the pending writes laid
 * over it. A task whose pending state no longer fits leaves the page; one whose pending state fits
 * joins it when it falls inside the page's window (after the request's cursor and, when more pages
 * follow, not past the page's last position); an overfull page is cut back to `limit` and its cursor
 * moved to the new last item, so the cut items open the next page. Storage keys of stored items are
 * recomputed from the views, so the window needs the stored page's cursor key only.
 *
 * @param stored items and cursor of the stored page; `storedKeyOf` gives a stored item's sort key.
 * @param storedVersion the stored version of a task not on the page (null: not stored, or deleted).
 */
export async function overlayPage(
  overlay: PendingOverlay,
  q: PageQuery,
  stored: { items: readonly TaskView[]; next: TaskCursor | null; keyOf: (view: TaskView) => string },
  storedVersion: (taskId: string) => Promise<number | null>,
): Promise<{ items: TaskView[]; next: TaskCursor | null }> {
  const onPage = new Map(stored.items.map((v) => [v.id, v]));
  const removed = new Set<string>();
  const joining: Positioned[] = [];
  for (const id of overlay.taskIds()) {
    const item = onPage.get(id);
    const effect = overlay.effect(id, item ? item.version : await storedVersion(id));
    if (effect === undefined) continue;
    if (item) removed.add(id);
    if (effect === null || !matchesFilter(effect, q.filter, q.now)) continue;
    const pos = { key: sortKeyOf(effect, q.sort), id };
    if (q.after && compare(q.sort, pos, q.after) <= 0) continue;
    if (stored.next && compare(q.sort, pos, stored.next) > 0) continue;
    joining.push({ view: stateToView(effect), key: pos.key });
  }
  if (removed.size === 0 && joining.length === 0) return { items: [...stored.items], next: stored.next };
  const merged: Positioned[] = [
    ...stored.items.filter((v) => !removed.has(v.id)).map((v) => ({ view: v, key: stored.keyOf(v) })),
    ...joining,
  ].sort((a, b) => compare(q.sort, { key: a.key, id: a.view.id }, { key: b.key, id: b.view.id }));
  if (merged.length <= q.limit) return { items: merged.map((p) => p.view), next: stored.next };
  const kept = merged.slice(0, q.limit);
  const last = kept[kept.length - 1];
  return { items: kept.map((p) => p.view), next: { sort: q.sort, key: last.key, id: last.view.id } };
}
