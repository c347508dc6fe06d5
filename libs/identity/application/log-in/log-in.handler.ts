import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InvalidCredentials, TooManyAttempts } from '@ln/kernel/application/application.errors';
import { Email } from '../../domain/email.value-object';
import type { User } from '../../domain/user.aggregate';
import type { AttemptCount } from '../ports/attempt-counter.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../ports/password-hasher.port';
import { USER_REPOSITORY, type UserRepository } from '../ports/user.repository.port';
import { throttledClientOf } from '../shared/client-address';
import { AUTH_SETTINGS, type AuthSettings, type Session, SessionIssuer } from '../shared/session-issuer.service';
import { secondsUntil, Throttle, throttleKey } from '../shared/throttle.service';
import { LogInCommand } from './log-in.command';

/** How long a client that logged in to an account stays "known" to it (it may pass the wider ceilings). */
export const KNOWN_CLIENT_MS = 30 * 86_400_000;

/**
 * Login throttle (ADR 20, docs/security.md). Three fixed-window counts of failed logins:
 * - per (account, client) pair, small (LOGIN_MAX_FAILURES): what slows a guesser at one account,
 *   and the only one a single client can push an account's owner into;
 * - per client across accounts (LOGIN_MAX_FAILURES_PER_CLIENT): one address spraying many accounts;
 * - per account across clients (LOGIN_MAX_FAILURES_PER_ACCOUNT), far higher: the ceiling for a
 *   guesser spread over many addresses. A pair adds at most the pair limit to it per window, so
 *   reaching it takes about ceiling / pair-limit distinct clients, and a client that logged in to the account within
 *   30 days (a known client) is let through it (and through the per-client one) all the same.
 * An attempt is counted when it starts (so a burst of concurrent guesses cannot all pass a check
 * made before any of them failed) and given back when it succeeds, is refused by a ceiling or
 * cannot be decided (a database error). Over a limit: 429 `too_many_attempts` with Retry-After.
 * The counter store failing opens the throttle (logged): see `Throttle`.
 */
@CommandHandler(LogInCommand)
export class LogInHandler implements ICommandHandler<LogInCommand> {
  private readonly logger = new Logger(LogInHandler.name);

  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    private readonly throttle: Throttle,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    private readonly sessions: SessionIssuer,
  ) {}

  async execute(command: LogInCommand): Promise<Session> {
    const s = this.settings;
    const email = Email.canonical(command.email);
    const client = throttledClientOf(command.clientIp);
    const windowMs = s.loginFailureWindowSeconds * 1000;
    const keys = {
      pair: throttleKey('login-fail:pair', email, client),
      client: throttleKey('login-fail:client', client),
      account: throttleKey('login-fail:account', email),
      known: throttleKey('login-ok:pair', email, client),
    };

    // The pair first: a pair over its limit touches nothing else, which is what bounds what one
    // client can add to the account's count.
    const pair = await this.throttle.take(keys.pair, windowMs);
    if (pair && pair.count > s.loginMaxFailures) throw new TooManyAttempts(secondsUntil(pair));
    const [byClient, byAccount] = await Promise.all([this.throttle.take(keys.client, windowMs), this.throttle.take(keys.account, windowMs)]);
    const over = [byClient && byClient.count > s.loginMaxFailuresPerClient ? byClient : null, byAccount && byAccount.count > s.loginMaxFailuresPerAccount ? byAccount : null].filter(
      (c): c is AttemptCount => c !== null,
    );
    if (over.length > 0 && !(await this.throttle.isSet(keys.known))) {
      if (byAccount && byAccount.count === s.loginMaxFailuresPerAccount + 1) {
        this.logger.warn(`failed logins against one account (${keys.account}) passed the per-account ceiling; only its known clients may try until the window closes`);
      }
      await Promise.all([this.throttle.giveBack(keys.client, byClient), this.throttle.giveBack(keys.account, byAccount)]);
      throw new TooManyAttempts(Math.max(...over.map(secondsUntil)));
    }

    let user: User | null;
    let ok: boolean;
    try {
      user = await this.users.findByEmail(email);
      // An unknown email costs the same argon2 work as a wrong password: the answer and its timing reveal nothing.
      ok = user ? await this.hasher.verify(user.passwordHash, command.password) : (await this.hasher.burn(command.password), false);
    } catch (error) {
      // Not a failed login: nothing was decided.
      await Promise.all([this.throttle.giveBack(keys.pair, pair), this.throttle.giveBack(keys.client, byClient), this.throttle.giveBack(keys.account, byAccount)]);
      throw error;
    }
    if (!user || !ok) throw new InvalidCredentials();
    await Promise.all([
      this.throttle.clear(keys.pair),
      this.throttle.giveBack(keys.client, byClient),
      this.throttle.giveBack(keys.account, byAccount),
      this.throttle.take(keys.known, KNOWN_CLIENT_MS),
    ]);
    return this.sessions.issue(user.id);
  }
}
