import { TaskEvents } from '../domain/task.events';
import { Task } from '../domain/task.aggregate';
import { TaskEventTypes } from './task-events.contract';

describe('the published task event contract', () => {
  it('names exactly the events the aggregate records', () => {
    expect(TaskEventTypes).toEqual(TaskEvents);
  });

  it('every closing event carries what the contract promises', () => {
    let n = 0;
    const ctx = { eventId: () => `e${++n}`, now: () => new Date('2026-03-02T10:00:00.000Z') };
    const task = Task.create(ctx, { id: 't', ownerId: 'u', timezone: 'UTC', input: { title: 'x', scheduledFor: '2026-03-02T20:00:00Z', estimateMinutes: 30, tags: ['a'] } });
    task.complete(ctx, 0, 25);
    const [created, completed] = task.pullEvents();
    expect(created!.payload).toMatchObject({ scheduledDate: '2026-03-02', scheduledAt: '2026-03-02T20:00:00.000Z', estimateMinutes: 30, tags: ['a'], parentId: null, replanOf: null });
    expect(completed!.payload).toEqual({ scheduledDate: '2026-03-02', estimateMinutes: 30, tags: ['a'], actualMinutes: 25 });
  });
});
