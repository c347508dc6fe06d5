import { Command } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';

export class FailTaskCommand extends Command<TaskView> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
    readonly reason: string,
    readonly note: string | null | undefined,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
