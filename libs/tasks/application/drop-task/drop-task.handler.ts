import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { DropTaskCommand } from './drop-task.command';

@CommandHandler(DropTaskCommand)
export class DropTaskHandler implements ICommandHandler<DropTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute(command: DropTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(command.ownerId, command.id, command.expectedVersion);
    task.drop(this.writer.events());
    return this.writer.save(task, command.ownerId, { expectedVersion: command.expectedVersion });
  }
}
