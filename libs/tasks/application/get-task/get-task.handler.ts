import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TaskNotFound } from '../../domain/task.errors';
import { PendingOverlay } from '../queued-writes/pending-overlay';
import { PENDING_WRITES, type PendingWrites } from '../queued-writes/ports/pending-writes.port';
import { READ_CACHE, type ReadCache } from '../../../kernel/application/ports/read-cache.port';
import { TASK_READ_MODEL, type TaskReadModel } from '../ports/task-read-model.port';
import { stateToView } from '../shared/task-view.mapper';
import { type CachedTask, GetTaskQuery } from './get-task.query';

const MISSING = '';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The stored task as cached (`etag\njson`), or '' when there is none: a miss is cached too. */
export function readStoredTask(read: TaskReadModel, cache: ReadCache, ownerId: string, id: string): Promise<string> {
  return cache.read(ownerId, `task:${id}`, async () => {
    const view = await read.get(ownerId, id);
    return view ? `${etagOf(view.version)}\n${JSON.stringify(view)}` : MISSING;
  });
}

/** The version of a cached task, or null when there is none. */
export function storedVersionOf(cached: string): number | null {
  return cached === MISSING ? null : Number(cached.slice(1, cached.indexOf('"', 1)));
}

@QueryHandler(GetTaskQuery)
export class GetTaskHandler implements IQueryHandler<GetTaskQuery> {
  constructor(
    @Inject(TASK_READ_MODEL) private readonly read: TaskReadModel,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(PENDING_WRITES) private readonly pending: PendingWrites,
  ) {}

  async execute({ ownerId, id }: GetTaskQuery): Promise<CachedTask> {
    // The overlay first, then the cache: a worker makes the cache stale before it removes a write
    // from the overlay, so a write missing from the overlay read here is in the cache read next.
    // (Read together, on two connections, the cache could answer from before and the overlay from
    // after; the tasks e2e suite caught it.)
    const writes = await this.pending.ofTask(ownerId, id);
    const cached = await readStoredTask(this.read, this.cache, ownerId, id);
    if (writes.length > 0) {
      const effect = new PendingOverlay(writes).effect(id, storedVersionOf(cached));
      if (effect === null) throw new TaskNotFound();
      if (effect) return { etag: etagOf(effect.version), json: JSON.stringify(stateToView(effect)) };
    }
    if (cached === MISSING) throw new TaskNotFound();
    const cut = cached.indexOf('\n');
    return { etag: cached.slice(0, cut), json: cached.slice(cut + 1) };
  }
}
