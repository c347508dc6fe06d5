export const ACCESS_TOKENS = Symbol('AccessTokens');

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
  issue(userId: string): IssuedAccessToken;
  verify(token: string): AccessTokenClaims | null;
}
