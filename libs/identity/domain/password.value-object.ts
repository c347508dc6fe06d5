import { InvalidValue } from '@ln/kernel/domain/domain-error.base';
import type { Email } from './email.value-object';

/** Fewer characters than this (leading and trailing spaces not counted) is too short. */
export const MIN_PASSWORD_CHARACTERS = 8;
/** A local part shorter than this (`ada@`) is too common a substring to forbid inside a password. */
const MIN_LOCAL_PART_TO_CHECK = 4;
const WHITESPACE = /\s+/gu;

function weak(message: string): InvalidValue {
  return new InvalidValue('weak_password', 'password', message);
}

/** How a password is compared with the list and the address: compatibility forms folded, lower case, spaces dropped. */
function folded(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(WHITESPACE, '');
}

/**
 * A password a user has chosen, checked as OWASP ASVS 2.1 and NIST SP 800-63B ask: long enough
 * once leading and trailing spaces are set aside (so eight spaces are not a password), not the
 * account's own address or its local part, and not on a list of the most common passwords. No
 * composition rules. The value is what gets hashed, unchanged: existing hashes keep working.
 * The list comes from outside the domain (`isCommon`); it is given the folded password.
 */
export class Password {
  private constructor(readonly value: string) {}

  static choose(raw: string, email: Email, isCommon: (folded: string) => boolean): Password {
    if ([...raw.trim()].length < MIN_PASSWORD_CHARACTERS) {
      throw weak(`must have at least ${MIN_PASSWORD_CHARACTERS} characters besides leading and trailing spaces`);
    }
    const candidate = folded(raw);
    const address = folded(email.value);
    const local = folded(email.localPart);
    if (candidate.includes(address) || candidate === local || ([...local].length >= MIN_LOCAL_PART_TO_CHECK && candidate.includes(local))) {
      throw weak('must not be or contain your email address');
    }
    if (isCommon(candidate)) throw weak('is one of the most commonly used passwords; choose another');
    return new Password(raw);
  }
}
