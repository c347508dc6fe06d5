import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { PostponeTaskCommand } from './postpone-task.command';

@Injectable()
export class PostponeTaskHandler implements TaskCommandHandler<PostponeTaskCommand> {
  async execute(command: PostponeTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    task.postpone(session.events, command.scheduledFor, await session.timezoneOf(command.ownerId));
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
