import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import type { ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import type { LearningHistory, TrackedVersion } from '@ln/learning/application/ports/learning-history.port';
import { ProjectTaskEvents } from '@ln/learning/application/project-task-events/project-task-events.service';
import { RebuildHistory } from '@ln/learning/application/rebuild-history/rebuild-history.service';
import type { ScoreOpenTasks } from '@ln/learning/application/score-open-tasks/score-open-tasks.service';
import type { Cell, TrackedTask } from '@ln/learning/domain/tracked-task.value-object';

/** A history that keeps tracked tasks and records what was written. */
class History {
  readonly tracked = new Map<string, TrackedVersion>();
  readonly records: { userId: string; taskId: string; next: TrackedVersion; change: readonly Cell[]; totals: readonly Cell[] }[] = [];
  readonly planAsked: (readonly string[])[] = [];
  forgotten = 0;
  asPort(): LearningHistory {
    return {
      tracked: async (taskId: string) => this.tracked.get(taskId) ?? null,
      plan: async (_: string, days: readonly string[]) => {
        this.planAsked.push(days);
        return new Map<string, Cell>();
      },
      record: async (userId: string, taskId: string, next: TrackedVersion, change: readonly Cell[], totals: readonly Cell[]) => {
        this.records.push({ userId, taskId, next, change, totals });
        this.tracked.set(taskId, next);
      },
      forgetAll: async () => {
        this.forgotten += 1;
        this.tracked.clear();
      },
    } as unknown as LearningHistory;
  }
}

function harness(zones: Record<string, string | null> = { alice: 'Asia/Seoul' }) {
  const history = new History();
  const rescores: { userId: string; options?: { tasks?: readonly TrackedTask[]; closed?: readonly string[] } }[] = [];
  const scoring = { rescore: async (userId: string, options?: { tasks?: readonly TrackedTask[]; closed?: readonly string[] }) => (rescores.push({ userId, options }), 0) } as unknown as ScoreOpenTasks;
  const log: string[] = [];
  const cache = { read: async () => '', invalidate: async (u: string) => void log.push(`invalidate ${u}`) } as unknown as ReadCache;
  const uow = {
    run: async <T>(work: () => Promise<T>) => {
      log.push('begin');
      const r = await work();
      log.push('commit');
      return r;
    },
    savepoint: <T>(work: () => Promise<T>) => work(),
    afterCommit: async (hook: () => Promise<void>) => {
      log.push('after-commit');
      await hook();
    },
  } as UnitOfWork;
  const owners = { timezoneOf: async (u: string) => zones[u] ?? null };
  return { history, rescores, log, cache, uow, owners, scoring };
}

let seq = 0;
function event(type: string, version: number, payload: Record<string, unknown>, taskId = 'task-1'): DomainEvent {
  seq += 1;
  return { eventId: `e${seq}`, type, aggregateType: 'task', aggregateId: taskId, userId: 'alice', version, occurredAt: '2026-03-02T22:30:00.000Z', payload };
}

const created = (version = 1, taskId = 'task-1') =>
  event('task.created.v1', version, { title: 't', notes: null, scheduledDate: '2026-03-03', scheduledAt: '2026-03-03T00:30:00.000Z', dueAt: null, estimateMinutes: 30, priority: 2, tags: [], parentId: null, replanOf: null }, taskId);

describe('ProjectTaskEvents', () => {
  it('tracks the task in the owner’s zone, records its change, rescores only it, and makes the insights stale after the commit', async () => {
    const h = harness();
    const project = new ProjectTaskEvents(h.history.asPort(), h.owners, h.cache, h.uow, h.scoring);
    await expect(project.project(created())).resolves.toBe(true);
    const [record] = h.history.records;
    expect(record).toMatchObject({ userId: 'alice', taskId: 'task-1', next: { version: 1, task: { localHour: 9, status: 'open' } } });
    expect(record!.change.length).toBeGreaterThan(0);
    expect(record!.change.every((c) => c.dimension === 'plan')).toBe(true);
    // A new plan cell is no outcome: only this task is scored again.
    expect(h.rescores).toEqual([{ userId: 'alice', options: { tasks: [expect.objectContaining({ taskId: 'task-1' })], closed: [] } }]);
    expect(h.history.planAsked).toEqual([['2026-03-03']]);
    expect(h.log).toEqual(['after-commit', 'invalidate alice']);
  });

  it('an outcome changes the model: every open task is scored again, the closed one withdrawn', async () => {
    const h = harness();
    const project = new ProjectTaskEvents(h.history.asPort(), h.owners, h.cache, h.uow, h.scoring);
    await project.project(created());
    await project.project(event('task.completed.v1', 2, { scheduledDate: '2026-03-03', estimateMinutes: 30, tags: [] }));
    expect(h.rescores.at(-1)).toEqual({ userId: 'alice', options: { closed: ['task-1'] } });
  });

  it('a replayed or older event changes nothing; so does one it does not track; a deleted task is withdrawn', async () => {
    const h = harness();
    const project = new ProjectTaskEvents(h.history.asPort(), h.owners, h.cache, h.uow, h.scoring);
    await project.project(created(2));
    const writes = h.history.records.length;
    await expect(project.project(created(2))).resolves.toBe(false);
    await expect(project.project(created(1))).resolves.toBe(false);
    await expect(project.project(event('task.edited.v1', 1, { changes: {} }, 'unknown-task'))).resolves.toBe(false);
    expect(h.history.records).toHaveLength(writes);
    await expect(project.project(event('task.deleted.v1', 3, { status: 'open' }))).resolves.toBe(true);
    expect(h.history.records.at(-1)!.next).toEqual({ task: null, version: 3 });
    expect(h.rescores.at(-1)).toEqual({ userId: 'alice', options: { tasks: [], closed: ['task-1'] } });
  });

  it('an owner without a timezone is read in UTC', async () => {
    const h = harness({});
    const project = new ProjectTaskEvents(h.history.asPort(), h.owners, h.cache, h.uow, h.scoring);
    await project.project(created());
    expect(h.history.records[0]!.next.task).toMatchObject({ localHour: 0 });
  });
});

describe('RebuildHistory', () => {
  it('forgets everything, tracks every task page by page in its owner’s zone, then rescores and invalidates each owner once', async () => {
    const h = harness({ alice: 'Asia/Seoul', bob: null });
    const task = (id: string, ownerId: string) => ({
      id,
      ownerId,
      version: 4,
      status: 'open',
      scheduledDate: '2026-03-03',
      scheduledAt: '2026-03-03T00:30:00.000Z',
      estimateMinutes: 30,
      actualMinutes: null,
      tags: [],
      priority: 4,
      deferrals: 0,
      failureReason: null,
      closedAt: null,
    });
    const pages: Record<string, { items: unknown[]; next: string | null }> = {
      start: { items: [task('t1', 'alice'), task('t2', 'bob')], next: 't2' },
      t2: { items: [task('t3', 'alice')], next: null },
    };
    const asked: { after?: string; limit: number }[] = [];
    const source = { page: async (q: { after?: string; limit: number }) => (asked.push(q), pages[q.after ?? 'start']) };
    const rebuild = new RebuildHistory(h.history.asPort(), h.owners, source as never, h.cache, h.uow, h.scoring);
    await expect(rebuild.rebuildAll(2)).resolves.toEqual({ tasks: 3, users: 2 });
    expect(asked).toEqual([{ after: undefined, limit: 2 }, { after: 't2', limit: 2 }]);
    expect(h.history.forgotten).toBe(1);
    expect(h.history.records.map((r) => [r.taskId, r.next.version, r.next.task?.localHour])).toEqual([
      ['t1', 4, 9],
      ['t2', 4, 0],
      ['t3', 4, 9],
    ]);
    expect(h.rescores.map((r) => r.userId)).toEqual(['alice', 'bob']);
    expect(h.log.filter((l) => l.startsWith('invalidate'))).toEqual(['invalidate alice', 'invalidate bob']);
    // Forgetting, each page, and each owner's rescore: one unit of work each.
    expect(h.log.filter((l) => l === 'begin')).toHaveLength(1 + 2 + 2);
    await expect(rebuild.rebuildAll()).resolves.toMatchObject({ tasks: 3 });
    expect(asked.at(-2)).toEqual({ after: undefined, limit: 500 });
  });
});
