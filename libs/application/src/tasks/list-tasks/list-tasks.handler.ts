import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../ports/clock.port';
import { READ_CACHE, type ReadCache } from '../../ports/read-cache.port';
import { TASK_READ_MODEL, type TaskReadModel } from '../../ports/task-read-model.port';
import { ListTasksQuery } from './list-tasks.query';
import { encodeCursor } from './task-cursor';

@QueryHandler(ListTasksQuery)
export class ListTasksHandler implements IQueryHandler<ListTasksQuery> {
  constructor(
    @Inject(TASK_READ_MODEL) private readonly read: TaskReadModel,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(q: ListTasksQuery): Promise<string> {
    // "Overdue" depends on the time; judging it at the minute makes equal queries within a minute
    // equal (and so cacheable) without ever being more than a minute late.
    const byTime = q.filter.overdue !== undefined;
    const minute = new Date(Math.floor(this.clock.now().getTime() / 60_000) * 60_000).toISOString();
    const now = byTime ? minute : this.clock.now().toISOString();
    const shape = JSON.stringify([q.filter, q.sort, q.limit, q.after ?? null, byTime ? minute : null]);
    // The shape itself is the key (a hundred-odd bytes): cheaper than hashing it on every read.
    const key = `list:${shape}`;
    return this.cache.read(q.ownerId, key, async () => {
      const page = await this.read.list({ ownerId: q.ownerId, filter: q.filter, sort: q.sort, limit: q.limit, after: q.after, now });
      return JSON.stringify({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null });
    });
  }
}
