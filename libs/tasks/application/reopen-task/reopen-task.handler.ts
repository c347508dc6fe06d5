import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { ReopenTaskCommand } from './reopen-task.command';

@Injectable()
export class ReopenTaskHandler implements TaskCommandHandler<ReopenTaskCommand> {
  async execute(command: ReopenTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    task.reopen(session.events);
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
