import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../../application/ports/password-hasher.port';

/** OWASP's minimum for argon2id (2024 cheat sheet): 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OWASP_MINIMUM = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class Argon2PasswordHasher implements PasswordHasher {
  private decoy: Promise<string> | undefined;

  constructor(private readonly params: { memoryCost: number; timeCost: number; parallelism: number } = ARGON2_OWASP_MINIMUM) {
    const atLeast = (v: number, min: number) => Number.isInteger(v) && v >= min;
    if (!atLeast(params.memoryCost, ARGON2_OWASP_MINIMUM.memoryCost) || !atLeast(params.timeCost, ARGON2_OWASP_MINIMUM.timeCost) || !atLeast(params.parallelism, 1)) {
      throw new Error('argon2 parameters below the OWASP minimum (or not whole numbers)');
    }
  }

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: Algorithm.Argon2id, ...this.params });
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    try {
      return await verify(encoded, password);
    } catch {
      // A corrupt stored hash is a failed login, not a crash.
      return false;
    }
  }

  async burn(password: string): Promise<void> {
    this.decoy ??= this.hash('decoy password that matches nothing');
    await this.verify(await this.decoy, password);
  }
}
