import { Injectable } from '@nestjs/common';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, loadTask, saveTask } from '../shared/task-session.port';
import { CompleteTaskCommand } from './complete-task.command';

@Injectable()
export class CompleteTaskHandler implements TaskCommandHandler<CompleteTaskCommand> {
  async execute(command: CompleteTaskCommand, session: TaskSession): Promise<TaskView> {
    const task = await loadTask(session, command.ownerId, command.id, command.expectedVersion);
    const steps = await session.tasks.countSteps(command.ownerId, task.id);
    task.complete(session.events, steps.open, command.actualMinutes);
    return saveTask(session, task, { expectedVersion: command.expectedVersion });
  }
}
