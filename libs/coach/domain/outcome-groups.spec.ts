import type { Counts } from './coaching.types';
import { THRESHOLDS } from './coaching.fixtures';
import {
  type Split,
  deferralSplits,
  dayPartHours,
  hourSplits,
  lateHour,
  loadSplits,
  prioritySplits,
  sizeBucketIndex,
  sizeSplits,
  strongestFinding,
  weekdaySplits,
} from './outcome-groups';

const C: Counts = { done: 1, failed: 1 };

/** Clock hours `from`..`to` inclusive, across midnight when `to < from`, as the keys of a group (ascending 0..23). */
function clockHours(from: number, to: number): string[] {
  const hours: number[] = [];
  for (let h = from; ; h = (h + 1) % 24) {
    hours.push(h);
    if (h === to) break;
  }
  return hours.sort((a, b) => a - b).map(String);
}

const ALL_HOURS = Array.from({ length: 24 }, (_, h) => String(h));

/** Every hour split is a partition of the day: the rest is every other hour, in order. */
function expectPartitions(splits: readonly Split[]): void {
  for (const s of splits) expect(s.restKeys).toEqual(ALL_HOURS.filter((h) => !s.groupKeys.includes(h)));
}

describe('sizeBucketIndex: the estimate bucket', () => {
  it.each([
    [0, 0],
    [15, 0],
    [16, 1],
    [30, 1],
    [31, 2],
    [60, 2],
    [90, 3],
    [120, 4],
    [121, 5],
    [600, 5],
  ])('puts %p min in bucket %p (an edge belongs to the smaller bucket)', (minutes, index) => {
    expect(sizeBucketIndex(minutes)).toBe(index);
  });

  it('splits a task over the last edge from every edge down', () => {
    expect(sizeSplits(121).map((s) => s.groupLabel)).toEqual(['tasks over 120 min', 'tasks over 90 min', 'tasks over 60 min', 'tasks over 30 min', 'tasks over 15 min']);
    expect(sizeSplits(121)[0]!.groupKeys).toEqual(['gt120']);
    expect(sizeSplits(15)).toEqual([]);
  });
});

describe('lateHour: hours counted from 05:00', () => {
  it.each([
    [0, 24],
    [4, 28],
    [5, 5],
    [6, 6],
    [23, 23],
  ])('counts %p:00 as %p', (hour, late) => {
    expect(lateHour(hour)).toBe(late);
  });
});

