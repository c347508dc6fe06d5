import { type PageQuery, PendingOverlay, matchesFilter, overlayPage, sortKeyOf } from '@ln/tasks/application/queued-writes/pending-overlay';
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

// ---------------------------------------------------------------------------------------------
// What the overlay holds
// ---------------------------------------------------------------------------------------------

describe('PendingOverlay contents', () => {
  it('is not empty once a write has a state; lists the task and hands back its latest write', () => {
    const w = pw(state(1, { version: 2 }));
    const overlay = new PendingOverlay([w]);
    expect(overlay.isEmpty).toBe(false);
    expect(overlay.taskIds()).toEqual([idOf(1)]);
    expect(overlay.write(idOf(1))).toEqual(w);
    expect(overlay.write(idOf(2))).toBeUndefined();
  });

  it('a lower version accepted later does not replace a higher one', () => {
    const v3 = state(1, { version: 3, title: 'third' });
    const v2 = state(1, { version: 2, title: 'second' });
    const overlay = new PendingOverlay([pw(v3, { acceptedAt: '2026-03-01T10:00:00.000Z' }), pw(v2, { acceptedAt: '2026-03-01T11:00:00.000Z' })]);
    expect(overlay.effect(idOf(1), 1)).toEqual(v3);
    expect(overlay.write(idOf(1))?.state).toEqual(v3);
  });

  it('a higher version accepted earlier replaces a lower one listed before it', () => {
    const v2 = state(1, { version: 2, title: 'second' });
    const v3 = state(1, { version: 3, title: 'third' });
    const overlay = new PendingOverlay([pw(v2, { acceptedAt: '2026-03-01T11:00:00.000Z' }), pw(v3, { acceptedAt: '2026-03-01T10:00:00.000Z' })]);
    expect(overlay.effect(idOf(1), 1)).toEqual(v3);
  });

  it('a state-less entry listed first does not hide a later write of the task', () => {
    const edit = state(1, { version: 2, title: 'edited' });
    const overlay = new PendingOverlay([pw(null, { taskId: idOf(1) }), pw(edit)]);
    expect(overlay.taskIds()).toEqual([idOf(1)]);
    expect(overlay.effect(idOf(1), 1)).toEqual(edit);
  });
});

// ---------------------------------------------------------------------------------------------
// sortKeyOf
// ---------------------------------------------------------------------------------------------

describe('sortKeyOf', () => {
  it('keys createdAt to the microsecond, in both directions, for states and views', () => {
    const s = state(1, { createdAt: '2026-03-01T09:15:30.123Z' });
    for (const sort of ['createdAt', '-createdAt'] as const) {
      expect(sortKeyOf(s, sort)).toBe('2026-03-01T09:15:30.123000Z');
      expect(sortKeyOf(stateToView(s), sort)).toBe('2026-03-01T09:15:30.123000Z');
    }
  });

  it('pads a createdAt without fraction or with a short one, and keeps six digits as they are', () => {
    expect(sortKeyOf(state(1, { createdAt: '2026-03-01T09:15:30Z' }), 'createdAt')).toBe('2026-03-01T09:15:30.000000Z');
    expect(sortKeyOf(state(1, { createdAt: '2026-03-01T09:15:30.5Z' }), 'createdAt')).toBe('2026-03-01T09:15:30.500000Z');
    expect(sortKeyOf(state(1, { createdAt: '2026-03-01T09:15:30.123456Z' }), 'createdAt')).toBe('2026-03-01T09:15:30.123456Z');
  });

  it('leaves a createdAt that is not a UTC instant of at most six fractional digits as it is', () => {
    for (const odd of ['2026-03-01T09:15:30.123+09:00', '2026-03-01T09:15:30.123Z[UTC]', '2026-03-01T09:15:30.1234567Z', '2026-03-01 09:15:30Z', 'not a date']) {
      expect(sortKeyOf(state(1, { createdAt: odd }), 'createdAt')).toBe(odd);
    }
  });

  it('keys scheduledFor by date and moment, "~" (after every date) when unscheduled, in both directions', () => {
    const day = state(1, { scheduledDate: '2026-03-10', scheduledAt: null });
    const moment = state(2, { scheduledDate: '2026-03-10', scheduledAt: '2026-03-10T09:00:00.000Z' });
    const none = state(3);
    for (const sort of ['scheduledFor', '-scheduledFor'] as const) {
      expect(sortKeyOf(day, sort)).toBe('2026-03-10|');
      expect(sortKeyOf(moment, sort)).toBe('2026-03-10|2026-03-10T09:00:00.000Z');
      expect(sortKeyOf(none, sort)).toBe('~');
    }
  });

  it('a view has no schedule key', () => {
    const view = stateToView(state(1, { scheduledDate: '2026-03-10' }));
    expect(() => sortKeyOf(view, 'scheduledFor')).toThrow('a view has no schedule key');
    expect(() => sortKeyOf(view, '-scheduledFor')).toThrow('a view has no schedule key');
  });
});

