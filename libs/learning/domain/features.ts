/** How the learning context groups a task's facts. Buckets are coarse on purpose: each needs samples. */

export const SIZE_BUCKETS = ['le15', 'le30', 'le60', 'le90', 'le120', 'gt120'] as const;
export type SizeBucket = (typeof SIZE_BUCKETS)[number];

export function sizeBucket(estimateMinutes: number | null): SizeBucket | null {
  if (estimateMinutes === null) return null;
  if (estimateMinutes <= 15) return 'le15';
  if (estimateMinutes <= 30) return 'le30';
  if (estimateMinutes <= 60) return 'le60';
  if (estimateMinutes <= 90) return 'le90';
  if (estimateMinutes <= 120) return 'le120';
  return 'gt120';
}

/** Where the size buckets meet (minutes): bucket i holds estimates over SIZE_EDGES[i - 1] up to SIZE_EDGES[i]. */
export const SIZE_EDGES = [15, 30, 60, 90, 120] as const;

export const SIZE_LABELS: Record<SizeBucket, string> = {
  le15: '15 min or less',
  le30: '16-30 min',
  le60: '31-60 min',
  le90: '61-90 min',
  le120: '91-120 min',
  gt120: 'over 120 min',
};

/** Parts of the day a pattern is stated for (hours are reported one by one, patterns by part). */
export const DAY_PARTS = ['night', 'morning', 'afternoon', 'evening'] as const;
export type DayPart = (typeof DAY_PARTS)[number];

export function dayPartOf(hour: number): DayPart {
  if (hour < 5 || hour >= 21) return 'night';
  if (hour < 12) return 'morning';
  if (hour < 17) return 'afternoon';
  return 'evening';
}

/** An hour counted from 05:00 (0-4 become 24-28): the night after midnight is later than the evening. */
export function lateHour(hour: number): number {
  return hour < 5 ? hour + 24 : hour;
}

export const DAY_PART_LABELS: Record<DayPart, string> = {
  night: 'after 21:00 or before 05:00',
  morning: '05:00-12:00',
  afternoon: '12:00-17:00',
  evening: '17:00-21:00',
};

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export function deferralsBucket(deferrals: number): string {
  return deferrals >= 3 ? '3+' : String(deferrals);
}

/** A day's load: how many tasks were scheduled on it. */
export function loadBucket(scheduled: number): string {
  if (scheduled <= 2) return '1-2';
  if (scheduled <= 4) return '3-4';
  if (scheduled <= 6) return '5-6';
  return '7+';
}
