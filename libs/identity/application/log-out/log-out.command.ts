import { Command } from '@nestjs/cqrs';

export class LogOutCommand extends Command<void> {
  constructor(
    readonly userId: string,
    /** Ends this login's family; without it every session of the user ends. */
    readonly refreshToken?: string,
  ) {
    super();
  }
}
