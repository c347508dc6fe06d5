/**
 * Day arithmetic on the owner's local calendar (`YYYY-MM-DD`). Everything the coach handles is
 * already in the owner's timezone, so a day is a plain calendar date: UTC math, no timezones.
 */

const DAY_MS = 86_400_000;
const LOCAL_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `day` is a real calendar day written `YYYY-MM-DD`. */
export function isLocalDay(day: string): boolean {
  const m = LOCAL_DAY.exec(day);
  if (!m) return false;
  const [year, month, date] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, date));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === date;
}

function epochDay(day: string): number {
  const m = LOCAL_DAY.exec(day);
  if (!m || !isLocalDay(day)) throw new RangeError(`not a local day (YYYY-MM-DD): ${day}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

function fromEpochDay(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The day `days` after `day` (before it when negative). */
export function addDays(day: string, days: number): string {
  return fromEpochDay(epochDay(day) + days);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

/** 0 = Monday ... 6 = Sunday. */
export function weekdayOf(day: string): number {
  // 1970-01-01 (epoch day 0) was a Thursday (3 counted from Monday).
  return (((epochDay(day) + 3) % 7) + 7) % 7;
}

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
