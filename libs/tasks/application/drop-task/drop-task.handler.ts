import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { DropTaskCommand } from './drop-task.command';

@Injectable()
export class DropTaskHandler implements TaskCommandHandler<DropTaskCommand> {
  async execute(command: DropTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    task.drop(session.events);
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
