import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { DeleteTaskCommand } from './delete-task.command';

@CommandHandler(DeleteTaskCommand)
export class DeleteTaskHandler implements ICommandHandler<DeleteTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute(command: DeleteTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(command.ownerId, command.id, command.expectedVersion);
    const steps = await this.writer.tasks.countSteps(command.ownerId, task.id);
    task.delete(this.writer.events(), steps.total);
    return this.writer.save(task, command.ownerId, { expectedVersion: command.expectedVersion });
  }
}
