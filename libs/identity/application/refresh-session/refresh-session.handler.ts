import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InvalidRefreshToken, RefreshTokenReused } from '@ln/kernel/application/application.errors';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { REFRESH_TOKENS, type RefreshTokenStore } from '../ports/refresh-tokens.port';
import { hashRefreshToken, type Session, SessionIssuer } from '../shared/session-issuer.service';
import { RefreshSessionCommand } from './refresh-session.command';

/**
 * Rotation with reuse detection: each refresh token works once and is replaced by a new one
 * of the same family. Presenting a used token means two parties hold it, so the whole family
 * (every token descended from that login) is revoked.
 */
@CommandHandler(RefreshSessionCommand)
export class RefreshSessionHandler implements ICommandHandler<RefreshSessionCommand> {
  constructor(
    @Inject(REFRESH_TOKENS) private readonly tokens: RefreshTokenStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly sessions: SessionIssuer,
  ) {}

  async execute(command: RefreshSessionCommand): Promise<Session> {
    const now = this.clock.now();
    const result = await this.tokens.consume(hashRefreshToken(command.refreshToken), now);
    switch (result.status) {
      case 'consumed':
        return this.sessions.issue(result.token.userId, result.token.familyId);
      case 'reused':
        await this.tokens.revokeFamily(result.token.familyId, now);
        throw new RefreshTokenReused();
      default:
        throw new InvalidRefreshToken();
    }
  }
}
