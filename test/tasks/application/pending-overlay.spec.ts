import { type PageQuery, PendingOverlay, overlayPage, sortKeyOf } from '@ln/tasks/application/queued-writes/pending-overlay';
import { type PendingWrite } from '@ln/tasks/application/queued-writes/ports/pending-writes.port';
import { type TaskCursor, type TaskListFilter, type TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { stateToView } from '@ln/tasks/application/shared/task-view.mapper';
import { type TaskState } from '@ln/tasks/domain/task.aggregate';

/**
 * The pending overlay (libs/tasks/application/queued-writes/pending-overlay.ts): what a queued
 * write's author sees until a worker has applied it. Unit tests of PendingOverlay, sortKeyOf,
 * matchesFilter and overlayPage that need no database; the equivalence with the real read model
 * (PGlite) is in pending-overlay.pglite.spec.ts.
 */

const T0 = new Date('2026-03-01T09:15:30.123Z');
const NOW = T0.toISOString();

// ---------------------------------------------------------------------------------------------
// Hand-made states for the unit tests
// ---------------------------------------------------------------------------------------------

function idOf(n: number): string {
  return `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
}

function state(n: number, overrides: Partial<TaskState> = {}): TaskState {
  return {
    id: idOf(n),
    ownerId: 'owner',
    title: `task ${n}`,
    notes: null,
    scheduledDate: null,
    scheduledAt: null,
    dueAt: null,
    estimateMinutes: null,
    actualMinutes: null,
    priority: 4,
    tags: [],
    parentId: null,
    depth: 0,
    status: 'open',
    failure: null,
    deferrals: 0,
    replanOf: null,
    version: 1,
    // One second apart in id order, unless overridden.
    createdAt: new Date(T0.getTime() + n * 1_000).toISOString(),
    updatedAt: NOW,
    closedAt: null,
    deletedAt: null,
    ...overrides,
  };
}

let commands = 0;
function pw(s: TaskState | null, overrides: Partial<PendingWrite> = {}): PendingWrite {
  commands += 1;
  return {
    commandId: `cmd-${commands}`,
    type: 'task.edit',
    taskId: s?.id ?? 'unknown',
    state: s,
    createFingerprint: null,
    acceptedAt: new Date(T0.getTime() + commands).toISOString(),
    ...overrides,
  };
}

describe('PendingOverlay.effect', () => {
  it('is empty without writes: no task has an effect', () => {
    const overlay = new PendingOverlay([]);
    expect(overlay.isEmpty).toBe(true);
    expect(overlay.taskIds()).toEqual([]);
    expect(overlay.effect(idOf(1), null)).toBeUndefined();
    expect(overlay.effect(idOf(1), 3)).toBeUndefined();
  });

  it('the latest version of a task wins, whatever order the writes are listed in', () => {
    const v2 = state(1, { version: 2, title: 'second' });
    const v3 = state(1, { version: 3, title: 'third' });
    const v4 = state(1, { version: 4, title: 'fourth' });
    for (const writes of [[pw(v2), pw(v3), pw(v4)], [pw(v4), pw(v2), pw(v3)], [pw(v3), pw(v4), pw(v2)]]) {
      const overlay = new PendingOverlay(writes);
      expect(overlay.taskIds()).toEqual([idOf(1)]);
      expect(overlay.effect(idOf(1), 1)).toEqual(v4);
      expect(overlay.write(idOf(1))?.state).toEqual(v4);
    }
  });

  it('between two writes of the same version, the one accepted later wins', () => {
    const early = state(1, { version: 2, title: 'early' });
    const late = state(1, { version: 2, title: 'late' });
    const writes = [pw(late, { acceptedAt: '2026-03-01T10:00:00.002Z' }), pw(early, { acceptedAt: '2026-03-01T10:00:00.001Z' })];
    expect(new PendingOverlay(writes).effect(idOf(1), 1)).toEqual(late);
    expect(new PendingOverlay([...writes].reverse()).effect(idOf(1), 1)).toEqual(late);
  });

  it('applies while storage is behind; once storage holds that version or a later one, the stored task stands', () => {
    const overlay = new PendingOverlay([pw(state(1, { version: 3 }))]);
    expect(overlay.effect(idOf(1), null)).toEqual(state(1, { version: 3 }));
    expect(overlay.effect(idOf(1), 1)).toEqual(state(1, { version: 3 }));
    expect(overlay.effect(idOf(1), 2)).toEqual(state(1, { version: 3 }));
    expect(overlay.effect(idOf(1), 3)).toBeUndefined();
    expect(overlay.effect(idOf(1), 4)).toBeUndefined();
    // Another task is not touched.
    expect(overlay.effect(idOf(2), 1)).toBeUndefined();
  });

  it('a pending delete makes the task null, also over an earlier pending edit, until storage has it', () => {
    const edit = state(1, { version: 2, title: 'edited' });
    const del = state(1, { version: 3, title: 'edited', deletedAt: '2026-03-02T00:00:00.000Z' });
    const overlay = new PendingOverlay([pw(del, { type: 'task.delete' }), pw(edit)]);
    expect(overlay.effect(idOf(1), 1)).toBeNull();
    expect(overlay.effect(idOf(1), 2)).toBeNull();
    // Applied: storage no longer lists the task (read as "not stored") and has the version.
    expect(overlay.effect(idOf(1), 3)).toBeUndefined();
    // A stored row that vanished (null) while the delete is pending: still deleted.
    expect(overlay.effect(idOf(1), null)).toBeNull();
  });

  it('ignores state-less entries (a plan that changed nothing), even accepted later', () => {
    const edit = state(1, { version: 2, title: 'edited' });
    const overlay = new PendingOverlay([pw(edit, { acceptedAt: '2026-03-01T10:00:00.000Z' }), pw(null, { taskId: idOf(1), acceptedAt: '2026-03-01T11:00:00.000Z' })]);
    expect(overlay.effect(idOf(1), 1)).toEqual(edit);
    const onlyNoops = new PendingOverlay([pw(null, { taskId: idOf(1) }), pw(null, { taskId: idOf(2), type: 'task.create', createFingerprint: 'fp' })]);
    expect(onlyNoops.isEmpty).toBe(true);
    expect(onlyNoops.taskIds()).toEqual([]);
    expect(onlyNoops.effect(idOf(1), 1)).toBeUndefined();
    expect(onlyNoops.effect(idOf(2), null)).toBeUndefined();
    expect(onlyNoops.write(idOf(2))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// overlayPage on hand-made pages
// ---------------------------------------------------------------------------------------------

describe('overlayPage', () => {
  /** A fake storage of states: keyset pages exactly like the read model (key, id), '~' for unscheduled. */
  function storedPage(stored: readonly TaskState[], q: PageQuery): { items: TaskView[]; next: TaskCursor | null; keyOf: (v: TaskView) => string } {
    const desc = q.sort.startsWith('-');
    const pos = (s: TaskState) => ({ key: sortKeyOf(s, q.sort), id: s.id });
    const cmp = (a: { key: string; id: string }, b: { key: string; id: string }) => {
      const asc = a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return desc ? -asc : asc;
    };
    const rows = stored
      .filter((s) => !s.deletedAt)
      .filter((s) => !q.after || cmp(pos(s), q.after) > 0)
      .sort((a, b) => cmp(pos(a), pos(b)));
    const page = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    const last = page[page.length - 1];
    const byId = new Map(stored.map((s) => [s.id, s]));
    return {
      items: page.map(stateToView),
      next: more ? { sort: q.sort, ...pos(last) } : null,
      keyOf: (v) => sortKeyOf(byId.get(v.id)!, q.sort),
    };
  }

  async function page(stored: readonly TaskState[], writes: readonly PendingWrite[], q: Omit<PageQuery, 'now' | 'filter'> & { filter?: TaskListFilter }) {
    const query: PageQuery = { filter: {}, now: NOW, ...q };
    const versions = new Map(stored.filter((s) => !s.deletedAt).map((s) => [s.id, s.version]));
    const result = await overlayPage(new PendingOverlay(writes), query, storedPage(stored, query), async (id) => versions.get(id) ?? null);
    return { ids: result.items.map((v) => v.id), next: result.next };
  }

  const stored = [1, 2, 3, 4, 5, 6].map((n) => state(n));

  it('without effects returns the stored page unchanged, cursor included', async () => {
    const applied = pw(state(2, { version: 1, title: 'applied already' }));
    const result = await page(stored, [applied], { sort: 'createdAt', limit: 3 });
    expect(result).toEqual({ ids: [idOf(1), idOf(2), idOf(3)], next: { sort: 'createdAt', key: `${state(3).createdAt.slice(0, -1)}000Z`, id: idOf(3) } });
  });

  it('a pending edit that no longer fits the filter leaves the page; the cursor stays', async () => {
    const done = state(2, { version: 2, status: 'done', closedAt: NOW });
    const result = await page(stored, [pw(done)], { sort: 'createdAt', limit: 3, filter: { status: ['open'] } });
    expect(result.ids).toEqual([idOf(1), idOf(3)]);
    expect(result.next?.id).toBe(idOf(3));
  });

  it('a pending delete leaves the page', async () => {
    const del = state(1, { version: 2, deletedAt: NOW });
    const result = await page(stored, [pw(del)], { sort: '-createdAt', limit: 10 });
    expect(result).toEqual({ ids: [6, 5, 4, 3, 2].map(idOf), next: null });
  });

  it('a pending create joins in its position; an overfull page is cut and its cursor moves to the new last item', async () => {
    // Created between task 1 and task 2.
    const created = state(99, { createdAt: new Date(T0.getTime() + 1_500).toISOString() });
    const first = await page(stored, [pw(created)], { sort: 'createdAt', limit: 3 });
    expect(first.ids).toEqual([idOf(1), idOf(99), idOf(2)]);
    expect(first.next).toEqual({ sort: 'createdAt', key: `${state(2).createdAt.slice(0, -1)}000Z`, id: idOf(2) });
    // The item cut off (3) opens the next page.
    const second = await page(stored, [pw(created)], { sort: 'createdAt', limit: 3, after: first.next! });
    expect(second.ids).toEqual([idOf(3), idOf(4), idOf(5)]);
  });

  it('a pending state past the stored page’s last position waits for its own page', async () => {
    const late = state(99, { createdAt: new Date(T0.getTime() + 4_500).toISOString() });
    const first = await page(stored, [pw(late)], { sort: 'createdAt', limit: 3 });
    expect(first.ids).toEqual([1, 2, 3].map(idOf));
    const second = await page(stored, [pw(late)], { sort: 'createdAt', limit: 3, after: first.next! });
    expect(second.ids).toEqual([idOf(4), idOf(99), idOf(5)]);
  });

  it('a stored task moved by a pending edit shows at its new position only', async () => {
    // Task 6 (last page) rescheduled before everything; task 1 (first page) unscheduled (last).
    const s = stored.map((t, i) => ({ ...t, scheduledDate: `2026-03-1${i}`, scheduledAt: null }));
    const moved6 = { ...s[5], version: 2, scheduledDate: '2026-03-01' };
    const moved1 = { ...s[0], version: 2, scheduledDate: null };
    const writes = [pw(moved6), pw(moved1)];
    const seen: string[] = [];
    let after: TaskCursor | undefined;
    for (let i = 0; i < 10; i++) {
      const p = await page(s, writes, { sort: 'scheduledFor', limit: 2, after });
      seen.push(...p.ids);
      if (!p.next) break;
      after = p.next;
    }
    expect(seen).toEqual([6, 2, 3, 4, 5, 1].map(idOf));
  });
});
