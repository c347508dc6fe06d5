import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SyncFeed, SyncTokenExpired } from '@ln/live/application/sync-feed.service';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { TaskNotFound } from '@ln/tasks/domain/task.errors';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { ApiProblems } from '../http/openapi';
import { validated } from '../http/validation';
import { SYNC_EXAMPLE, SyncQueryParams, SyncResponse } from './events.schemas';

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/sync')
export class SyncController {
  constructor(
    private readonly feed: SyncFeed,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'What changed in your tasks since a token',
    description:
      'Each task changed since `since` once, with its current state (as `GET /v1/tasks/{id}` answers it), or a tombstone (`deleted: true`) for a deleted one, ' +
      'and `nextSince` for the next call; `hasMore` says to call again at once. To start: `GET /v1/sync` (no `since`) for a token, then list your tasks, then sync from the token. ' +
      'A token older than the changes kept (24 h by default) answers 410 `sync_token_expired`: list everything again.',
  })
  @ApiResponse({ status: 200, description: 'The changes', standardSchema: SyncResponse, example: SYNC_EXAMPLE })
  @ApiProblems(400, 401, new SyncTokenExpired(), 503)
  async sync(@CurrentCaller() caller: Caller, @Query(validated(SyncQueryParams)) q: SyncQueryParams) {
    const page = await this.feed.since(caller.userId, q.since === undefined ? null : Number(q.since), q.limit);
    const changes = [];
    for (const change of page.changes) {
      if (change.deleted) {
        changes.push({ id: change.taskId, deleted: true });
        continue;
      }
      try {
        const { json } = await this.queries.execute(new GetTaskQuery(caller.userId, change.taskId));
        changes.push({ id: change.taskId, deleted: false, task: JSON.parse(json) as unknown });
      } catch (error) {
        // Deleted after this page's changes (its delete comes in a later page): a tombstone now.
        if (!(error instanceof TaskNotFound)) throw error;
        changes.push({ id: change.taskId, deleted: true });
      }
    }
    return { changes, nextSince: String(page.next), hasMore: page.more };
  }
}
