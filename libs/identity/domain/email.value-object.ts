import { domainToUnicode } from 'node:url';
import { InvalidValue } from '@ln/kernel/domain/domain-error.base';

const MAX_LENGTH = 254;
// Deliberately permissive (RFC 5322 is not a good validator); the mailbox proves itself on use.
const SHAPE = /^[^\s@\u0000]+@[^\s@\u0000]+\.[^\s@\u0000]+$/;
/**
 * Characters no address of ours may hold: controls, format characters (zero-width joiners, bidi
 * overrides, soft hyphen), other invisible ones, private-use, unassigned and lone surrogates, and
 * every kind of space or line separator. They make two addresses look the same that are not.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Z}\p{Default_Ignorable_Code_Point}]/u;
/**
 * Scripts whose letters pass for Latin ones (Cyrillic `а`, Greek `ο`, Armenian `օ`, Cherokee `Ꭺ`).
 * A local part or a domain label may use letters of at most one of them (a subset of UTS #39's
 * "highly restrictive" level; Latin beside Han, Arabic and the like is allowed).
 */
const LOOKALIKE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Greek}/u, /\p{Script=Cyrillic}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u];
const LETTERS = /\p{L}/gu;

function invalid(message: string): InvalidValue {
  return new InvalidValue('invalid_email', 'email', message);
}

function mixesLookalikeScripts(label: string): boolean {
  const letters = label.match(LETTERS) ?? [];
  let scripts = 0;
  for (const script of LOOKALIKE_SCRIPTS) if (letters.some((letter) => script.test(letter))) scripts += 1;
  return scripts > 1;
}

/**
 * An account's email address, in one canonical spelling so that one mailbox is one account:
 * trimmed, Unicode NFC, lower case, and the domain in its Unicode form (UTS #46 mapping, so
 * `xn--bcher-kva.example` and `Bücher.example` are the same domain). `parse` (registration)
 * also refuses invisible characters, compatibility characters (full-width letters, ligatures,
 * mathematical letters: NFKC would change them) and labels that mix look-alike scripts.
 * docs/security.md, ADR 20.
 */
export class Email {
  private constructor(readonly value: string) {}

  /**
   * The canonical spelling of whatever was typed, without judging it: what a login looks up.
   * For an address `parse` accepts, `parse(raw).value === canonical(raw)`.
   */
  static canonical(raw: string): string {
    // Lower-casing can leave a sequence NFC would compose differently (rare), hence NFC again.
    const value = raw.trim().normalize('NFC').toLowerCase().normalize('NFC');
    const at = value.lastIndexOf('@');
    if (at <= 0 || at === value.length - 1) return value;
    // Empty when the domain is not one UTS #46 accepts; the address is then kept as typed (and `parse` refuses it).
    const domain = domainToUnicode(value.slice(at + 1));
    return domain ? `${value.slice(0, at)}@${domain}` : value;
  }

  static parse(raw: string): Email {
    const trimmed = raw.trim();
    if (INVISIBLE.test(trimmed)) throw invalid('must not contain spaces, control, format or other invisible characters');
    if (trimmed.normalize('NFKC') !== trimmed.normalize('NFC')) {
      throw invalid('must not contain compatibility characters (full-width or mathematical letters, ligatures and the like)');
    }
    const value = Email.canonical(trimmed);
    if (value.length === 0 || value.length > MAX_LENGTH || !SHAPE.test(value)) {
      throw invalid('must be an email address of at most 254 characters');
    }
    const at = value.lastIndexOf('@');
    const local = value.slice(0, at);
    const domain = value.slice(at + 1);
    if (!domainToUnicode(domain)) throw invalid('the domain is not a valid domain name');
    if ([local, ...domain.split('.')].some(mixesLookalikeScripts)) {
      throw invalid('a part of the address mixes letters of look-alike scripts (Latin, Greek, Cyrillic, ...)');
    }
    return new Email(value);
  }

  /** The part before the last `@`. */
  get localPart(): string {
    return this.value.slice(0, this.value.lastIndexOf('@'));
  }

  equals(other: Email): boolean {
    return other.value === this.value;
  }
}