describe('hourSplits: the ranges of hours holding the task', () => {
  it('offers the tails, the heads and the afternoon for a 14:00 task', () => {
    const splits = hourSplits(14);
    expect(splits.map((s) => s.groupLabel)).toEqual([
      'tasks at 06:00 or later',
      'tasks at 07:00 or later',
      'tasks at 08:00 or later',
      'tasks at 09:00 or later',
      'tasks at 10:00 or later',
      'tasks at 11:00 or later',
      'tasks at 12:00 or later',
      'tasks at 13:00 or later',
      'tasks at 14:00 or later',
      'tasks 05:00-14:59',
      'tasks 05:00-15:59',
      'tasks 05:00-16:59',
      'tasks 05:00-17:59',
      'tasks 05:00-18:59',
      'tasks 05:00-19:59',
      'tasks 05:00-20:59',
      'tasks 05:00-21:59',
      'tasks 05:00-22:59',
      'tasks 05:00-23:59',
      'tasks 05:00-00:59',
      'tasks 05:00-01:59',
      'tasks 05:00-02:59',
      'tasks 05:00-03:59',
      'tasks in the afternoon (12:00-16:59)',
    ]);
    expect(splits.map((s) => s.restLabel)).toEqual([
      '05:00-05:59',
      '05:00-06:59',
      '05:00-07:59',
      '05:00-08:59',
      '05:00-09:59',
      '05:00-10:59',
      '05:00-11:59',
      '05:00-12:59',
      '05:00-13:59',
      'at 15:00 or later',
      'at 16:00 or later',
      'at 17:00 or later',
      'at 18:00 or later',
      'at 19:00 or later',
      'at 20:00 or later',
      'at 21:00 or later',
      'at 22:00 or later',
      'at 23:00 or later',
      '00:00-04:59',
      '01:00-04:59',
      '02:00-04:59',
      '03:00-04:59',
      '04:00-04:59',
      'other hours',
    ]);
    expect(splits[0]!.groupKeys).toEqual(clockHours(6, 4));
    expect(splits[8]!.groupKeys).toEqual(clockHours(14, 4));
    expect(splits[9]!.groupKeys).toEqual(clockHours(5, 14));
    expect(splits[22]!.groupKeys).toEqual(clockHours(5, 3));
    expect(splits[23]!.groupKeys).toEqual(clockHours(12, 16));
    expectPartitions(splits);
  });

  it('offers the evening as its own range, against the other hours', () => {
    const evening = hourSplits(18).at(-1)!;
    expect(evening).toEqual({
      groupKeys: clockHours(17, 20),
      restKeys: ALL_HOURS.filter((h) => !clockHours(17, 20).includes(h)),
      groupLabel: 'tasks in the evening (17:00-20:59)',
      restLabel: 'other hours',
    });
  });

  it.each([
    [12, 'tasks in the afternoon (12:00-16:59)'],
    [16, 'tasks in the afternoon (12:00-16:59)'],
    [17, 'tasks in the evening (17:00-20:59)'],
    [20, 'tasks in the evening (17:00-20:59)'],
  ])('puts %p:00 in its part of the day (the part ends inclusive)', (hour, label) => {
    expect(hourSplits(hour).at(-1)!.groupLabel).toBe(label);
  });

  it('offers a group of hours once: the morning is the head 05:00-11:59', () => {
    const splits = hourSplits(8);
    const keys = splits.map((s) => s.groupKeys.join(','));
    expect(new Set(keys).size).toBe(keys.length);
    // tails from 06:00 to 08:00, heads from 05:00-08:59 to 05:00-03:59; the morning (05:00-11:59) is one of the heads.
    expect(splits).toHaveLength(3 + 20);
    expect(splits.map((s) => s.groupLabel)).toContain('tasks 05:00-11:59');
    expect(splits.map((s) => s.groupLabel)).not.toContain('tasks in the morning (05:00-11:59)');
    expect(splits.at(-1)!.groupLabel).toBe('tasks 05:00-03:59');
    expectPartitions(splits);
  });

  it('says "at 23:00 or later" for the last tail before midnight', () => {
    const splits = hourSplits(23);
    expect(splits[17]).toMatchObject({ groupLabel: 'tasks at 23:00 or later', restLabel: '05:00-22:59', groupKeys: clockHours(23, 4) });
    // The night (21:00-04:59) is the tail "at 21:00 or later", offered once.
    expect(splits.map((s) => s.groupLabel).filter((l) => l.includes('21:00'))).toEqual(['tasks at 21:00 or later']);
    expect(splits).toHaveLength(18 + 5);
  });

  it('counts the hours after midnight as the latest: a 02:00 task', () => {
    const splits = hourSplits(2);
    expect(splits.map((s) => s.groupLabel)).toEqual([
      ...Array.from({ length: 18 }, (_, i) => `tasks at ${String(6 + i).padStart(2, '0')}:00 or later`),
      'tasks 00:00-04:59',
      'tasks 01:00-04:59',
      'tasks 02:00-04:59',
      'tasks 05:00-02:59',
      'tasks 05:00-03:59',
    ]);
    expect(splits[18]).toMatchObject({ groupKeys: ['0', '1', '2', '3', '4'], restLabel: '05:00-23:59' });
    expect(splits[20]).toMatchObject({ groupKeys: ['2', '3', '4'], restLabel: '05:00-01:59' });
    expect(splits[21]).toMatchObject({ groupKeys: clockHours(5, 2), restLabel: '03:00-04:59' });
    expectPartitions(splits);
  });

  it('has only tails for 04:00, the latest hour, and only heads for 05:00, the earliest', () => {
    const latest = hourSplits(4);
    expect(latest).toHaveLength(23);
    expect(latest.at(-1)).toMatchObject({ groupKeys: ['4'], groupLabel: 'tasks 04:00-04:59', restLabel: '05:00-03:59' });
    const earliest = hourSplits(5);
    expect(earliest).toHaveLength(23);
    expect(earliest[0]).toMatchObject({ groupKeys: ['5'], groupLabel: 'tasks 05:00-05:59', restLabel: 'at 06:00 or later' });
    expect(earliest.at(-1)!.groupLabel).toBe('tasks 05:00-03:59');
  });
});

