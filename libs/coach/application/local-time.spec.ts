import { localDayAndHour, localInstant } from './local-time';

describe("the owner's calendar", () => {
  it('names a local day and hour as an instant with the zone offset', () => {
    expect(localInstant('2026-12-07', 9, 'Asia/Seoul')).toBe('2026-12-07T09:00:00+09:00');
    expect(localInstant('2026-07-01', 23, 'America/New_York')).toBe('2026-07-01T23:00:00-04:00');
    expect(localInstant('2026-12-07', 0, 'UTC')).toBe('2026-12-07T00:00:00+00:00');
    expect(localInstant('2026-12-07', 9, 'Asia/Kolkata')).toBe('2026-12-07T09:00:00+05:30');
  });

  it('an hour a DST change skips moves forward; the instant maps back to the same local day', () => {
    const skipped = localInstant('2026-03-29', 2, 'Europe/Berlin');
    expect(Date.parse(skipped)).toBe(Date.parse('2026-03-29T01:00:00Z'));
    expect(localDayAndHour(localInstant('2026-10-25', 12, 'Europe/Berlin'), 'Europe/Berlin')).toEqual({ day: '2026-10-25', hour: 12 });
  });

  it('reads an instant in the zone', () => {
    expect(localDayAndHour('2026-12-07T00:00:00Z', 'Asia/Seoul')).toEqual({ day: '2026-12-07', hour: 9 });
    expect(localDayAndHour('2026-12-07T03:00:00Z', 'America/Los_Angeles')).toEqual({ day: '2026-12-06', hour: 19 });
  });
});
