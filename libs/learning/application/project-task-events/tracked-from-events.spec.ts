import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { TrackedTask } from '../../domain/tracked-task.value-object';
import { TRACKED_EVENT_TYPES, trackedAfter, trackedFromState } from './tracked-from-events';

let version = 0;
function event(type: string, payload: Record<string, unknown>, occurredAt = '2026-03-02T22:30:00.000Z'): DomainEvent {
  version += 1;
  return { eventId: `e${version}`, type, aggregateType: 'task', aggregateId: 'task-1', userId: 'user-1', version, occurredAt, payload };
}

const SEOUL = 'Asia/Seoul'; // UTC+9, no daylight saving

const created = event('task.created.v1', {
  title: 't',
  notes: null,
  scheduledDate: '2026-03-03',
  scheduledAt: '2026-03-03T00:30:00.000Z',
  dueAt: null,
  estimateMinutes: 30,
  priority: 2,
  tags: ['work'],
  parentId: null,
  replanOf: null,
});

function open(over: Partial<TrackedTask> = {}): TrackedTask {
  return { ...(trackedAfter(null, created, SEOUL) as TrackedTask), ...over };
}

describe('trackedAfter: the learning context’s view of a task, event by event', () => {
  it('reads every task event type', () => {
    expect([...TRACKED_EVENT_TYPES].sort()).toEqual(
      ['task.completed.v1', 'task.created.v1', 'task.deleted.v1', 'task.dropped.v1', 'task.edited.v1', 'task.failed.v1', 'task.postponed.v1', 'task.reopened.v1'],
    );
  });

  it('created: the schedule’s day and local hour in the owner’s zone, estimate, tags and priority', () => {
    expect(trackedAfter(null, created, SEOUL)).toEqual({
      taskId: 'task-1',
      userId: 'user-1',
      status: 'open',
      scheduledDate: '2026-03-03',
      localHour: 9,
      estimateMinutes: 30,
      actualMinutes: null,
      tags: ['work'],
      priority: 2,
      deferrals: 0,
      failureReason: null,
      closedDay: null,
    });
    const bare = trackedAfter(null, event('task.created.v1', { title: 't' }), 'UTC');
    expect(bare).toMatchObject({ scheduledDate: null, localHour: null, estimateMinutes: null, tags: [], priority: null });
  });

  it('edited: only the changed fields move; an edit of a task never seen changes nothing', () => {
    const before = open();
    expect(trackedAfter(before, event('task.edited.v1', { changes: { title: 'renamed' } }), SEOUL)).toEqual(before);
    expect(trackedAfter(before, event('task.edited.v1', {}), SEOUL)).toEqual(before);
    expect(
      trackedAfter(before, event('task.edited.v1', { changes: { scheduledDate: '2026-03-04', scheduledAt: '2026-03-04T05:00:00.000Z', estimateMinutes: null, tags: ['home'], priority: 1 } }), SEOUL),
    ).toEqual({ ...before, scheduledDate: '2026-03-04', localHour: 14, estimateMinutes: null, tags: ['home'], priority: 1 });
    expect(trackedAfter(before, event('task.edited.v1', { changes: { scheduledDate: null, scheduledAt: null, tags: null, priority: 'x' } }), SEOUL)).toEqual({
      ...before,
      scheduledDate: null,
      localHour: null,
      tags: [],
      priority: null,
    });
    expect(trackedAfter(null, event('task.edited.v1', { changes: { title: 'x' } }), SEOUL)).toBeUndefined();
  });

  it('postponed: the new day, the hour only for an instant, the deferral count; a task first seen here is tracked from it', () => {
    const before = open();
    expect(trackedAfter(before, event('task.postponed.v1', { from: '2026-03-03', to: '2026-03-05', scheduledDate: '2026-03-05', deferrals: 1 }), SEOUL)).toEqual({
      ...before,
      scheduledDate: '2026-03-05',
      localHour: null,
      deferrals: 1,
    });
    expect(trackedAfter(before, event('task.postponed.v1', { from: null, to: '2026-03-05T01:00:00.000Z', scheduledDate: '2026-03-05', deferrals: 2 }), SEOUL)).toMatchObject({
      localHour: 10,
      deferrals: 2,
    });
    expect(trackedAfter(null, event('task.postponed.v1', { from: null, to: '2026-03-05', scheduledDate: '2026-03-05', deferrals: 1 }), SEOUL)).toMatchObject({
      taskId: 'task-1',
      status: 'open',
      scheduledDate: '2026-03-05',
      deferrals: 1,
    });
  });

  it('completed: done on the owner’s local day, with the minutes it took; the hour kept only for the same day', () => {
    const before = open();
    // 22:30 UTC on the 2nd is 07:30 on the 3rd in Seoul.
    const done = trackedAfter(before, event('task.completed.v1', { scheduledDate: '2026-03-03', estimateMinutes: 30, tags: ['work'], actualMinutes: 45 }), SEOUL);
    expect(done).toEqual({ ...before, status: 'done', actualMinutes: 45, failureReason: null, closedDay: '2026-03-03' });
    const moved = trackedAfter(before, event('task.completed.v1', { scheduledDate: '2026-03-09', estimateMinutes: null, tags: [] }), SEOUL);
    expect(moved).toMatchObject({ scheduledDate: '2026-03-09', localHour: null, estimateMinutes: null, tags: [], actualMinutes: null });
    expect(trackedAfter(before, event('task.completed.v1', {}), SEOUL)).toMatchObject({ scheduledDate: null, estimateMinutes: null, tags: [] });
  });

  it('failed: the reason and deferrals; dropped: no reason; both forget the minutes', () => {
    const before = open({ actualMinutes: 5 });
    expect(trackedAfter(before, event('task.failed.v1', { scheduledDate: '2026-03-03', estimateMinutes: 30, tags: ['work'], reason: 'no_time', note: null, deferrals: 3 }), 'UTC')).toEqual({
      ...before,
      status: 'failed',
      failureReason: 'no_time',
      deferrals: 3,
      actualMinutes: null,
      closedDay: '2026-03-02',
    });
    expect(trackedAfter({ ...before, failureReason: 'x' }, event('task.dropped.v1', { scheduledDate: '2026-03-03', estimateMinutes: 30, tags: ['work'] }), 'UTC')).toEqual({
      ...before,
      status: 'dropped',
      failureReason: null,
      actualMinutes: null,
      closedDay: '2026-03-02',
    });
    expect(trackedAfter(null, event('task.dropped.v1', { scheduledDate: null, estimateMinutes: null, tags: [] }), 'UTC')).toMatchObject({ status: 'dropped', taskId: 'task-1' });
    expect(trackedAfter(null, event('task.failed.v1', { scheduledDate: null, estimateMinutes: null, tags: [], reason: 'too_big', note: null, deferrals: 0 }), 'UTC')).toMatchObject({
      status: 'failed',
      failureReason: 'too_big',
    });
    expect(trackedAfter(null, event('task.completed.v1', { scheduledDate: null, estimateMinutes: null, tags: [] }), 'UTC')).toMatchObject({ status: 'done' });
  });

  it('reopened: open again, the outcome forgotten; deleted: null; unknown events: undefined', () => {
    const failed = open({ status: 'failed', failureReason: 'no_time', closedDay: '2026-03-03', actualMinutes: 3 });
    expect(trackedAfter(failed, event('task.reopened.v1', { previousStatus: 'failed' }), SEOUL)).toEqual({ ...failed, status: 'open', closedDay: null, failureReason: null, actualMinutes: null });
    expect(trackedAfter(null, event('task.reopened.v1', { previousStatus: 'failed' }), SEOUL)).toBeUndefined();
    expect(trackedAfter(failed, event('task.deleted.v1', { status: 'failed' }), SEOUL)).toBeNull();
    expect(trackedAfter(failed, event('task.renamed.v9', {}), SEOUL)).toBeUndefined();
  });
});

