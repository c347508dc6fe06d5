import { Command } from '@nestjs/cqrs';
import type { TaskInput } from '../../domain/task.aggregate';
import type { TaskView } from '../ports/task-read-model.port';

export interface CreateTaskInput extends TaskInput {
  /** A client-chosen UUIDv7 makes the create idempotent (optimistic UI). */
  readonly id?: string;
  readonly parentId?: string | null;
  readonly replanOf?: string | null;
}

export interface CreateTaskResult {
  readonly task: TaskView;
  /** False when an identical create with the same id had already happened. */
  readonly created: boolean;
}

export class CreateTaskCommand extends Command<CreateTaskResult> {
  constructor(
    readonly ownerId: string,
    readonly input: CreateTaskInput,
  ) {
    super();
  }
}
