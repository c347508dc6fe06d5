export const COMMON_PASSWORDS = Symbol('CommonPasswords');

/** A list of the passwords people use most (and attackers try first). */
export interface CommonPasswords {
  /** `folded`: the password in NFKC, lower case, without whitespace (as `Password.choose` passes it). */
  has(folded: string): boolean;
}
