import { InvalidValue } from '@ln/kernel/domain/domain-error.base';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 with a mandatory offset: a time without a zone means nothing to a server.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

function inBounds(year: number): boolean {
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

/**
 * When a task is planned: a whole day (`2026-11-27`) or a moment (`2026-11-27T09:00:00Z`).
 * A day is the user's local day; a moment also knows the local day it falls on (in the zone
 * the user had when planning), so "what is on my list for Thursday" has one answer.
 */
export class Schedule {
  private constructor(
    /** Local date, YYYY-MM-DD. */
    readonly date: string,
    /** The moment, when one was given (ISO 8601, UTC). */
    readonly at: string | null,
  ) {}

  static parse(raw: string, timezone: string, field = 'scheduledFor'): Schedule {
    if (typeof raw !== 'string') throw new InvalidValue('invalid_schedule', field, 'must be a date or a date-time');
    const d = DATE.exec(raw);
    if (d) {
      const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
      const probe = new Date(Date.UTC(y, m - 1, day));
      if (!inBounds(y) || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== day) {
        throw new InvalidValue('invalid_schedule', field, `must be a real date between ${MIN_YEAR} and ${MAX_YEAR}`);
      }
      return new Schedule(raw, null);
    }
    const at = parseMoment(raw, field);
    return new Schedule(localDate(at, timezone), at.toISOString());
  }

  static restore(date: string, at: string | null): Schedule {
    return new Schedule(date, at);
  }

  /** What clients see: the date alone, or the moment. */
  toString(): string {
    return this.at ?? this.date;
  }

  /**
   * Ordering in the user's own calendar, as one string that sorts bytewise: the local day first,
   * then on that day the whole day before any moment, moments in time order. (Ordering a day as
   * UTC midnight would be wrong on either side of UTC.) Storage sorts on this same key.
   */
  sortKey(): string {
    return Schedule.sortKeyOf(this.date, this.at);
  }

  static sortKeyOf(date: string, at: string | null): string {
    return `${date}|${at ?? ''}`;
  }

  isLaterThan(other: Schedule): boolean {
    return this.sortKey() > other.sortKey();
  }

  equals(other: Schedule | null): boolean {
    return other !== null && other.date === this.date && other.at === this.at;
  }
}

export function parseMoment(raw: string, field: string): Date {
  const at = typeof raw === 'string' && DATE_TIME.test(raw) && realDate(raw.slice(0, 10)) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || !inBounds(at.getUTCFullYear())) {
    throw new InvalidValue('invalid_date_time', field, `must be an RFC 3339 date-time with an offset, between ${MIN_YEAR} and ${MAX_YEAR}`);
  }
  return at;
}

/** JavaScript would roll 2026-02-30 over to March; a calendar does not. */
function realDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number);
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

function localDate(at: Date, timezone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
