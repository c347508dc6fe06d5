import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { REFRESH_TOKENS, type RefreshTokenStore } from '../ports/refresh-tokens.port';
import { hashRefreshToken } from '../shared/session-issuer.service';
import { LogOutCommand } from './log-out.command';

/**
 * Idempotent: logging out twice, or with a token that is already spent, still ends in the
 * logged-out state. A token of another user is ignored rather than revealed.
 * Access tokens are short-lived and stateless; they run out on their own.
 */
@CommandHandler(LogOutCommand)
export class LogOutHandler implements ICommandHandler<LogOutCommand> {
  constructor(
    @Inject(REFRESH_TOKENS) private readonly tokens: RefreshTokenStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: LogOutCommand): Promise<void> {
    const now = this.clock.now();
    if (command.refreshToken === undefined) {
      await this.tokens.revokeAllForUser(command.userId, now);
      return;
    }
    await this.tokens.revokeFamilyOfToken(hashRefreshToken(command.refreshToken), command.userId, now);
  }
}
