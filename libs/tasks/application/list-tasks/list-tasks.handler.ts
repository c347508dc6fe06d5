import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Schedule } from '../../domain/schedule.value-object';
import { PendingOverlay, overlayPage, sortKeyOf } from '../queued-writes/pending-overlay';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { PENDING_WRITES, type PendingWrites } from '../queued-writes/ports/pending-writes.port';
import { READ_CACHE, type ReadCache } from '../../../kernel/application/ports/read-cache.port';
import { TASK_READ_MODEL, type TaskListFilter, type TaskReadModel, type TaskView } from '../ports/task-read-model.port';
import { readStoredTask, storedVersionOf } from '../get-task/get-task.handler';
import { OWNER_TIMEZONES, type OwnerTimezones } from '../ports/owner-timezones.port';
import { ownerTimezone } from '../shared/task-sessions.service';
import { ListTasksQuery } from './list-tasks.query';
import { decodeCursor, encodeCursor } from './task-cursor';

/**
 * The filter with its instants at storage's precision (milliseconds): SQL and the pending overlay
 * then compare them the same way (PostgreSQL would round a finer bound, JavaScript truncate it).
 */
export function atStoragePrecision(filter: TaskListFilter): TaskListFilter {
  const ms = (instant: string | undefined) => instant && new Date(instant).toISOString();
  return { ...filter, dueFrom: ms(filter.dueFrom), dueTo: ms(filter.dueTo) };
}

@QueryHandler(ListTasksQuery)
export class ListTasksHandler implements IQueryHandler<ListTasksQuery> {
  constructor(
    @Inject(TASK_READ_MODEL) private readonly read: TaskReadModel,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PENDING_WRITES) private readonly pending: PendingWrites,
    @Inject(OWNER_TIMEZONES) private readonly owners: OwnerTimezones,
  ) {}

  async execute(query: ListTasksQuery): Promise<string> {
    const q = query.filter.dueFrom || query.filter.dueTo ? new ListTasksQuery(query.ownerId, atStoragePrecision(query.filter), query.sort, query.limit, query.after) : query;
    // "Overdue" depends on the time; judging it at the minute makes equal queries within a minute
    // equal (and so cacheable) without ever being more than a minute late.
    const byTime = q.filter.overdue !== undefined;
    const minute = new Date(Math.floor(this.clock.now().getTime() / 60_000) * 60_000).toISOString();
    const now = byTime ? minute : this.clock.now().toISOString();
    const shape = JSON.stringify([q.filter, q.sort, q.limit, q.after ?? null, byTime ? minute : null]);
    // The shape itself is the key (a hundred-odd bytes): cheaper than hashing it on every read.
    const key = `list:${shape}`;
    // The overlay first, then the cache (see GetTaskHandler: a worker invalidates before it settles).
    const writes = await this.pending.list(q.ownerId);
    const json = await this.cache.read(q.ownerId, key, async () => {
      const page = await this.read.list({ ownerId: q.ownerId, filter: q.filter, sort: q.sort, limit: q.limit, after: q.after, now });
      return JSON.stringify({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null });
    });
    if (writes.length === 0) return json;
    return this.withPending(q, now, shape, json, new PendingOverlay(writes));
  }

  /** The stored page with the author's pending writes laid over it (the queued write path). */
  private async withPending(q: ListTasksQuery, now: string, shape: string, json: string, overlay: PendingOverlay): Promise<string> {
    const stored = JSON.parse(json) as { items: TaskView[]; nextCursor: string | null };
    let keyOf = (v: TaskView) => sortKeyOf(v, q.sort);
    if (q.sort === 'scheduledFor' || q.sort === '-scheduledFor') {
      // A view carries its schedule as the client gave it; its key is on the calendar of the zone
      // the user had when it was planned, which storage kept: read those keys (cached beside the
      // page; only this path needs them). An item the keys miss (a write landed between the two
      // reads) is keyed on today's zone.
      const [keysJson, timezone] = await Promise.all([
        this.cache.read(q.ownerId, `listkeys:${shape}`, async () => {
          const page = await this.read.list({ ownerId: q.ownerId, filter: q.filter, sort: q.sort, limit: q.limit, after: q.after, now });
          return JSON.stringify(page.keys ?? {});
        }),
        this.cache.read(q.ownerId, 'plan:tz', () => ownerTimezone(this.owners, q.ownerId)),
      ]);
      const keys = JSON.parse(keysJson) as Record<string, string>;
      keyOf = (v) => keys[v.id] ?? (v.scheduledFor ? Schedule.parse(v.scheduledFor, timezone).sortKey() : '~');
    }
    const page = await overlayPage(
      overlay,
      { filter: q.filter, sort: q.sort, limit: q.limit, after: q.after, now },
      { items: stored.items, next: stored.nextCursor ? decodeCursor(stored.nextCursor, q.sort) : null, keyOf },
      async (id) => storedVersionOf(await readStoredTask(this.read, this.cache, q.ownerId, id)),
    );
    return JSON.stringify({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null });
  }
}