describe('dayPartHours: the hours of an hour\'s part of the day', () => {
  const night = [0, 1, 2, 3, 4, 21, 22, 23];
  it.each([
    [0, night],
    [4, night],
    [5, [5, 6, 7, 8, 9, 10, 11]],
    [11, [5, 6, 7, 8, 9, 10, 11]],
    [12, [12, 13, 14, 15, 16]],
    [16, [12, 13, 14, 15, 16]],
    [17, [17, 18, 19, 20]],
    [20, [17, 18, 19, 20]],
    [21, night],
    [23, night],
  ])('%i:00 is in %j', (hour, hours) => {
    expect(dayPartHours(hour)).toEqual(hours);
  });
});

describe('weekdaySplits: the day against the others, and its side of the week', () => {
  it('puts a Friday with the weekdays', () => {
    expect(weekdaySplits(4)).toEqual([
      { groupKeys: ['4'], restKeys: ['0', '1', '2', '3', '5', '6'], groupLabel: 'tasks on Fridays', restLabel: 'other days' },
      { groupKeys: ['0', '1', '2', '3', '4'], restKeys: ['5', '6'], groupLabel: 'tasks on weekdays (Monday-Friday)', restLabel: 'weekends' },
    ]);
  });

  it('puts a Saturday with the weekend', () => {
    expect(weekdaySplits(5)).toEqual([
      { groupKeys: ['5'], restKeys: ['0', '1', '2', '3', '4', '6'], groupLabel: 'tasks on Saturdays', restLabel: 'other days' },
      { groupKeys: ['5', '6'], restKeys: ['0', '1', '2', '3', '4'], groupLabel: 'tasks on weekends', restLabel: 'Monday-Friday' },
    ]);
  });

  it('covers the ends of the week: Monday and Sunday', () => {
    expect(weekdaySplits(0)[1]!.groupKeys).toEqual(['0', '1', '2', '3', '4']);
    expect(weekdaySplits(0)[0]!.groupLabel).toBe('tasks on Mondays');
    expect(weekdaySplits(6)[1]).toMatchObject({ groupKeys: ['5', '6'], restKeys: ['0', '1', '2', '3', '4'] });
  });
});

describe('loadSplits: days with N+ tasks', () => {
  const load = { '1': C, '2': C, '3': C, '5': C, '10+': C };

  it('splits from 2 tasks up to the day load, each load in the group from where it starts', () => {
    expect(loadSplits(3, load)).toEqual([
      { groupKeys: ['2', '3', '5', '10+'], restKeys: ['1'], groupLabel: 'days with 2+ tasks scheduled', restLabel: 'days with 1 task', loadFrom: 2 },
      { groupKeys: ['3', '5', '10+'], restKeys: ['1', '2'], groupLabel: 'days with 3+ tasks scheduled', restLabel: 'days with 1-2 tasks', loadFrom: 3 },
    ]);
  });

  it('has no split for a day with one task or none', () => {
    expect(loadSplits(1, load)).toEqual([]);
    expect(loadSplits(0, load)).toEqual([]);
  });

  it('orders the keys by their number, "10+" after "2"', () => {
    expect(loadSplits(2, { '10+': C, '2': C, '1': C })[0]).toMatchObject({ groupKeys: ['2', '10+'], restKeys: ['1'] });
    expect(loadSplits(2, { '12+': C, '10+': C, '1': C })[0]).toMatchObject({ groupKeys: ['10+', '12+'], restKeys: ['1'] });
  });

  it('orders keys of the same number by the key', () => {
    expect(loadSplits(2, { '3+': C, '03': C, '1': C })[0]!.groupKeys).toEqual(['03', '3+']);
    expect(loadSplits(2, { '03': C, '3+': C, '1': C })[0]!.groupKeys).toEqual(['03', '3+']);
  });

  it('ignores keys that are not a load of at least one task', () => {
    expect(loadSplits(2, { '0': C, '-1': C, none: C, '1': C, '2': C })[0]).toMatchObject({ groupKeys: ['2'], restKeys: ['1'] });
  });
});

