import { dictionary } from '@zxcvbn-ts/language-common';
import type { CommonPasswords } from '../../application/ports/common-passwords.port';

/**
 * The most common passwords of zxcvbn-ts's common dictionary (@zxcvbn-ts/language-common, MIT,
 * pinned: about 49,000 passwords from breach corpora, ranked by frequency, lower case). Only the
 * entries a registration could choose are kept (at least `minLength` characters): about 18,000 at
 * the default 8, a set of a few MB built once per process.
 */
export class ZxcvbnCommonPasswords implements CommonPasswords {
  private readonly passwords: ReadonlySet<string>;

  constructor(minLength = 8) {
    const list: readonly string[] = dictionary['passwords-common'] ?? [];
    if (list.length < 10_000) throw new Error(`the common-password list has ${list.length} entries; expected tens of thousands`);
    this.passwords = new Set(list.filter((p) => [...p].length >= minLength));
  }

  get size(): number {
    return this.passwords.size;
  }

  has(folded: string): boolean {
    return this.passwords.has(folded);
  }
}
