import { randomUUID } from 'node:crypto';
import type { ChangeLog, ChangePage, LoggedChange } from '@ln/live/application/ports/event-log.port';
import { SyncFeed, SyncTokenExpired } from '@ln/live/application/sync-feed.service';

/** A user's log as the SQL adapter pages it. */
class MemoryChangeLog implements ChangeLog {
  changes: (LoggedChange & { aggregateType: string })[] = [];
  prunedThrough = 0;
  head = 0;
  add(aggregateId: string, type: string, aggregateType = 'task'): number {
    this.head += 1;
    this.changes.push({ seq: this.head, aggregateId, type, aggregateType });
    return this.head;
  }
  async changesAfter(_userId: string, aggregateType: string, after: number, limit: number): Promise<ChangePage> {
    const mine = this.changes.filter((c) => c.aggregateType === aggregateType && c.seq > after);
    return {
      changes: mine.slice(0, limit).map(({ seq, aggregateId, type }) => ({ seq, aggregateId, type })),
      more: mine.length > limit,
      prunedThrough: this.prunedThrough,
      latest: this.head,
      head: this.head,
    };
  }
}

describe('SyncFeed', () => {
  const user = randomUUID();
  let log: MemoryChangeLog;
  let feed: SyncFeed;
  beforeEach(() => {
    log = new MemoryChangeLog();
    feed = new SyncFeed(log);
  });

  it('without a token: no changes, and the newest seq to start from', async () => {
    log.add('a', 'task.created.v1');
    log.add('p', 'coach.plan-proposed.v1', 'plan');
    expect(await feed.since(user, null, 10)).toEqual({ changes: [], next: 2, more: false });
  });

  it('without a token after a prune: the newest seq, never a 410 (there is no token to be too old)', async () => {
    for (let i = 0; i < 4; i++) log.add('a', 'task.edited.v1');
    log.prunedThrough = 3;
    expect(await feed.since(user, null, 10)).toEqual({ changes: [], next: 4, more: false });
  });

  it('each changed task once, at its last change; a delete is a tombstone; the token moves past other events', async () => {
    const start = log.add('a', 'task.created.v1');
    log.add('b', 'task.created.v1');
    log.add('a', 'task.edited.v1');
    log.add('c', 'task.created.v1');
    log.add('c', 'task.deleted.v1');
    log.add('p', 'coach.plan-proposed.v1', 'plan');
    const page = await feed.since(user, start, 10);
    expect(page).toEqual({
      changes: [
        { taskId: 'b', deleted: false },
        { taskId: 'a', deleted: false },
        { taskId: 'c', deleted: true },
      ],
      next: 6,
      more: false,
    });
    expect(await feed.since(user, page.next, 10)).toEqual({ changes: [], next: 6, more: false });
  });

  it('a full page ends at its last change and says there is more', async () => {
    for (const id of ['a', 'b', 'c', 'd']) log.add(id, 'task.created.v1');
    const first = await feed.since(user, 0, 3);
    expect(first).toEqual({ changes: ['a', 'b', 'c'].map((taskId) => ({ taskId, deleted: false })), next: 3, more: true });
    expect((await feed.since(user, first.next, 3)).changes).toEqual([{ taskId: 'd', deleted: false }]);
  });

  it('a token before the window, or never handed out, is 410 sync_token_expired', async () => {
    for (let i = 0; i < 5; i++) log.add('a', 'task.edited.v1');
    log.prunedThrough = 3;
    await expect(feed.since(user, 2, 10)).rejects.toBeInstanceOf(SyncTokenExpired);
    await expect(feed.since(user, 6, 10)).rejects.toMatchObject({ kind: 'gone', code: 'sync_token_expired' });
    expect((await feed.since(user, 3, 10)).next).toBe(5);
  });
});
