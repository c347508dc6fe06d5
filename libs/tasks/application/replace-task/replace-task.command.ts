import { Command } from '@nestjs/cqrs';
import type { TaskView } from '../ports/task-read-model.port';
import type { CreateTaskInput } from '../create-task/create-task.command';

export interface ReplaceTaskResult {
  readonly task: TaskView;
  readonly created: boolean;
}

/** PUT: create the task with this id, or replace its client-settable fields. */
export class ReplaceTaskCommand extends Command<ReplaceTaskResult> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
    readonly input: Omit<CreateTaskInput, 'id'>,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
