import { Command } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';

export class DropTaskCommand extends Command<TaskView> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
