export const PASSWORD_HASHER = Symbol('PasswordHasher');
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Costs the same as a failed verify; used so an unknown email takes as long as a wrong password. */
  burn(password: string): Promise<void>;
}
