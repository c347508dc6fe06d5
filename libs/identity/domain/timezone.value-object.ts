import { InvalidValue } from '@ln/kernel/domain/domain-error.base';

/** An IANA time zone name the runtime knows (Intl is part of the language, not a framework). */
export class TimeZone {
  static readonly UTC = new TimeZone('UTC');

  private constructor(readonly value: string) {}

  static parse(raw: string): TimeZone {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 64) {
      throw new InvalidValue('invalid_timezone', 'timezone', 'must be an IANA time zone name');
    }
    try {
      // Rejects unknown zones with a RangeError. The runtime may resolve a valid name to an older
      // alias (America/Argentina/Buenos_Aires -> America/Buenos_Aires); keep the user's name then,
      // and take the runtime's spelling only to fix letter case.
      const resolved = new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
      return new TimeZone(resolved.toLowerCase() === raw.toLowerCase() ? resolved : raw);
    } catch {
      throw new InvalidValue('invalid_timezone', 'timezone', `unknown IANA time zone: ${raw}`);
    }
  }
}
