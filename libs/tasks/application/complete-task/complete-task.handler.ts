import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { CompleteTaskCommand } from './complete-task.command';

@CommandHandler(CompleteTaskCommand)
export class CompleteTaskHandler implements ICommandHandler<CompleteTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute(command: CompleteTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(command.ownerId, command.id, command.expectedVersion);
    const steps = await this.writer.tasks.countSteps(command.ownerId, task.id);
    task.complete(this.writer.events(), steps.open);
    return this.writer.save(task, command.ownerId, { expectedVersion: command.expectedVersion });
  }
}
