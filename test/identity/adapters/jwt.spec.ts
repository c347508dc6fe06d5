import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '@ln/kernel/application/ports/clock.port';
import type { IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { FastJwtAccessTokens, type JwtOptions } from '@ln/identity/adapters/security/fast-jwt-access-tokens.adapter';
import { loadOrCreateJwtSecret } from '@ln/identity/adapters/security/jwt-secret.file';

// fast-jwt checks `exp` against the real time, so the fixed clock sits at (whole-second) now.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const IAT = NOW.getTime() / 1000;
const TTL = 900;
const SECRET = randomBytes(32).toString('base64url');
const OPTIONS: JwtOptions = { secret: SECRET, issuer: 'https://ln.test', audience: 'ln-api', ttlSeconds: TTL };

// Subjects are user ids (UUIDs): the adapter refuses a token whose subject is anything else.
const USER_42 = '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a42';
const USER_1 = '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a01';

const fixedClock = (at: Date): Clock => ({ now: () => new Date(at.getTime()) });

function counterIds(prefix = 'jti'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
}

function tokens(clock: Clock = fixedClock(NOW), options: JwtOptions = OPTIONS): FastJwtAccessTokens {
  return new FastJwtAccessTokens(options, clock, counterIds());
}

// ---- hand-made tokens (node:crypto HMAC), to reach the cases the adapter itself never signs ----

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: USER_1, jti: 'hand-1', iat: IAT, exp: IAT + TTL, iss: OPTIONS.issuer, aud: OPTIONS.audience, ...overrides };
}

