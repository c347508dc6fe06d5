import { Query } from '@nestjs/cqrs';
import type { CommandProblem } from '../ports/command-inbox.port';

/** Where a queued write stands: accepted (in the broker), applied, or rejected with the reason. */
export interface CommandStatus {
  readonly id: string;
  readonly type: string;
  readonly status: 'accepted' | 'applied' | 'rejected';
  readonly taskId: string | null;
  readonly acceptedAt: string | null;
  readonly decidedAt: string | null;
  readonly problem: CommandProblem | null;
}

export class GetCommandQuery extends Query<CommandStatus> {
  constructor(
    readonly userId: string,
    readonly commandId: string,
  ) {
    super();
  }
}
