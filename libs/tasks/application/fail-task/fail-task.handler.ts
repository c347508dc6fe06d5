import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { parseFailureReason } from '../../domain/failure-reason';
import type { TaskView } from '../ports/task-read-model.port';
import { TaskWriter } from '../shared/task-writer';
import { FailTaskCommand } from './fail-task.command';

@CommandHandler(FailTaskCommand)
export class FailTaskHandler implements ICommandHandler<FailTaskCommand> {
  constructor(private readonly writer: TaskWriter) {}

  async execute(command: FailTaskCommand): Promise<TaskView> {
    const task = await this.writer.load(command.ownerId, command.id, command.expectedVersion);
    task.fail(this.writer.events(), parseFailureReason(command.reason), command.note);
    return this.writer.save(task, command.ownerId, { expectedVersion: command.expectedVersion });
  }
}