describe('deferralSplits: postponed N+ times', () => {
  const third = { groupKeys: ['3+'], restKeys: ['0', '1', '2'], groupLabel: 'tasks postponed 3+ times', restLabel: 'postponed at most twice' };
  const second = { groupKeys: ['2', '3+'], restKeys: ['0', '1'], groupLabel: 'tasks postponed 2+ times', restLabel: 'postponed at most once' };
  const first = { groupKeys: ['1', '2', '3+'], restKeys: ['0'], groupLabel: 'tasks postponed at least once', restLabel: 'never postponed' };

  it('offers every count up to the task\'s, the tightest first', () => {
    expect(deferralSplits(3)).toEqual([third, second, first]);
    expect(deferralSplits(2)).toEqual([second, first]);
    expect(deferralSplits(1)).toEqual([first]);
  });

  it('counts anything past 3 as 3+, and nothing for a task never postponed', () => {
    expect(deferralSplits(7)).toEqual([third, second, first]);
    expect(deferralSplits(4)).toEqual([third, second, first]);
    expect(deferralSplits(2.9)).toEqual([second, first]);
    expect(deferralSplits(0)).toEqual([]);
    expect(deferralSplits(-2)).toEqual([]);
  });
});

describe('prioritySplits: the less important side', () => {
  const p4 = { groupKeys: ['4'], restKeys: ['1', '2', '3'], groupLabel: 'priority 4 tasks', restLabel: 'priority 1-3' };
  const p3 = { groupKeys: ['3', '4'], restKeys: ['1', '2'], groupLabel: 'priority 3-4 tasks', restLabel: 'priority 1-2' };
  const p2 = { groupKeys: ['2', '3', '4'], restKeys: ['1'], groupLabel: 'priority 2-4 tasks', restLabel: 'priority 1' };

  it('offers every cut from the task\'s priority up', () => {
    expect(prioritySplits(4)).toEqual([p4, p3, p2]);
    expect(prioritySplits(3)).toEqual([p3, p2]);
    expect(prioritySplits(2)).toEqual([p2]);
    expect(prioritySplits(1)).toEqual([]);
  });

  it('clamps priorities outside 1-4', () => {
    expect(prioritySplits(9)).toEqual([p4, p3, p2]);
    expect(prioritySplits(0)).toEqual([]);
  });
});

describe('strongestFinding', () => {
  const split = (key: string): Split => ({ groupKeys: [key], restKeys: ['rest'], groupLabel: key, restLabel: 'rest' });
  const counts = { a: { done: 2, failed: 10 }, b: { done: 2, failed: 10 }, c: { done: 2, failed: 10 }, rest: { done: 30, failed: 2 } };

  it('between equally strong and equally narrow findings, takes the first offered', () => {
    const splits = [split('a'), split('b'), split('c')];
    expect(strongestFinding(splits, counts, 0.7, THRESHOLDS)!.split).toBe(splits[0]);
    const reversed = [...splits].reverse();
    expect(strongestFinding(reversed, counts, 0.7, THRESHOLDS)!.split).toBe(reversed[0]);
  });

  it('claims nothing when no group does worse enough', () => {
    expect(strongestFinding([split('rest')], { rest: { done: 30, failed: 2 } }, 0.7, THRESHOLDS)).toBeNull();
  });
});