// ---------------------------------------------------------------------------------------------
// matchesFilter
// ---------------------------------------------------------------------------------------------

describe('matchesFilter', () => {
  const matches = (s: TaskState, f: TaskListFilter, now = NOW) => matchesFilter(s, f, now);

  it('no filter lets every task through', () => {
    expect(matches(state(1), {})).toBe(true);
    expect(matches(state(1, { status: 'done', dueAt: '2026-02-01T00:00:00.000Z', tags: ['x'], parentId: idOf(9) }), {})).toBe(true);
  });

  it('status: one of the listed ones; an empty list is no filter', () => {
    const done = state(1, { status: 'done' });
    expect(matches(done, { status: ['done'] })).toBe(true);
    expect(matches(done, { status: ['open', 'done'] })).toBe(true);
    expect(matches(done, { status: ['open'] })).toBe(false);
    expect(matches(done, { status: [] })).toBe(true);
  });

  it('scheduledFrom: scheduled on that day or later; an unscheduled task is out', () => {
    const f = { scheduledFrom: '2026-03-10' };
    expect(matches(state(1, { scheduledDate: '2026-03-09' }), f)).toBe(false);
    expect(matches(state(1, { scheduledDate: '2026-03-10' }), f)).toBe(true);
    expect(matches(state(1, { scheduledDate: '2026-03-11' }), f)).toBe(true);
    expect(matches(state(1), f)).toBe(false);
  });

  it('scheduledTo: scheduled on that day or earlier; an unscheduled task is out', () => {
    const f = { scheduledTo: '2026-03-10' };
    expect(matches(state(1, { scheduledDate: '2026-03-09' }), f)).toBe(true);
    expect(matches(state(1, { scheduledDate: '2026-03-10' }), f)).toBe(true);
    expect(matches(state(1, { scheduledDate: '2026-03-11' }), f)).toBe(false);
    expect(matches(state(1), f)).toBe(false);
  });

  it('dueFrom: due at that instant or later (compared as instants); a task without due is out', () => {
    const f = { dueFrom: '2026-03-05T09:00:00+09:00' }; // 2026-03-05T00:00:00Z
    expect(matches(state(1, { dueAt: '2026-03-04T23:59:59.999Z' }), f)).toBe(false);
    expect(matches(state(1, { dueAt: '2026-03-05T00:00:00.000Z' }), f)).toBe(true);
    expect(matches(state(1, { dueAt: '2026-03-05T00:00:00.001Z' }), f)).toBe(true);
    expect(matches(state(1), f)).toBe(false);
    // Even from the epoch on (a bound at or before 0 ms): no due, no match.
    expect(matches(state(1), { dueFrom: '1970-01-01T00:00:00.000Z' })).toBe(false);
    expect(matches(state(1), { dueFrom: '1969-12-31T00:00:00.000Z' })).toBe(false);
  });

  it('dueTo: due at that instant or earlier (compared as instants); a task without due is out', () => {
    const f = { dueTo: '2026-03-05T09:00:00+09:00' };
    expect(matches(state(1, { dueAt: '2026-03-04T23:59:59.999Z' }), f)).toBe(true);
    expect(matches(state(1, { dueAt: '2026-03-05T00:00:00.000Z' }), f)).toBe(true);
    expect(matches(state(1, { dueAt: '2026-03-05T00:00:00.001Z' }), f)).toBe(false);
    expect(matches(state(1), f)).toBe(false);
  });

  it('overdue: open and due strictly before now', () => {
    const past = '2026-03-01T09:15:30.122Z';
    const future = '2026-03-01T09:15:30.124Z';
    const cases: [TaskState, boolean][] = [
      [state(1, { dueAt: past }), true],
      [state(2, { dueAt: NOW }), false],
      [state(3, { dueAt: future }), false],
      [state(4), false],
      [state(5, { dueAt: past, status: 'done' }), false],
      [state(6, { dueAt: past, status: 'failed' }), false],
    ];
    for (const [s, overdue] of cases) {
      expect({ task: s.id, overdue: matches(s, { overdue: true }) }).toEqual({ task: s.id, overdue });
      expect({ task: s.id, notOverdue: matches(s, { overdue: false }) }).toEqual({ task: s.id, notOverdue: !overdue });
      // Without the filter, both kinds are listed.
      expect(matches(s, {})).toBe(true);
    }
    // The same task is overdue later on.
    expect(matches(state(3, { dueAt: future }), { overdue: true }, '2026-03-02T00:00:00.000Z')).toBe(true);
  });

  it('tag: any of the task’s tags, ignoring letter case', () => {
    const s = state(1, { tags: ['work', 'Home'] });
    expect(matches(s, { tag: 'home' })).toBe(true);
    expect(matches(s, { tag: 'HOME' })).toBe(true);
    expect(matches(s, { tag: 'Work' })).toBe(true);
    expect(matches(s, { tag: 'errand' })).toBe(false);
    expect(matches(state(2), { tag: 'home' })).toBe(false);
  });

  it('parentId: null for top-level tasks only, an id for that parent’s steps only, undefined for any', () => {
    const top = state(1);
    const stepOf7 = state(2, { parentId: idOf(7), depth: 1 });
    const stepOf8 = state(3, { parentId: idOf(8), depth: 1 });
    expect([top, stepOf7, stepOf8].map((s) => matches(s, { parentId: null }))).toEqual([true, false, false]);
    expect([top, stepOf7, stepOf8].map((s) => matches(s, { parentId: idOf(7) }))).toEqual([false, true, false]);
    expect([top, stepOf7, stepOf8].map((s) => matches(s, {}))).toEqual([true, true, true]);
  });
});

