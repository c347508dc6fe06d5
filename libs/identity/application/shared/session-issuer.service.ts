import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_TOKENS, type AccessTokens } from '../ports/access-tokens.port';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { REFRESH_TOKENS, type RefreshTokenStore } from '../ports/refresh-tokens.port';

export const AUTH_SETTINGS = Symbol('AuthSettings');
export interface AuthSettings {
  readonly refreshTokenTtlSeconds: number;
  /** Failed logins one client may make against one account per window (the pair limit, ADR 20). */
  readonly loginMaxFailures: number;
  /** Failed logins one client may make across all accounts per window. */
  readonly loginMaxFailuresPerClient: number;
  /** Failed logins against one account from all clients per window (the ceiling for a distributed guesser). */
  readonly loginMaxFailuresPerAccount: number;
  readonly loginFailureWindowSeconds: number;
  /** Registration attempts one client may make per hour. */
  readonly registrationsPerClientPerHour: number;
}

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly tokenType: 'Bearer';
}

/** Refresh tokens are stored as SHA-256 of 256 random bits: a leaked table cannot be replayed. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

@Injectable()
export class SessionIssuer {
  constructor(
    @Inject(ACCESS_TOKENS) private readonly accessTokens: AccessTokens,
    @Inject(REFRESH_TOKENS) private readonly refreshTokens: RefreshTokenStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  /** Starts a new refresh-token family (login) or continues one (refresh rotation). */
  async issue(userId: string, familyId: string = this.ids.next()): Promise<Session> {
    const now = this.clock.now();
    const refreshToken = randomBytes(32).toString('base64url');
    await this.refreshTokens.create({
      id: this.ids.next(),
      userId,
      familyId,
      tokenHash: hashRefreshToken(refreshToken),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.settings.refreshTokenTtlSeconds * 1000),
    });
    const access = this.accessTokens.issue(userId);
    return { accessToken: access.token, refreshToken, expiresIn: access.expiresInSeconds, tokenType: 'Bearer' };
  }
}
