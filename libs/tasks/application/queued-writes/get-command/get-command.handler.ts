import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { COMMAND_INBOX, type CommandInbox } from '../ports/command-inbox.port';
import { PENDING_WRITES, type PendingWrites } from '../ports/pending-writes.port';
import { type CommandStatus, GetCommandQuery } from './get-command.query';

export class CommandNotFound extends DomainError {
  readonly kind = 'not_found' as const;
  readonly code = 'command_not_found';
  constructor() {
    super('no such command for this user: unknown, decided longer ago than the command retention (a week by default), or accepted and not yet decided with its pending record lost (look again shortly)');
  }
}

@QueryHandler(GetCommandQuery)
export class GetCommandHandler implements IQueryHandler<GetCommandQuery> {
  constructor(
    @Inject(COMMAND_INBOX) private readonly inbox: CommandInbox,
    @Inject(PENDING_WRITES) private readonly pending: PendingWrites,
  ) {}

  async execute({ userId, commandId }: GetCommandQuery): Promise<CommandStatus> {
    // The inbox is the truth once a worker decided; before that only the overlay knows the command.
    // The overlay is read first: a worker that decides in between settles the overlay only after
    // its commit, so the inbox read that follows finds it (the other order could miss both).
    const pending = await this.pending.get(userId, commandId);
    const decided = await this.inbox.findForUser(userId, commandId);
    if (decided) {
      return {
        id: decided.commandId,
        type: decided.type,
        status: decided.status,
        taskId: decided.resourceId,
        acceptedAt: null,
        decidedAt: decided.processedAt,
        problem: decided.problem,
      };
    }
    if (!pending) throw new CommandNotFound();
    return { id: commandId, type: pending.type, status: 'accepted', taskId: pending.taskId, acceptedAt: pending.acceptedAt, decidedAt: null, problem: null };
  }
}
