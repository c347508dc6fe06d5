import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { FailTaskCommand } from './fail-task.command';

@Injectable()
export class FailTaskHandler implements TaskCommandHandler<FailTaskCommand> {
  async execute(command: FailTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    task.fail(session.events, command.reason, command.note);
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
