import { Query } from '@nestjs/cqrs';

/** Answers the serialized task with its ETag, as `etag\njson`: the cached form, sent as it is. */
export class GetTaskQuery extends Query<CachedTask> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
  ) {
    super();
  }
}

export interface CachedTask {
  readonly etag: string;
  readonly json: string;
}
