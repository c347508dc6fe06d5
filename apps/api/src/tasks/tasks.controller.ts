import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, Res, applyDecorators } from '@nestjs/common';
import { type Command } from '@nestjs/cqrs';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
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
import { QueuedTaskWrites } from '@ln/tasks/application/queued-writes/queued-task-writes';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { type TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { decodeCursor } from '@ln/tasks/application/list-tasks/task-cursor';
import { etagOf } from '@ln/tasks/application/get-task/get-task.handler';
import { APP_CONFIG } from '@ln/kernel/kernel.module';
import type { AppConfig } from '@ln/config/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { validated } from '../http/validation';
import { IdempotencyKey } from '../http/idempotency';
import { ApiProblems } from '../http/openapi';
import { expectedVersion } from '../http/preconditions';
import {
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
  private readonly queued: boolean;

  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly queuedWrites: QueuedTaskWrites,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.queued = config.commands.writePath === 'queued';
  }

  private static send(reply: FastifyReply, task: TaskView): TaskView {
    void reply.header('etag', etagOf(task.version));
    return task;
  }

  /**
   * The queued write path: 202 once the broker has confirmed the command, with the task as it will
   * be, its Location and the command's id (its status at /v1/commands/{id}). A DELETE has no body.
   */
  private async accept(caller: Caller, command: Command<unknown>, request: FastifyRequest, reply: FastifyReply): Promise<TaskView | undefined> {
    const key = request.headers['idempotency-key'];
    const retryKey = typeof key === 'string' ? `${request.method} ${request.url.split('?')[0]}\n${key}` : undefined;
    const accepted = await this.queuedWrites.submit(caller.userId, command, retryKey);
    void reply.code(202).header('location', `/v1/tasks/${accepted.taskId}`).header('command-id', accepted.commandId);
    if (!accepted.task) return undefined;
    return TasksController.send(reply, accepted.task);
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
    const command = new CreateTaskCommand(caller.userId, body);
    if (this.queued) return this.accept(caller, command, request, reply);
    const { task } = await this.commands.execute(command);
    void reply.header('location', `/v1/tasks/${task.id}`);
    return TasksController.send(reply, task);
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
    const command = new ReplaceTaskCommand(caller.userId, id, body, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    const { task, created } = await this.commands.execute(command);
    if (created) void reply.code(201).header('location', `/v1/tasks/${task.id}`);
    return TasksController.send(reply, task);
  }

  @Patch(':id')
  @IdParam
  @IfMatch
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
    const command = new EditTaskCommand(caller.userId, id, body, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    return TasksController.send(reply, await this.commands.execute(command));
  }

  @Delete(':id')
  @HttpCode(204)
  @IdParam
  @IfMatch
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
    const command = new DeleteTaskCommand(caller.userId, id, expectedVersion(ifMatch));
    if (this.queued) {
      await this.accept(caller, command, request, reply);
      return;
    }
    await this.commands.execute(command);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @IdParam
  @IfMatch
  @IdempotencyKey
  @ApiOperation({ summary: 'Mark done (a parent needs its steps closed first)' })
  @Queued(true)
  @ApiResponse({ status: 200, standardSchema: TaskResponse })
  @ApiProblems(400, 401, 404, 409, 412, 422, 429, 503)
  async complete(
    @CurrentCaller() caller: Caller,
    @Param('id', validated(TaskIdParam)) id: string,
    @Body(validated(EmptyRequest)) _body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new CompleteTaskCommand(caller.userId, id, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    return TasksController.send(reply, await this.commands.execute(command));
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
    const command = new FailTaskCommand(caller.userId, id, body.reason, body.note, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    return TasksController.send(reply, await this.commands.execute(command));
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
    const command = new PostponeTaskCommand(caller.userId, id, body.scheduledFor, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    return TasksController.send(reply, await this.commands.execute(command));
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
    const command = new ReopenTaskCommand(caller.userId, id, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    return TasksController.send(reply, await this.commands.execute(command));
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
    const command = new DropTaskCommand(caller.userId, id, expectedVersion(ifMatch));
    if (this.queued) return this.accept(caller, command, request, reply);
    return TasksController.send(reply, await this.commands.execute(command));
  }
}

