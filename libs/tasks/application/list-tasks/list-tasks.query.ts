import { Query } from '@nestjs/cqrs';
import type { TaskCursor, TaskListFilter, TaskSort } from '../ports/task-read-model.port';

/** Answers the serialized page `{"items":[...],"nextCursor":...}`, as cached. */
export class ListTasksQuery extends Query<string> {
  constructor(
    readonly ownerId: string,
    readonly filter: TaskListFilter,
    readonly sort: TaskSort,
    readonly limit: number,
    readonly after?: TaskCursor,
  ) {
    super();
  }
}
