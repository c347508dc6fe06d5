import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { DeleteTaskCommand } from './delete-task.command';

@Injectable()
export class DeleteTaskHandler implements TaskCommandHandler<DeleteTaskCommand> {
  async execute(command: DeleteTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    const steps = await session.tasks.countSteps(command.ownerId, task.id);
    task.delete(session.events, steps.total);
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
