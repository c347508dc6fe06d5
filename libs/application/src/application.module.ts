import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LogInHandler } from './auth/log-in/log-in.handler';
import { ApplyCommandBatch } from './commands/apply-command-batch';
import { GetCommandHandler } from './commands/get-command/get-command.handler';
import { QueuedTaskWrites } from './commands/queued-task-writes';
import { LogOutHandler } from './auth/log-out/log-out.handler';
import { RefreshSessionHandler } from './auth/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from './auth/register-user/register-user.handler';
import { SessionIssuer } from './auth/shared/session-issuer';
import { CompleteTaskHandler } from './tasks/complete-task/complete-task.handler';
import { CreateTaskHandler } from './tasks/create-task/create-task.handler';
import { DeleteTaskHandler } from './tasks/delete-task/delete-task.handler';
import { DropTaskHandler } from './tasks/drop-task/drop-task.handler';
import { EditTaskHandler } from './tasks/edit-task/edit-task.handler';
import { FailTaskHandler } from './tasks/fail-task/fail-task.handler';
import { GetTaskHandler } from './tasks/get-task/get-task.handler';
import { ListTasksHandler } from './tasks/list-tasks/list-tasks.handler';
import { PostponeTaskHandler } from './tasks/postpone-task/postpone-task.handler';
import { ReopenTaskHandler } from './tasks/reopen-task/reopen-task.handler';
import { ReplaceTaskHandler } from './tasks/replace-task/replace-task.handler';
import { TaskWriter } from './tasks/shared/task-writer';
import { GetMeHandler } from './users/get-me/get-me.handler';
import { UpdateMeHandler } from './users/update-me/update-me.handler';

const AUTH = [SessionIssuer, RegisterUserHandler, LogInHandler, RefreshSessionHandler, LogOutHandler, GetMeHandler, UpdateMeHandler];
const TASKS = [
  TaskWriter,
  CreateTaskHandler,
  ReplaceTaskHandler,
  EditTaskHandler,
  CompleteTaskHandler,
  FailTaskHandler,
  PostponeTaskHandler,
  ReopenTaskHandler,
  DropTaskHandler,
  DeleteTaskHandler,
  GetTaskHandler,
  ListTasksHandler,
];

/** The use cases. Their ports come from whichever infrastructure module the app composes. */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [...AUTH, ...TASKS, ApplyCommandBatch, QueuedTaskWrites, GetCommandHandler],
  exports: [CqrsModule, ApplyCommandBatch, QueuedTaskWrites],
})
export class ApplicationModule {}
