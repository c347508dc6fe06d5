import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TaskNotFound } from '@ln/domain';
import { READ_CACHE, type ReadCache } from '../../ports/read-cache.port';
import { TASK_READ_MODEL, type TaskReadModel } from '../../ports/task-read-model.port';
import { type CachedTask, GetTaskQuery } from './get-task.query';

const MISSING = '';

export function etagOf(version: number): string {
  return `"${version}"`;
}

@QueryHandler(GetTaskQuery)
export class GetTaskHandler implements IQueryHandler<GetTaskQuery> {
  constructor(
    @Inject(TASK_READ_MODEL) private readonly read: TaskReadModel,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
  ) {}

  async execute({ ownerId, id }: GetTaskQuery): Promise<CachedTask> {
    // A miss is cached too (as the empty string), so probing ids costs no database work.
    const cached = await this.cache.read(ownerId, `task:${id}`, async () => {
      const view = await this.read.get(ownerId, id);
      return view ? `${etagOf(view.version)}\n${JSON.stringify(view)}` : MISSING;
    });
    if (cached === MISSING) throw new TaskNotFound();
    const cut = cached.indexOf('\n');
    return { etag: cached.slice(0, cut), json: cached.slice(cut + 1) };
  }
}
