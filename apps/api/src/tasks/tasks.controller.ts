import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Req, Res, applyDecorators } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { GetTaskQuery } from '@ln/tasks/application/get-task/get-task.query';
import { ListTasksQuery } from '@ln/tasks/application/list-tasks/list-tasks.query';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { type TaskWriteOutcome, TaskWrites } from '@ln/tasks/application/task-writes.facade';
import { decodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import { etagOf } from '@ln/tasks/application/get-task/get-task.handler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { validated } from '../http/validation';
import { IdempotencyKey, requestFingerprint } from '../http/idempotency';
import { ApiProblems } from '../http/openapi';
import { expectedVersion } from '../http/preconditions';
import {
  CompleteTaskRequest,
  CreateTaskRequest,
  EditTaskRequest,
  EmptyRequest,
  FailTaskRequest,
  ListTasksQueryParams,
  PostponeTaskRequest,
  ReplaceTaskRequest,
  TaskIdParam,
  TaskIdV7Param,
  TaskPageResponse,
  TaskResponse,
} from './task.schemas';

const IfMatch = ApiHeader({ name: 'If-Match', required: false, description: 'The ETag from a read; a stale one is 412' });
const IdParam = ApiParam({ name: 'id', format: 'uuid' });
/** The queued write path's answer (WRITE_PATH=queued), documented on every write. */
const Queued = (withBody: boolean) =>
  applyDecorators(
    ApiResponse({
      status: 202,
      ...(withBody ? { standardSchema: TaskResponse } : {}),
      description:
        'Queued write path: the broker has the command and a worker will apply it. ' +
        (withBody ? 'The body is the task as it will be; ETag its version. ' : '') +
        'Location names the task; the command status is at /v1/commands/{Command-Id}.',
      headers: {
        Location: { description: '/v1/tasks/{id}', schema: { type: 'string' } },
        'Command-Id': { description: 'The command id (UUID); GET /v1/commands/{id} tells accepted, applied or rejected', schema: { type: 'string', format: 'uuid' } },
      },
    }),
  );

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly writes: TaskWrites,
    private readonly queries: QueryBus,
  ) {}

  /** Submits a task write and answers what became of it; the write path is the facade's business. */
  private async write(command: Parameters<TaskWrites['submit']>[1], caller: Caller, request: FastifyRequest, reply: FastifyReply, answer: Answer = {}) {
    const outcome = await this.writes.submit(caller.userId, command, retryKeyOf(request));
    return respond(outcome, reply, answer);
  }

  @Post()
  @HttpCode(201)
  @IdempotencyKey
  @ApiOperation({ summary: 'Create a task', description: 'With a client-chosen UUIDv7 `id`, a retry with the same body answers the same task; another body is 409.' })
  @Queued(true)
  @ApiResponse({ status: 201, standardSchema: TaskResponse, description: 'Location: /v1/tasks/{id}' })
  @ApiProblems(400, 401, 409, 413, 422, 429, 503)
  async create(
    @CurrentCaller() caller: Caller,
    @Body(validated(CreateTaskRequest)) body: CreateTaskRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new CreateTaskCommand(caller.userId, body), caller, request, reply, { locate: 'always' });
  }

  @Get()
  @ApiOperation({ summary: 'List tasks', description: 'Keyset pagination: pass `nextCursor` back as `cursor` with the same filters and sort.' })
  @ApiResponse({ status: 200, standardSchema: TaskPageResponse })
  @ApiProblems(400, 401, 503)
  async list(@CurrentCaller() caller: Caller, @Query(validated(ListTasksQueryParams)) q: ListTasksQueryParams, @Res({ passthrough: true }) reply: FastifyReply) {
    const filter = {
      status: q.status,
      scheduledFrom: q.scheduledFrom,
      scheduledTo: q.scheduledTo,
      dueFrom: q.dueFrom,
      dueTo: q.dueTo,
      overdue: q.overdue,
      tag: q.tag,
      parentId: q.parentId === 'none' ? null : q.parentId,
    };
    const after = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
    const json = await this.queries.execute(new ListTasksQuery(caller.userId, filter, q.sort, q.limit, after));
    // The cached string is the response body: no parse, no re-serialisation.
    void reply.type('application/json');
    return json;
  }

  @Get(':id')
  @IdParam
  @ApiOperation({ summary: 'Read a task', description: 'ETag is the version; send it back as If-Match on writes.' })
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 503)
  async get(@CurrentCaller() caller: Caller, @Param('id', validated(TaskIdParam)) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { etag, json } = await this.queries.execute(new GetTaskQuery(caller.userId, id));
    void reply.header('etag', etag).type('application/json');
    return json;
  }

  @Put(':id')
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Create or replace a task (idempotent)' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse, description: 'Replaced' })
  @ApiResponse({ status: 201, standardSchema: TaskResponse, description: 'Created' })
  @ApiProblems(400, 401, 404, 409, 412, 413, 429, 503)
  async replace(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdV7Param)) id: string,
    @Body(validated(ReplaceTaskRequest)) body: ReplaceTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new ReplaceTaskCommand(caller.userId, id, body, expectedVersion(ifMatch)), caller, request, reply, { locate: 'created' });
  }

  @Patch(':id')
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Change some fields of a task' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 413, 429, 503)
  async edit(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(EditTaskRequest)) body: EditTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new EditTaskCommand(caller.userId, id, body, expectedVersion(ifMatch)), caller, request, reply);
  }

  @Delete(':id')
  @HttpCode(204)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Delete a task (a task with steps: delete the steps first)' })
  @Queued(false)
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblems(400, 401, 404, 409, 412, 429, 503)
  async delete(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.write(new DeleteTaskCommand(caller.userId, id, expectedVersion(ifMatch)), caller, request, reply, { body: false });
  }

  @Post(':id/complete')
  @HttpCode(200)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({
    summary: 'Mark done (a parent needs its steps closed first)',
    description: 'Optionally with `actualMinutes`, how long it really took (kept until the task is reopened). No body or `{}` is fine.',
  })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 422, 429, 503)
  async complete(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(CompleteTaskRequest)) body: CompleteTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new CompleteTaskCommand(caller.userId, id, expectedVersion(ifMatch), body?.actualMinutes), caller, request, reply);
  }

  @Post(':id/fail')
  @HttpCode(200)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Record that the task failed, and why' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 422, 429, 503)
  async fail(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(FailTaskRequest)) body: FailTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new FailTaskCommand(caller.userId, id, body.reason, body.note, expectedVersion(ifMatch)), caller, request, reply);
  }

  @Post(':id/postpone')
  @HttpCode(200)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Move the task later (counts a deferral)' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 422, 429, 503)
  async postpone(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(PostponeTaskRequest)) body: PostponeTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new PostponeTaskCommand(caller.userId, id, body.scheduledFor, expectedVersion(ifMatch)), caller, request, reply);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Reopen a done or failed task' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 422, 429, 503)
  async reopen(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(EmptyRequest)) _body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new ReopenTaskCommand(caller.userId, id, expectedVersion(ifMatch)), caller, request, reply);
  }

  @Post(':id/drop')
  @HttpCode(200)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Drop the task (no longer meant to be done)' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 422, 429, 503)
  async drop(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(EmptyRequest)) _body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.write(new DropTaskCommand(caller.userId, id, expectedVersion(ifMatch)), caller, request, reply);
  }
}

