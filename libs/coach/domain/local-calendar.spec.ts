import { addDays, daysBetween, isLocalDay, weekdayOf } from './local-calendar';

describe('local calendar', () => {
  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-12-05', 1)).toBe('2026-12-06');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-05', 0)).toBe('2026-12-05');
  });

  it('counts days between two days', () => {
    expect(daysBetween('2026-12-05', '2026-12-19')).toBe(14);
    expect(daysBetween('2026-12-19', '2026-12-05')).toBe(-14);
    expect(daysBetween('2024-02-01', '2024-03-01')).toBe(29);
  });

  it('numbers weekdays from Monday (0) to Sunday (6)', () => {
    expect(weekdayOf('2026-12-07')).toBe(0); // a Monday
    expect(weekdayOf('2026-12-11')).toBe(4); // a Friday
    expect(weekdayOf('2026-12-05')).toBe(5); // a Saturday
    expect(weekdayOf('2026-12-06')).toBe(6); // a Sunday
    expect(weekdayOf('1969-12-29')).toBe(0); // before the epoch, a Monday
  });

  it('accepts real calendar days only', () => {
    expect(isLocalDay('2024-02-29')).toBe(true);
    expect(isLocalDay('2025-02-29')).toBe(false);
    expect(isLocalDay('2026-13-01')).toBe(false);
    expect(isLocalDay('2026-1-01')).toBe(false);
    expect(isLocalDay('2026-12-05T10:00')).toBe(false);
    expect(() => addDays('not a day', 1)).toThrow(RangeError);
  });

  it('accepts nothing around a day', () => {
    expect(isLocalDay('x2026-12-05')).toBe(false);
    expect(isLocalDay('12026-12-05')).toBe(false);
    expect(isLocalDay('2026-12-05 ')).toBe(false);
  });

  it('accepts no year before 100 (the calendar arithmetic would read 0050 as 1950)', () => {
    expect(isLocalDay('0050-01-01')).toBe(false);
    expect(isLocalDay('0100-01-01')).toBe(true);
  });

  it('refuses arithmetic on a day that is written right but does not exist, and names it', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(new RangeError('not a local day (YYYY-MM-DD): 2026-02-30'));
    expect(() => daysBetween('2026-02-28', '2026-02-30')).toThrow(RangeError);
    expect(() => weekdayOf('2026-04-31')).toThrow(RangeError);
  });
});
