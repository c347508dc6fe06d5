import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { EditTaskCommand } from './edit-task.command';

@CommandHandler(EditTaskCommand)
export class EditTaskHandler implements ICommandHandler<EditTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute({ ownerId, id, changes, expectedVersion }: EditTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(ownerId, id, expectedVersion);
    task.edit(this.writer.events(), changes, await this.writer.timezoneOf(ownerId));
    return this.writer.save(task, ownerId, { expectedVersion });
  }
}
