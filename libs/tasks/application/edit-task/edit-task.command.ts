import { Command } from '@nestjs/cqrs';
import type { TaskInput } from '../../domain/task.aggregate';
import type { TaskView } from '../ports/task-read-model.port';

/** PATCH: only the fields given change. */
export class EditTaskCommand extends Command<TaskView> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
    readonly changes: Partial<TaskInput>,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
