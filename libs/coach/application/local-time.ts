/** The owner's calendar: instants to local days and hours and back (Intl only). */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timezone: string): Intl.DateTimeFormat {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timezone, f);
  }
  return f;
}

function parts(at: Date, timezone: string): { day: string; hour: number; minute: number } {
  const p = format(timezone).formatToParts(at);
  const part = (type: string) => p.find((x) => x.type === type)?.value ?? '';
  return { day: `${part('year')}-${part('month')}-${part('day')}`, hour: Number(part('hour')) % 24, minute: Number(part('minute')) };
}

/** The owner's local day (YYYY-MM-DD) and hour (0-23) of an instant. */
export function localDayAndHour(instant: string | Date, timezone: string): { day: string; hour: number } {
  const { day, hour } = parts(new Date(instant), timezone);
  return { day, hour };
}

/** Minutes the zone is ahead of UTC at an instant. */
function offsetMinutes(at: Date, timezone: string): number {
  const { day, hour, minute } = parts(at, timezone);
  const asUtc = Date.parse(`${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * The instant a local day and hour names in the zone, as RFC 3339 with the zone's offset
 * (`2026-12-07T09:00:00+09:00`). An hour a DST change skips is moved forward by the gap.
 */
export function localInstant(day: string, hour: number, timezone: string): string {
  const wall = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
  let offset = offsetMinutes(new Date(wall), timezone);
  offset = offsetMinutes(new Date(wall - offset * 60_000), timezone);
  const at = new Date(wall - offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const local = new Date(at.getTime() + offset * 60_000).toISOString().slice(0, 19);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
