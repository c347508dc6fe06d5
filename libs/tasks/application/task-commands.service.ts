import { Injectable } from '@nestjs/common';
import type { Command } from '@nestjs/cqrs';
import { CompleteTaskCommand } from './complete-task/complete-task.command';
import { CompleteTaskHandler } from './complete-task/complete-task.handler';
import { CreateTaskCommand } from './create-task/create-task.command';
import { CreateTaskHandler } from './create-task/create-task.handler';
import { DeleteTaskCommand } from './delete-task/delete-task.command';
import { DeleteTaskHandler } from './delete-task/delete-task.handler';
import { DropTaskCommand } from './drop-task/drop-task.command';
import { DropTaskHandler } from './drop-task/drop-task.handler';
import { EditTaskCommand } from './edit-task/edit-task.command';
import { EditTaskHandler } from './edit-task/edit-task.handler';
import { FailTaskCommand } from './fail-task/fail-task.command';
import { FailTaskHandler } from './fail-task/fail-task.handler';
import { PostponeTaskCommand } from './postpone-task/postpone-task.command';
import { PostponeTaskHandler } from './postpone-task/postpone-task.handler';
import { ReopenTaskCommand } from './reopen-task/reopen-task.command';
import { ReopenTaskHandler } from './reopen-task/reopen-task.handler';
import { ReplaceTaskCommand } from './replace-task/replace-task.command';
import { ReplaceTaskHandler } from './replace-task/replace-task.handler';
import type { TaskCommandHandler } from './shared/task-command-handler.port';
import type { TaskSession } from './shared/task-session.port';

/**
 * The task write use cases, by command. Like a command bus, but the session the command runs in is
 * an argument (Nest's bus takes the command alone; ADR 14 says why that matters here).
 */
@Injectable()
export class TaskCommands {
  private readonly handlers: ReadonlyMap<Function, TaskCommandHandler<Command<unknown>, unknown>>;

  constructor(
    create: CreateTaskHandler,
    replace: ReplaceTaskHandler,
    edit: EditTaskHandler,
    complete: CompleteTaskHandler,
    fail: FailTaskHandler,
    postpone: PostponeTaskHandler,
    reopen: ReopenTaskHandler,
    drop: DropTaskHandler,
    remove: DeleteTaskHandler,
  ) {
    this.handlers = new Map<Function, TaskCommandHandler<never, unknown>>([
      [CreateTaskCommand, create],
      [ReplaceTaskCommand, replace],
      [EditTaskCommand, edit],
      [CompleteTaskCommand, complete],
      [FailTaskCommand, fail],
      [PostponeTaskCommand, postpone],
      [ReopenTaskCommand, reopen],
      [DropTaskCommand, drop],
      [DeleteTaskCommand, remove],
    ]) as ReadonlyMap<Function, TaskCommandHandler<Command<unknown>, unknown>>;
  }

  run<R>(command: Command<R>, session: TaskSession): Promise<R> {
    const handler = this.handlers.get(command.constructor);
    if (!handler) throw new Error(`${command.constructor.name} is not a task command`);
    return handler.execute(command, session) as Promise<R>;
  }
}

/** The handlers `TaskCommands` dispatches to (for the module's providers). */
export const TASK_COMMAND_HANDLERS = [
  CreateTaskHandler,
  ReplaceTaskHandler,
  EditTaskHandler,
  CompleteTaskHandler,
  FailTaskHandler,
  PostponeTaskHandler,
  ReopenTaskHandler,
  DropTaskHandler,
  DeleteTaskHandler,
];
