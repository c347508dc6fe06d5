export const REFRESH_TOKENS = Symbol('RefreshTokenStore');

export interface RefreshTokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly familyId: string;
  readonly expiresAt: Date;
}

export type ConsumeResult =
  | { readonly status: 'consumed'; readonly token: RefreshTokenRecord }
  /** The token existed but had been used or revoked already: a replay. */
  | { readonly status: 'reused'; readonly token: RefreshTokenRecord }
  | { readonly status: 'unknown' }
  | { readonly status: 'expired' };

/** Refresh tokens are kept only as hashes; the raw value never reaches storage. */
export interface RefreshTokenStore {
  create(record: RefreshTokenRecord & { readonly tokenHash: string; readonly createdAt: Date }): Promise<void>;
  /** Atomically marks the token used, so two concurrent refreshes cannot both succeed. */
  consume(tokenHash: string, at: Date): Promise<ConsumeResult>;
  revokeFamily(familyId: string, at: Date): Promise<void>;
  /** Revokes the family of the token only if the token belongs to `userId` (logout). */
  revokeFamilyOfToken(tokenHash: string, userId: string, at: Date): Promise<void>;
  revokeAllForUser(userId: string, at: Date): Promise<void>;
}
