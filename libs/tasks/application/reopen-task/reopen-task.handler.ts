import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { ReopenTaskCommand } from './reopen-task.command';

@CommandHandler(ReopenTaskCommand)
export class ReopenTaskHandler implements ICommandHandler<ReopenTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute(command: ReopenTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(command.ownerId, command.id, command.expectedVersion);
    task.reopen(this.writer.events());
    return this.writer.save(task, command.ownerId, { expectedVersion: command.expectedVersion });
  }
}