function handSign(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  { hash = 'sha256', key = SECRET }: { hash?: string; key?: string } = {},
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

const HS256 = { alg: 'HS256', typ: 'at+jwt' };

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

describe('FastJwtAccessTokens', () => {
  describe('stream tokens (another typ and audience, ADR 28)', () => {
    const STREAM: JwtOptions = { ...OPTIONS, audience: `${OPTIONS.audience}#events`, ttlSeconds: 600, typ: 'stream+jwt' };

    it('neither kind verifies as the other, with the same key', () => {
      const access = tokens();
      const stream = tokens(fixedClock(NOW), STREAM);
      const streamToken = stream.issue(USER_42).token;
      expect(decodePart(streamToken, 0)).toMatchObject({ typ: 'stream+jwt' });
      expect(stream.verify(streamToken)).toMatchObject({ userId: USER_42 });
      expect(access.verify(streamToken)).toBeNull();
      expect(stream.verify(access.issue(USER_42).token)).toBeNull();
      // The typ alone tells them apart: an access-typed token for the stream audience is refused too.
      expect(stream.verify(handSign(HS256, claims({ aud: STREAM.audience })))).toBeNull();
    });

    it('never outlives the token that asked for it (notAfter), and otherwise lives its own ttl', () => {
      const stream = tokens(fixedClock(NOW), STREAM);
      const capped = stream.issue(USER_42, new Date(NOW.getTime() + 120_000));
      expect(capped.expiresInSeconds).toBe(120);
      expect(decodePart(capped.token, 1).exp).toBe(IAT + 120);
      expect(stream.issue(USER_42, new Date(NOW.getTime() + 3_600_000)).expiresInSeconds).toBe(600);
    });
  });

  it('issues a token that verifies to the user id, the token id and the expiry', () => {
    const subject = tokens();
    const issued = subject.issue(USER_42);

    expect(issued.expiresInSeconds).toBe(TTL);
    expect(subject.verify(issued.token)).toEqual({
      userId: USER_42,
      tokenId: 'jti-1',
      expiresAt: new Date(NOW.getTime() + TTL * 1000),
    });
  });

  it('signs HS256 with typ at+jwt, and takes iat/exp from the injected clock', () => {
    const { token } = tokens().issue(USER_42);
    expect(decodePart(token, 0)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(decodePart(token, 1)).toEqual({
      sub: USER_42,
      jti: 'jti-1',
      iat: IAT,
      exp: IAT + TTL,
      iss: OPTIONS.issuer,
      aud: OPTIONS.audience,
    });
  });

  it('gives every token its own id', () => {
    const subject = tokens();
    const a = subject.verify(subject.issue(USER_42).token);
    const b = subject.verify(subject.issue(USER_42).token);
    expect(a?.tokenId).not.toBe(b?.tokenId);
  });

  it('returns null for a token issued with the clock far in the past (expired)', () => {
    const issuer = tokens(fixedClock(new Date(NOW.getTime() - 24 * 3_600_000)));
    const { token } = issuer.issue(USER_42);
    expect(issuer.verify(token)).toBeNull();
    expect(tokens().verify(token)).toBeNull();
  });

  it('accepts a correct hand-signed token (so the refusals below are about the one thing changed)', () => {
    expect(tokens().verify(handSign(HS256, claims()))).toEqual({
      userId: USER_1,
      tokenId: 'hand-1',
      expiresAt: new Date((IAT + TTL) * 1000),
    });
  });

  it('returns null for a tampered payload', () => {
    const subject = tokens();
    const [header, , signature] = subject.issue(USER_42).token.split('.');
    const forged = `${header}.${b64url(claims({ sub: 'admin', jti: 'jti-1' }))}.${signature}`;
    expect(subject.verify(forged)).toBeNull();
  });

  it('returns null for a tampered signature', () => {
    const subject = tokens();
    const [header, payload, signature] = subject.issue(USER_42).token.split('.');
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    expect(subject.verify(tampered)).toBeNull();
    expect(subject.verify(`${header}.${payload}.`)).toBeNull();
  });

  it('returns null for a token signed with another secret', () => {
    expect(tokens().verify(handSign(HS256, claims(), { key: randomBytes(32).toString('base64url') }))).toBeNull();
  });

  it('returns null for alg: none', () => {
    const input = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims())}`;
    expect(tokens().verify(`${input}.`)).toBeNull();
    expect(tokens().verify(input)).toBeNull();
  });

  it('returns null for HS512 with the same secret', () => {
    expect(tokens().verify(handSign({ alg: 'HS512', typ: 'at+jwt' }, claims(), { hash: 'sha512' }))).toBeNull();
  });

  it('returns null for an RS256-shaped header (HMAC-signed with the secret: algorithm confusion)', () => {
    expect(tokens().verify(handSign({ alg: 'RS256', typ: 'at+jwt' }, claims()))).toBeNull();
  });

  it('returns null for a wrong issuer', () => {
    expect(tokens().verify(handSign(HS256, claims({ iss: 'https://evil.test' })))).toBeNull();
  });

  it('returns null for a wrong audience', () => {
    expect(tokens().verify(handSign(HS256, claims({ aud: 'another-api' })))).toBeNull();
  });

  it('returns null for a wrong or missing typ', () => {
    expect(tokens().verify(handSign({ alg: 'HS256', typ: 'JWT' }, claims()))).toBeNull();
    expect(tokens().verify(handSign({ alg: 'HS256' }, claims()))).toBeNull();
  });

  it.each(['sub', 'jti', 'exp', 'iat', 'iss', 'aud'])('returns null when the %s claim is missing', (claim) => {
    expect(tokens().verify(handSign(HS256, claims({ [claim]: undefined })))).toBeNull();
  });

  describe('iat', () => {
    it('returns null for a token issued more than 30 s in the future (by the verifier\'s clock)', () => {
      expect(tokens().verify(handSign(HS256, claims({ iat: IAT + 31, exp: IAT + 31 + TTL })))).toBeNull();
      expect(tokens().verify(handSign(HS256, claims({ iat: IAT + 3600, exp: IAT + 3600 + TTL })))).toBeNull();
      // Cached or not, the answer is the same.
      const token = handSign(HS256, claims({ iat: IAT + 3600, exp: IAT + 3600 + TTL }));
      const subject = tokens();
      expect([subject.verify(token), subject.verify(token)]).toEqual([null, null]);
    });

    it('accepts a token issued up to 30 s ahead (clock skew between replicas)', () => {
      expect(tokens().verify(handSign(HS256, claims({ iat: IAT + 30, exp: IAT + 30 + TTL })))?.userId).toBe(USER_1);
    });

    it('the same token becomes valid once the verifier\'s clock has caught up', () => {
      const token = handSign(HS256, claims({ iat: IAT + 120, exp: IAT + 120 + TTL }));
      expect(tokens().verify(token)).toBeNull();
      expect(tokens(fixedClock(new Date(NOW.getTime() + 90_000))).verify(token)?.userId).toBe(USER_1);
    });

    it('returns null for a non-numeric iat', () => {
      expect(tokens().verify(handSign(HS256, claims({ iat: String(IAT) })))).toBeNull();
    });

    it('returns null for a token issued longer ago than its lifetime, whatever its exp says', () => {
      expect(tokens().verify(handSign(HS256, claims({ iat: IAT - TTL - 60, exp: IAT + 3600 })))).toBeNull();
      expect(tokens().verify(handSign(HS256, claims({ iat: IAT - TTL + 60, exp: IAT + 3600 })))?.userId).toBe(USER_1);
    });
  });

  it('returns null for a non-string subject', () => {
    expect(tokens().verify(handSign(HS256, claims({ sub: 42 })))).toBeNull();
  });

  it.each(['not-a-uuid', '', 'admin', `${USER_1}\n`, `${USER_1} `, '019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a0g', '\u0000'])(
    'returns null for a validly signed token whose subject is not a user id: %j',
    (sub) => {
      expect(tokens().verify(handSign(HS256, claims({ sub })))).toBeNull();
      expect(tokens().verify(tokens().issue(sub).token)).toBeNull();
    },
  );

  it('reads a subject in upper case as the same user id (lower case, as storage keeps ids)', () => {
    expect(tokens().verify(handSign(HS256, claims({ sub: USER_1.toUpperCase() })))?.userId).toBe(USER_1);
  });

  it.each(['', 'not-a-jwt', 'a.b.c', `${b64url(HS256)}.${b64url(claims())}`])('returns null for garbage %j', (token) => {
    expect(tokens().verify(token)).toBeNull();
  });

  it('refuses a secret shorter than 32 bytes at construction', () => {
    expect(() => tokens(fixedClock(NOW), { ...OPTIONS, secret: 'x'.repeat(31) })).toThrow(/256 bits/);
    expect(() => tokens(fixedClock(NOW), { ...OPTIONS, secret: '' })).toThrow(/256 bits/);
    expect(() => tokens(fixedClock(NOW), { ...OPTIONS, secret: 'x'.repeat(32) })).not.toThrow();
  });
});

describe('loadOrCreateJwtSecret', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ln-jwt-secret-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a 0600 file (and its folder) on the first call and returns the same value on the second', () => {
    const dataDir = path.join(root, 'data');
    const first = loadOrCreateJwtSecret(dataDir);

    const file = path.join(dataDir, 'jwt-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);

    expect(loadOrCreateJwtSecret(dataDir)).toBe(first);
    // It is usable as the signing key.
    const subject = tokens(fixedClock(NOW), { ...OPTIONS, secret: first });
    expect(subject.verify(subject.issue(USER_42).token)?.userId).toBe(USER_42);
  });

  it('gives another data folder another secret', () => {
    expect(loadOrCreateJwtSecret(path.join(root, 'a'))).not.toBe(loadOrCreateJwtSecret(path.join(root, 'b')));
  });

  it('keeps an existing secret file as it is', () => {
    const kept = randomBytes(48).toString('base64url');
    writeFileSync(path.join(root, 'jwt-secret'), `${kept}\n`, { mode: 0o600 });
    expect(loadOrCreateJwtSecret(root)).toBe(kept);
  });

  // BUG (libs/adapters/src/security/jwt-secret.file.ts): a file shorter than 43 characters skips the
  // early return, but writeFileSync(..., { flag: 'wx' }) then fails with EEXIST and the EEXIST branch
  // returns that same short content, so the length check never takes effect. An empty file yields ''
  // and embedded mode fails to start ('JWT secret must be at least 256 bits') instead of replacing it.
  it('replaces an empty or truncated secret file with a full-length secret', () => {
    writeFileSync(path.join(root, 'jwt-secret'), '', { mode: 0o600 });
    expect(loadOrCreateJwtSecret(root)).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  });
});
