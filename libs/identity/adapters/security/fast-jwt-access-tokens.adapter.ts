import { createSigner, createVerifier } from 'fast-jwt';
import type { AccessTokenClaims, AccessTokens, IssuedAccessToken } from '../../application/ports/access-tokens.port';
import type { Clock } from '@ln/kernel/application/ports/clock.port';
import type { IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { isUuid } from '@ln/kernel/domain/uuid';

export interface JwtOptions {
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /**
   * The header `typ` issued and required. Default `at+jwt` (RFC 9068, API access tokens); the live
   * stream's tokens use `stream+jwt` with an audience of their own, so neither kind passes as the other.
   */
  readonly typ?: string;
}

/** RFC 9068's media type for access tokens; checking it stops another kind of JWT being replayed here. */
const TYP = 'at+jwt';
/** How far apart the clocks of the replicas that issue and verify tokens may be. */
export const MAX_CLOCK_SKEW_SECONDS = 30;

/**
 * HS256 with the algorithm pinned on both sides (RFC 8725): `alg: none`, another algorithm,
 * another issuer or audience, a missing claim, an expired or tampered token, one issued more than
 * MAX_CLOCK_SKEW_SECONDS in the future or longer ago than its lifetime all fail. fast-jwt
 * was chosen over jsonwebtoken (passport-jwt) for the read path's cost: see docs/adr/0004.
 */
export class FastJwtAccessTokens implements AccessTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly check: (token: string) => Record<string, unknown>;

  constructor(
    private readonly options: JwtOptions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    if (Buffer.byteLength(options.secret) < 32) throw new Error('JWT secret must be at least 256 bits');
    this.sign = createSigner({
      key: options.secret,
      algorithm: 'HS256',
      iss: options.issuer,
      aud: options.audience,
      header: { alg: 'HS256', typ: options.typ ?? TYP },
    });
    this.check = createVerifier({
      key: options.secret,
      algorithms: ['HS256'],
      allowedIss: options.issuer,
      allowedAud: options.audience,
      requiredClaims: ['sub', 'exp', 'iat', 'jti', 'iss', 'aud'],
      checkTyp: options.typ ?? TYP,
      // No token lives longer than we issue them for, whatever its exp says (counted from iat).
      maxAge: (options.ttlSeconds + MAX_CLOCK_SKEW_SECONDS) * 1000,
      // Verified tokens are remembered until they expire; a changed byte is another key. The key is
      // fast-jwt's own (a SHA-256 of the token, about 2 us): any custom cacheKeyBuilder makes
      // fast-jwt warn at every start (GHSA-rp9m-7r4c-75qg), and a warning nobody may read is noise
      // that hides the next one (ADR 4, amendment).
      cache: 10_000,
    });
  }

  issue(userId: string, notAfter?: Date): IssuedAccessToken {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    // A token asked for by another token never outlives it (a stream token and its access token).
    const exp = Math.min(iat + this.options.ttlSeconds, notAfter ? Math.floor(notAfter.getTime() / 1000) : Infinity);
    // iat/exp come from the injected clock; fast-jwt keeps a given iat.
    const token = this.sign({ sub: userId, jti: this.ids.next(), iat, exp });
    return { token, expiresInSeconds: Math.max(0, exp - iat) };
  }

  verify(token: string): AccessTokenClaims | null {
    try {
      const claims = this.check(token);
      if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null;
      // Issued in the future: not by us (fast-jwt checks exp, nbf and maxAge, not this). Such a
      // token would otherwise outlive maxAge by as far as its iat is ahead.
      if (claims.iat > this.clock.now().getTime() / 1000 + MAX_CLOCK_SKEW_SECONDS) return null;
      // The subject goes into SQL as a uuid: one that is not (a token signed with a leaked or test
      // key, a future issuer) is an invalid token (401), not a query the database refuses (500).
      if (!isUuid(claims.sub)) return null;
      return { userId: claims.sub.toLowerCase(), tokenId: claims.jti, expiresAt: new Date(claims.exp * 1000) };
    } catch {
      return null;
    }
  }
}
