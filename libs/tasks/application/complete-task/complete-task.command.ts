import { Command } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';

export class CompleteTaskCommand extends Command<TaskView> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
    readonly expectedVersion?: number,
    /** How long the task really took (1-1440), when the owner says. */
    readonly actualMinutes?: number,
  ) {
    super();
  }
}
