import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { EditTaskCommand } from './edit-task.command';

@Injectable()
export class EditTaskHandler implements TaskCommandHandler<EditTaskCommand> {
  async execute(command: EditTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    task.edit(session.events, command.changes, await session.timezoneOf(command.ownerId));
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
