import { createHash } from 'node:crypto';
import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InvalidCredentials, TooManyAttempts } from '@ln/kernel/application/application.errors';
import { ATTEMPT_COUNTER, type AttemptCount, type AttemptCounter } from '../ports/attempt-counter.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../ports/password-hasher.port';
import { USER_REPOSITORY, type UserRepository } from '../ports/user.repository.port';
import { AUTH_SETTINGS, type AuthSettings, type Session, SessionIssuer } from '../shared/session-issuer.service';
import { LogInCommand } from './log-in.command';

/** One client address may fail this many times more than one account, so a shared NAT is not locked out at once. */
const PER_CLIENT_FACTOR = 4;

@CommandHandler(LogInCommand)
export class LogInHandler implements ICommandHandler<LogInCommand> {
  private readonly logger = new Logger(LogInHandler.name);

  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(ATTEMPT_COUNTER) private readonly attempts: AttemptCounter,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    private readonly sessions: SessionIssuer,
  ) {}

  async execute(command: LogInCommand): Promise<Session> {
    const email = command.email.trim().toLowerCase();
    // Keys hold a digest, so the counter store never holds an email address.
    const accountKey = `login-fail:account:${digest(email)}`;
    const clientKey = `login-fail:client:${digest(command.clientIp)}`;
    const max = this.settings.loginMaxFailures;
    const [account, client] = await Promise.all([this.count(accountKey), this.count(clientKey)]);
    if (account.count >= max || client.count >= max * PER_CLIENT_FACTOR) {
      const waitMs = Math.max(account.count >= max ? account.resetInMs : 0, client.count >= max * PER_CLIENT_FACTOR ? client.resetInMs : 0);
      throw new TooManyAttempts(Math.max(1, Math.ceil(waitMs / 1000)));
    }

    const user = await this.users.findByEmail(email);
    // An unknown email costs the same argon2 work as a wrong password: the answer and its timing reveal nothing.
    const ok = user ? await this.hasher.verify(user.passwordHash, command.password) : (await this.hasher.burn(command.password), false);
    if (!user || !ok) {
      const windowMs = this.settings.loginFailureWindowSeconds * 1000;
      await Promise.all([this.bump(accountKey, windowMs), this.bump(clientKey, windowMs)]);
      throw new InvalidCredentials();
    }
    await this.attempts.reset(accountKey).catch(() => undefined);
    return this.sessions.issue(user.id);
  }

  /**
   * Fails open: with the counter store down, logins still work (unthrottled) rather than every
   * user being locked out. The outage is logged; tokens already issued are unaffected either way.
   */
  private async count(key: string): Promise<AttemptCount> {
    try {
      return await this.attempts.get(key);
    } catch (error) {
      this.logger.warn(`login throttle unavailable, allowing the attempt: ${(error as Error).message}`);
      return { count: 0, resetInMs: 0 };
    }
  }

  private async bump(key: string, windowMs: number): Promise<void> {
    try {
      await this.attempts.increment(key, windowMs);
    } catch (error) {
      this.logger.warn(`login throttle unavailable, failure not counted: ${(error as Error).message}`);
    }
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
