import { DAY_PARTS, DAY_PART_LABELS, SIZE_BUCKETS, SIZE_EDGES, SIZE_LABELS, WEEKDAYS, dayPartOf, deferralsBucket, lateHour, loadBucket, sizeBucket } from './features';

describe('size buckets', () => {
  it('lists the buckets, their edges and labels in size order', () => {
    expect(SIZE_BUCKETS).toEqual(['le15', 'le30', 'le60', 'le90', 'le120', 'gt120']);
    expect(SIZE_EDGES).toEqual([15, 30, 60, 90, 120]);
    expect(SIZE_LABELS).toEqual({ le15: '15 min or less', le30: '16-30 min', le60: '31-60 min', le90: '61-90 min', le120: '91-120 min', gt120: 'over 120 min' });
  });

  it('no estimate: no bucket', () => {
    expect(sizeBucket(null)).toBeNull();
  });

  it.each([
    [0, 'le15'],
    [1, 'le15'],
    [15, 'le15'],
    [15.5, 'le30'],
    [16, 'le30'],
    [30, 'le30'],
    [31, 'le60'],
    [60, 'le60'],
    [61, 'le90'],
    [90, 'le90'],
    [91, 'le120'],
    [120, 'le120'],
    [121, 'gt120'],
    [600, 'gt120'],
  ])('%p min is %p', (minutes, bucket) => {
    expect(sizeBucket(minutes)).toBe(bucket);
  });

  it('each edge is the last estimate of its bucket; one more is in the next', () => {
    SIZE_EDGES.forEach((edge, i) => {
      expect(sizeBucket(edge)).toBe(SIZE_BUCKETS[i]);
      expect(sizeBucket(edge + 1)).toBe(SIZE_BUCKETS[i + 1]);
    });
  });
});

describe('parts of the day', () => {
  it('lists the parts and their labels', () => {
    expect(DAY_PARTS).toEqual(['night', 'morning', 'afternoon', 'evening']);
    expect(DAY_PART_LABELS).toEqual({ night: 'after 21:00 or before 05:00', morning: '05:00-12:00', afternoon: '12:00-17:00', evening: '17:00-21:00' });
  });

  it('puts every hour in its part (edges: 5, 12, 17, 21)', () => {
    const parts = Array.from({ length: 24 }, (_, h) => dayPartOf(h));
    expect(parts).toEqual([
      ...Array<string>(5).fill('night'), // 0-4
      ...Array<string>(7).fill('morning'), // 5-11
      ...Array<string>(5).fill('afternoon'), // 12-16
      ...Array<string>(4).fill('evening'), // 17-20
      ...Array<string>(3).fill('night'), // 21-23
    ]);
  });
});

describe('lateHour', () => {
  it('counts from 05:00: 0-4 become 24-28, 5-23 stay', () => {
    expect(Array.from({ length: 24 }, (_, h) => lateHour(h))).toEqual([24, 25, 26, 27, 28, ...Array.from({ length: 19 }, (_, i) => 5 + i)]);
  });
});

describe('weekdays, postponements, load', () => {
  it('names the weekdays from Monday', () => {
    expect(WEEKDAYS).toEqual(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
  });

  it('groups postponements 0, 1, 2, 3+', () => {
    expect([0, 1, 2, 3, 4, 10].map(deferralsBucket)).toEqual(['0', '1', '2', '3+', '3+', '3+']);
  });

  it("groups a day's load 1-2, 3-4, 5-6, 7+", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map(loadBucket)).toEqual(['1-2', '1-2', '1-2', '3-4', '3-4', '5-6', '5-6', '7+', '7+', '7+']);
  });
});