// ---------------------------------------------------------------------------------------------
// overlayPage: ordering, the window's edges, the cursor
// ---------------------------------------------------------------------------------------------

describe('overlayPage edges', () => {
  /** Runs overlayPage over a stored page given as it is (items in storage's order, keys from `keyOf`). */
  async function overlay(
    writes: readonly PendingWrite[],
    q: Partial<PageQuery> & Pick<PageQuery, 'sort' | 'limit'>,
    stored: { items: TaskState[]; next: TaskCursor | null; keyOf?: (v: TaskView) => string },
    versions: Record<string, number> = {},
  ) {
    const byId = new Map(stored.items.map((s) => [s.id, s]));
    const result = await overlayPage(
      new PendingOverlay(writes),
      { filter: {}, now: NOW, ...q },
      { items: stored.items.map(stateToView), next: stored.next, keyOf: stored.keyOf ?? ((v) => sortKeyOf(byId.get(v.id)!, q.sort)) },
      async (id) => versions[id] ?? null,
    );
    return { ids: result.items.map((v) => v.id), titles: result.items.map((v) => v.title), next: result.next };
  }

  it('tasks with the same key are ordered by id, in the listing’s direction', async () => {
    // Unscheduled tasks all have the key '~'.
    const asc = await overlay([pw(state(4))], { sort: 'scheduledFor', limit: 10 }, { items: [state(1), state(3), state(5)], next: null });
    expect(asc.ids).toEqual([1, 3, 4, 5].map(idOf));
    const desc = await overlay([pw(state(4))], { sort: '-scheduledFor', limit: 10 }, { items: [state(5), state(3), state(1)], next: null });
    expect(desc.ids).toEqual([5, 4, 3, 1].map(idOf));
    const first = await overlay([pw(state(0))], { sort: 'scheduledFor', limit: 10 }, { items: [state(1), state(3)], next: null });
    expect(first.ids).toEqual([0, 1, 3].map(idOf));
    const last = await overlay([pw(state(9))], { sort: 'scheduledFor', limit: 10 }, { items: [state(1), state(3)], next: null });
    expect(last.ids).toEqual([1, 3, 9].map(idOf));
  });

  it('the key orders before the id', async () => {
    // Created in the reverse order of their ids: task 5 first.
    const at = (n: number) => state(n, { createdAt: new Date(T0.getTime() - n * 1_000).toISOString() });
    const asc = await overlay([pw(at(4))], { sort: 'createdAt', limit: 10 }, { items: [at(5), at(3), at(1)], next: null });
    expect(asc.ids).toEqual([5, 4, 3, 1].map(idOf));
    const desc = await overlay([pw(at(4))], { sort: '-createdAt', limit: 10 }, { items: [at(1), at(3), at(5)], next: null });
    expect(desc.ids).toEqual([1, 3, 4, 5].map(idOf));
  });

  it('a pending edit of the page’s last item that keeps its position keeps it there, with its new state', async () => {
    const items = [state(1), state(2), state(3)];
    const next = { sort: 'createdAt' as const, key: sortKeyOf(state(3), 'createdAt'), id: idOf(3) };
    const result = await overlay([pw(state(3, { version: 2, title: 'renamed' }))], { sort: 'createdAt', limit: 3 }, { items, next });
    expect(result.ids).toEqual([1, 2, 3].map(idOf));
    expect(result.titles).toEqual(['task 1', 'task 2', 'renamed']);
    expect(result.next).toEqual(next);
  });

  it('newest first too: a pending edit of the page’s last item that keeps its position keeps it there', async () => {
    const items = [state(3), state(2), state(1)];
    const next = { sort: '-createdAt' as const, key: sortKeyOf(state(1), '-createdAt'), id: idOf(1) };
    const result = await overlay([pw(state(1, { version: 2, title: 'renamed' }))], { sort: '-createdAt', limit: 3 }, { items, next });
    expect(result.ids).toEqual([3, 2, 1].map(idOf));
    expect(result.titles).toEqual(['task 3', 'task 2', 'renamed']);
    expect(result.next).toEqual(next);
  });

  it('a pending edit of the task the request’s cursor names, keeping its position, stays on the page before', async () => {
    // Page 2 of a newest-first listing that ended with task 3; task 3 gets a new title, same createdAt.
    const after = { sort: '-createdAt' as const, key: sortKeyOf(state(3), '-createdAt'), id: idOf(3) };
    for (const sort of ['-createdAt', 'createdAt'] as const) {
      const items = sort === '-createdAt' ? [state(2), state(1)] : [state(4), state(5)];
      const result = await overlay([pw(state(3, { version: 2, title: 'renamed' }))], { sort, limit: 3, after: { ...after, sort } }, { items, next: null }, { [idOf(3)]: 1 });
      expect(result.ids).toEqual(items.map((s) => s.id));
    }
  });

  it('on the last page, a page filled up to exactly the limit has no next page', async () => {
    const created = state(99, { createdAt: new Date(T0.getTime() + 1_500).toISOString() });
    const result = await overlay([pw(created)], { sort: 'createdAt', limit: 3 }, { items: [state(1), state(2)], next: null });
    expect(result).toEqual({ ids: [1, 99, 2].map(idOf), titles: ['task 1', 'task 99', 'task 2'], next: null });
  });

  it('one over the limit is cut, and the cursor moves to the new last item', async () => {
    const created = state(99, { createdAt: new Date(T0.getTime() + 1_500).toISOString() });
    const result = await overlay([pw(created)], { sort: 'createdAt', limit: 2 }, { items: [state(1), state(2)], next: null });
    expect(result.ids).toEqual([1, 99].map(idOf));
    expect(result.next).toEqual({ sort: 'createdAt', key: sortKeyOf(created, 'createdAt'), id: idOf(99) });
  });

  it('a stored page no pending write changes comes back as storage ordered it, even if its keys would order it otherwise', async () => {
    // Storage's order may differ from the recomputed keys (a moment planned in a zone the user has left).
    const items = [state(2), state(1)];
    const keyOf = (v: TaskView) => sortKeyOf(state(Number.parseInt(v.id.slice(-12), 16)), 'createdAt');
    // A pending edit of a task not on this page, past the page's window: it changes nothing here.
    const elsewhere = pw(state(5, { version: 2, title: 'later page' }));
    const next = { sort: 'createdAt' as const, key: sortKeyOf(state(2), 'createdAt'), id: idOf(1) };
    const result = await overlay([elsewhere], { sort: 'createdAt', limit: 2 }, { items, next, keyOf }, { [idOf(5)]: 1 });
    expect(result.ids).toEqual([2, 1].map(idOf));
    expect(result.next).toEqual(next);
    // Nor does a pending edit of a task elsewhere that leaves the listing.
    const leaving = pw(state(6, { version: 2, status: 'done' }));
    const filtered = await overlay([leaving], { sort: 'createdAt', limit: 2, filter: { status: ['open'] } }, { items, next, keyOf }, { [idOf(6)]: 1 });
    expect(filtered.ids).toEqual([2, 1].map(idOf));
  });

  it('a pending write storage already holds changes nothing on the page', async () => {
    const items = [state(1, { version: 3 }), state(2)];
    const result = await overlay([pw(state(1, { version: 2, title: 'older' }))], { sort: 'createdAt', limit: 5 }, { items, next: null });
    expect(result).toEqual({ ids: [1, 2].map(idOf), titles: ['task 1', 'task 2'], next: null });
  });
});