/** How a route answers a write: with the task or not, and when it names it in Location. */
interface Answer {
  /** `always` (a create), `created` (a PUT answers 201 with Location only when it created the task). */
  readonly locate?: 'always' | 'created';
  /** false: no body (a DELETE: 204, or a queued 202). */
  readonly body?: boolean;
}

/**
 * The HTTP answer of a write's outcome. Written: the route's own status (201 for a PUT that
 * created). Accepted (queued path): 202 once the broker has the command, with the task as it will
 * be, Location and the command's id (its status at /v1/commands/{id}).
 */
function respond(outcome: TaskWriteOutcome, reply: FastifyReply, answer: Answer) {
  if (outcome.kind === 'accepted') {
    void reply.code(202).header('location', `/v1/tasks/${outcome.taskId}`).header('command-id', outcome.commandId);
  } else if (answer.locate === 'always' || (answer.locate === 'created' && outcome.created)) {
    if (answer.locate === 'created') void reply.code(201);
    void reply.header('location', `/v1/tasks/${outcome.taskId}`);
  }
  if (answer.body === false || !outcome.task) return undefined;
  void reply.header('etag', etagOf(outcome.task.version));
  return outcome.task;
}

/**
 * An Idempotency-Key names a retry of one request: the queued path derives the command id from
 * the key and the request's fingerprint, so the same key on another request (once the stored
 * answer that would have refused it with 422 has expired) is another command, not a duplicate.
 */
function retryKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? `${key}\n${requestFingerprint(request)}` : undefined;
}