describe('trackedFromState (a rebuild)', () => {
  const base = {
    id: 'task-1',
    ownerId: 'user-1',
    status: 'done' as const,
    scheduledDate: '2026-03-03',
    scheduledAt: '2026-03-03T00:30:00.000Z',
    estimateMinutes: 30,
    actualMinutes: 40,
    tags: ['work'],
    priority: 3,
    deferrals: 1,
    failureReason: null,
    closedAt: '2026-03-02T22:30:00.000Z',
  };

  it('a done task: its minutes and the local day it closed on', () => {
    expect(trackedFromState(base as never, SEOUL)).toEqual({
      taskId: 'task-1',
      userId: 'user-1',
      status: 'done',
      scheduledDate: '2026-03-03',
      localHour: 9,
      estimateMinutes: 30,
      actualMinutes: 40,
      tags: ['work'],
      priority: 3,
      deferrals: 1,
      failureReason: null,
      closedDay: '2026-03-03',
    });
  });

  it('a failed task keeps its reason, not minutes; an open one has no closed day', () => {
    expect(trackedFromState({ ...base, status: 'failed', failureReason: 'no_time' } as never, 'UTC')).toMatchObject({ failureReason: 'no_time', actualMinutes: null, closedDay: '2026-03-02' });
    expect(trackedFromState({ ...base, status: 'open', failureReason: 'stale', scheduledAt: null } as never, 'UTC')).toMatchObject({
      closedDay: null,
      failureReason: null,
      actualMinutes: null,
      localHour: null,
    });
    expect(trackedFromState({ ...base, status: 'dropped', closedAt: null } as never, 'UTC')).toMatchObject({ closedDay: null });
  });
});
