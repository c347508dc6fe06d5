import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { PostponeTaskCommand } from './postpone-task.command';

@CommandHandler(PostponeTaskCommand)
export class PostponeTaskHandler implements ICommandHandler<PostponeTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute(command: PostponeTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(command.ownerId, command.id, command.expectedVersion);
    task.postpone(this.writer.events(), command.scheduledFor, await this.writer.timezoneOf(command.ownerId));
    return this.writer.save(task, command.ownerId, { expectedVersion: command.expectedVersion });
  }
}
