import { Command } from '@nestjs/cqrs';
import type { FailureReason } from '../../domain/failure-reason.value-object';
import type { TaskView } from '../ports/task-read-model.port';

/** A reason from the taxonomy: whoever builds the command has parsed it (the HTTP schema, the queued-command decoder). */
export class FailTaskCommand extends Command<TaskView> {
  constructor(
    readonly ownerId: string,
    readonly id: string,
    readonly reason: FailureReason,
    readonly note: string | null | undefined,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
