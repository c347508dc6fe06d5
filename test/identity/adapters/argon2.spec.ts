import { Argon2PasswordHasher, ARGON2_OWASP_MINIMUM } from '@ln/identity/adapters/security/argon2-password-hasher.adapter';

describe('Argon2PasswordHasher', () => {
  const hasher = new Argon2PasswordHasher();
  let encoded: string;

  beforeAll(async () => {
    encoded = await hasher.hash('correct horse battery staple');
  });

  it('encodes argon2id v19 with OWASP’s minimum parameters (19 MiB, t=2, p=1) and a salt', async () => {
    expect(encoded.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22,}\$[A-Za-z0-9+/]{43,}$/);
    // A fresh salt every time.
    await expect(hasher.hash('correct horse battery staple')).resolves.not.toBe(encoded);
  });

  it('verifies the right password', async () => {
    await expect(hasher.verify(encoded, 'correct horse battery staple')).resolves.toBe(true);
  });

  it('refuses a wrong password', async () => {
    await expect(hasher.verify(encoded, 'Correct horse battery staple')).resolves.toBe(false);
    await expect(hasher.verify(encoded, '')).resolves.toBe(false);
  });

  it.each([
    ['an empty string', ''],
    ['garbage', 'not-a-hash'],
    ['a truncated hash', () => encoded.slice(0, 40)],
    ['a hash with a broken parameter block', () => encoded.replace('m=19456', 'm=banana')],
    ['a bcrypt hash', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'],
  ])('returns false (does not throw) for %s', async (_label, corrupt) => {
    const value = typeof corrupt === 'function' ? corrupt() : corrupt;
    await expect(hasher.verify(value, 'correct horse battery staple')).resolves.toBe(false);
  });

  it('burn resolves, with or without a prior hash, for any password', async () => {
    const fresh = new Argon2PasswordHasher();
    await expect(fresh.burn('whatever')).resolves.toBeUndefined();
    await expect(fresh.burn('')).resolves.toBeUndefined();
    await expect(Promise.all([fresh.burn('a'), fresh.burn('b')])).resolves.toEqual([undefined, undefined]);
  });

  it('accepts OWASP’s minimum and anything stronger', () => {
    expect(() => new Argon2PasswordHasher({ ...ARGON2_OWASP_MINIMUM })).not.toThrow();
    expect(() => new Argon2PasswordHasher({ memoryCost: 47104, timeCost: 3, parallelism: 2 })).not.toThrow();
  });

  it.each([
    ['memory below 19 MiB', { memoryCost: 19455, timeCost: 2, parallelism: 1 }],
    ['a single pass', { memoryCost: 19456, timeCost: 1, parallelism: 1 }],
    ['both too low', { memoryCost: 4096, timeCost: 1, parallelism: 1 }],
  ])('refuses parameters below OWASP’s minimum: %s', (_label, params) => {
    expect(() => new Argon2PasswordHasher(params)).toThrow(/OWASP minimum/);
  });

  // BUG (libs/adapters/src/security/argon2-password-hasher.adapter.ts): the constructor checks only
  // memoryCost and timeCost with `<`, so parallelism 0 (below OWASP's p=1) and NaN values (which
  // compare false) are accepted; the failure surfaces later, on the first hash() ('Too few lanes',
  // 'Memory cost is too small'), i.e. on a user's registration instead of at startup.
  it('refuses parallelism below 1 and non-numeric parameters at construction', () => {
    expect(() => new Argon2PasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 0 })).toThrow();
    expect(() => new Argon2PasswordHasher({ memoryCost: Number.NaN, timeCost: 2, parallelism: 1 })).toThrow();
  });
});
