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
import { ApiProblems, HEADERS } from '../http/openapi';
import { IdempotencyKeyInProgress } from '../http/idempotency';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import { TooManyPendingWrites } from '@ln/tasks/application/queued-writes/queued-task-writes.service';
import { TaskCannotBeReopened, TaskHasOpenSteps, TaskHasSteps, TaskIdConflict, TaskNotFound, TaskNotOpen, VersionMismatch } from '@ln/tasks/domain/task.errors';
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
  TASK_EXAMPLE,
  TASK_PAGE_EXAMPLE,
  TaskPageResponse,
  TaskResponse,
} from './task.schemas';

const IfMatch = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'The ETag from a read (`"3"`), or `*`: the write happens only at that version; a stale one is 412 `version_mismatch`',
  // No example: Swagger UI would send it on every "Try it out".
  schema: { type: 'string' },
});
const IdParam = ApiParam({ name: 'id', format: 'uuid' });
/** The queued write path's answer (WRITE_PATH=queued), documented on every write. */
const Queued = (withBody: boolean) =>
  applyDecorators(
    ApiResponse({
      status: 202,
      ...(withBody ? { standardSchema: TaskResponse, example: TASK_EXAMPLE } : {}),
      description:
        'Queued write path: the broker has the command and a worker will apply it. ' +
        (withBody ? 'The body is the task as it will be; ETag its version. ' : '') +
        'Location names the task; the command status is at /v1/commands/{Command-Id}.',
      headers: {
        Location: { ...HEADERS.taskLocation, required: true },
        'Command-Id': { ...HEADERS.commandId, required: true },
        ...(withBody ? { ETag: { ...HEADERS.etag, required: true } } : {}),
      },
    }),
  );

/** A synchronous answer with the task: its version as ETag, and Location where the route names it (a create). */
const TaskAnswer = (status: 200 | 201, description: string, located = false) =>
  ApiResponse({
    status,
    standardSchema: TaskResponse,
    example: TASK_EXAMPLE,
    description,
    headers: { ETag: { ...HEADERS.etag, required: true }, ...(located ? { Location: { ...HEADERS.taskLocation, required: true } } : {}) },
  });

/** What any write of a task can refuse beyond its own rules. */
const WRITE_REFUSALS = [new ConcurrentModification('task'), new IdempotencyKeyInProgress()] as const;
const TRANSITION_REFUSALS = [400, 401, new TaskNotFound(), ...WRITE_REFUSALS, new VersionMismatch(3, 4), 422, new TooManyPendingWrites(100), 503] as const;

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
  @TaskAnswer(201, 'Created', true)
  @ApiProblems(400, 401, new TaskIdConflict(), new IdempotencyKeyInProgress(), 413, 422, new TooManyPendingWrites(100), 503)
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
  @ApiResponse({ status: 200, standardSchema: TaskPageResponse, example: TASK_PAGE_EXAMPLE, description: 'A page of tasks; `nextCursor` is null on the last' })
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
  @TaskAnswer(200, 'The task')
  @ApiProblems(400, 401, new TaskNotFound(), 503)
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
  @TaskAnswer(200, 'Replaced')
  @TaskAnswer(201, 'Created', true)
  @ApiProblems(400, 401, new TaskNotFound(), ...WRITE_REFUSALS, new VersionMismatch(3, 4), 413, new TooManyPendingWrites(100), 503)
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
  @TaskAnswer(200, 'Changed')
  @ApiProblems(400, 401, new TaskNotFound(), ...WRITE_REFUSALS, new VersionMismatch(3, 4), 413, new TooManyPendingWrites(100), 503)
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
  @ApiProblems(400, 401, new TaskNotFound(), new TaskHasSteps(2), ...WRITE_REFUSALS, new VersionMismatch(3, 4), new TooManyPendingWrites(100), 503)
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
  @TaskAnswer(200, 'The task as it is now')
  @ApiProblems(...TRANSITION_REFUSALS, new TaskHasOpenSteps(2), new TaskNotOpen('done', 'completed'))
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
  @TaskAnswer(200, 'The task as it is now')
  @ApiProblems(...TRANSITION_REFUSALS, new TaskNotOpen('done', 'failed'))
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
  @TaskAnswer(200, 'The task as it is now')
  @ApiProblems(...TRANSITION_REFUSALS, new TaskNotOpen('done', 'postponed'))
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
  @TaskAnswer(200, 'The task as it is now')
  @ApiProblems(...TRANSITION_REFUSALS, new TaskCannotBeReopened('open'))
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
  @TaskAnswer(200, 'The task as it is now')
  @ApiProblems(...TRANSITION_REFUSALS, new TaskNotOpen('done', 'dropped'))
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
