import { localDayAndHour, weekdayOf } from './local-time';

describe('localDayAndHour', () => {
  it('is the day and hour in UTC for UTC', () => {
    expect(localDayAndHour('2026-03-02T09:30:00Z', 'UTC')).toEqual({ day: '2026-03-02', hour: 9 });
    expect(localDayAndHour('2026-03-02T23:59:59Z', 'UTC')).toEqual({ day: '2026-03-02', hour: 23 });
  });

  it('midnight is hour 0 of the new day (not 24 of the old one)', () => {
    expect(localDayAndHour('2026-03-03T00:00:00Z', 'UTC')).toEqual({ day: '2026-03-03', hour: 0 });
    expect(localDayAndHour('2026-03-02T23:30:00Z', 'Europe/Berlin')).toEqual({ day: '2026-03-03', hour: 0 });
  });

  it('moves the day across midnight in either direction', () => {
    // UTC+1 in winter: the next day.
    expect(localDayAndHour('2026-12-31T23:15:00Z', 'Europe/Berlin')).toEqual({ day: '2027-01-01', hour: 0 });
    // UTC-5 in winter: the previous day (and month).
    expect(localDayAndHour('2026-03-01T03:00:00Z', 'America/New_York')).toEqual({ day: '2026-02-28', hour: 22 });
    // UTC+14: already the next day.
    expect(localDayAndHour('2026-03-02T10:00:00Z', 'Pacific/Kiritimati')).toEqual({ day: '2026-03-03', hour: 0 });
  });

  it('follows DST: Berlin skips 02:00 on 2026-03-29 and repeats 02:00 on 2026-10-25', () => {
    expect(localDayAndHour('2026-03-29T00:59:00Z', 'Europe/Berlin')).toEqual({ day: '2026-03-29', hour: 1 });
    expect(localDayAndHour('2026-03-29T01:00:00Z', 'Europe/Berlin')).toEqual({ day: '2026-03-29', hour: 3 });
    expect(localDayAndHour('2026-10-25T00:30:00Z', 'Europe/Berlin')).toEqual({ day: '2026-10-25', hour: 2 });
    expect(localDayAndHour('2026-10-25T01:30:00Z', 'Europe/Berlin')).toEqual({ day: '2026-10-25', hour: 2 });
    expect(localDayAndHour('2026-10-25T02:30:00Z', 'Europe/Berlin')).toEqual({ day: '2026-10-25', hour: 3 });
  });

  it('follows DST in New York (2026-03-08): 06:59Z is 01:59 EST, 07:00Z is 03:00 EDT', () => {
    expect(localDayAndHour('2026-03-08T06:59:00Z', 'America/New_York')).toEqual({ day: '2026-03-08', hour: 1 });
    expect(localDayAndHour('2026-03-08T07:00:00Z', 'America/New_York')).toEqual({ day: '2026-03-08', hour: 3 });
  });

  it('keeps timezones apart when called for several in turn', () => {
    const instant = '2026-06-15T12:00:00Z';
    expect(localDayAndHour(instant, 'Asia/Tokyo')).toEqual({ day: '2026-06-15', hour: 21 });
    expect(localDayAndHour(instant, 'America/Los_Angeles')).toEqual({ day: '2026-06-15', hour: 5 });
    expect(localDayAndHour(instant, 'Asia/Tokyo')).toEqual({ day: '2026-06-15', hour: 21 });
    expect(localDayAndHour(instant, 'Asia/Kolkata')).toEqual({ day: '2026-06-15', hour: 17 });
  });

  it('gives every hour of a UTC day', () => {
    const hours = Array.from({ length: 24 }, (_, h) => localDayAndHour(`2026-03-02T${String(h).padStart(2, '0')}:10:00Z`, 'UTC').hour);
    expect(hours).toEqual(Array.from({ length: 24 }, (_, h) => h));
  });
});

describe('weekdayOf', () => {
  it('is 0 for Monday through 6 for Sunday', () => {
    // 2026-03-02 is a Monday.
    expect(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08'].map(weekdayOf)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(weekdayOf('2026-03-09')).toBe(0);
    expect(weekdayOf('2024-02-29')).toBe(3); // a Thursday
  });
});
