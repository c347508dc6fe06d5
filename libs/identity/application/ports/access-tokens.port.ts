export const ACCESS_TOKENS = Symbol('AccessTokens');
/**
 * Tokens for the live event stream only (`GET /v1/events?access_token=`, for browsers' EventSource,
 * which cannot send headers): another `typ` and audience than access tokens, so neither kind is
 * accepted where the other is (ADR 28).
 */
export const STREAM_TOKENS = Symbol('StreamTokens');

export interface AccessTokenClaims {
  readonly userId: string;
  readonly tokenId: string;
  readonly expiresAt: Date;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresInSeconds: number;
}

/** Signs and verifies short-lived access tokens. `verify` returns null for anything not valid. */
export interface AccessTokens {
  /** `notAfter`: the token expires then at the latest (sooner than its usual lifetime). */
  issue(userId: string, notAfter?: Date): IssuedAccessToken;
  verify(token: string): AccessTokenClaims | null;
}
