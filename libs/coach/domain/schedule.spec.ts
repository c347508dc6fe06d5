import type { AvoidedSlots, Cause } from './coaching.types';
import { THRESHOLDS, evidenceOf, history, outcomes } from './coaching.fixtures';
import {
  DEFAULT_HOURS,
  PLACEMENT_LADDER,
  type PlacementRung,
  type PlacementWindow,
  type RankedSlot,
  type SlotPreferences,
  avoidedSlots,
  placeSteps,
  rankHours,
  rankWeekdays,
} from './schedule';

const NOTHING: AvoidedSlots = { hours: [], weekdays: [], loadFrom: null };
const avoiding = (more: Partial<AvoidedSlots>): AvoidedSlots => ({ ...NOTHING, ...more });
const causeAvoiding = (avoid?: AvoidedSlots): Cause => ({ kind: 'wrong_time', confidence: 0.7, stated: false, explanation: '', evidence: null, ...(avoid ? { avoid } : {}) });
const values = (slots: readonly RankedSlot[]) => slots.map((s) => s.value);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('avoidedSlots: everything the causes name, together', () => {
  it('is nothing without causes, or with causes that name no slot', () => {
    expect(avoidedSlots([])).toEqual(NOTHING);
    expect(avoidedSlots([causeAvoiding()])).toEqual(NOTHING);
  });

  it('joins the hours and weekdays, once each, in order', () => {
    const avoid = avoidedSlots([causeAvoiding(avoiding({ hours: [21, 9], weekdays: [6, 2] })), causeAvoiding(avoiding({ hours: [15, 9, 3], weekdays: [4, 0] }))]);
    expect(avoid.hours).toEqual([3, 9, 15, 21]);
    expect(avoid.weekdays).toEqual([0, 2, 4, 6]);
  });

  it('avoids days from the lowest load any cause names', () => {
    expect(avoidedSlots([causeAvoiding(avoiding({ loadFrom: 5 })), causeAvoiding(avoiding({ loadFrom: 3 }))]).loadFrom).toBe(3);
    expect(avoidedSlots([causeAvoiding(avoiding({ loadFrom: 3 })), causeAvoiding(avoiding({ loadFrom: 5 }))]).loadFrom).toBe(3);
  });

  it('keeps a named load when a later cause names none', () => {
    expect(avoidedSlots([causeAvoiding(avoiding({ loadFrom: 4 })), causeAvoiding(avoiding({ hours: [20] }))]).loadFrom).toBe(4);
    expect(avoidedSlots([causeAvoiding(avoiding({ loadFrom: 4 })), causeAvoiding()]).loadFrom).toBe(4);
  });
});

describe('rankHours: the hours a step may take', () => {
  it('keeps to the user\'s own hours from exactly minSamples timed outcomes', () => {
    const evidence = evidenceOf(history(outcomes(6, THRESHOLDS.minSamples - 6, { hour: 19 })));
    expect(values(rankHours(evidence, NOTHING))).toEqual([19]);
  });

  it('borrows office hours below minSamples timed outcomes (the population has none)', () => {
    const evidence = evidenceOf(history(outcomes(6, THRESHOLDS.minSamples - 7, { hour: 19 })));
    expect(values(rankHours(evidence, NOTHING)).sort((a, b) => a - b)).toEqual([...DEFAULT_HOURS, 19]);
  });

  it('ranks hours of the same rate by the clock, the user\'s own among the borrowed ones', () => {
    // 7 of 10 at 19:00 toward a prior of 0.7 is 0.7, the rate of every hour without outcomes; 10 are too few with minSamples 20.
    const evidence = evidenceOf(history(outcomes(7, 3, { hour: 19 })), { thresholds: { ...THRESHOLDS, minSamples: 20 } });
    const ranked = rankHours(evidence, NOTHING);
    expect(new Set(ranked.map((h) => h.rate)).size).toBe(1);
    expect(values(ranked)).toEqual([...DEFAULT_HOURS, 19]);
  });

  it('borrows an hour the population has exactly POPULATION_MIN_SAMPLES (30) outcomes at', () => {
    const population = history([...outcomes(20, 10, { hour: 20 }), ...outcomes(20, 9, { hour: 7 })]);
    expect(values(rankHours(evidenceOf(history([]), { population }), NOTHING))).toEqual([20]);
  });

  it('falls back to office hours when every hour it would take is avoided', () => {
    const evidence = evidenceOf(history(outcomes(8, 0, { hour: 19 })));
    expect(values(rankHours(evidence, avoiding({ hours: [19, 9] }))).sort((a, b) => a - b)).toEqual(DEFAULT_HOURS.filter((h) => h !== 9));
  });

  it('falls back to the waking day (07:00-21:59) when office hours are avoided too', () => {
    const evidence = evidenceOf(history(outcomes(8, 0, { hour: 19 })));
    expect(values(rankHours(evidence, avoiding({ hours: [19, ...DEFAULT_HOURS] }))).sort((a, b) => a - b)).toEqual([7, 8, 18, 20, 21]);
  });

  it('pulls an hour toward the rest of its part of the day: one success at 21:00 is not a good hour beside 8 failures at night', () => {
    // Night is 21:00-04:59. The rest of it for 21:00: 0 of 8 -> (0 + 5 x 0.7) / 13; 21:00: (1 + 5 x that) / 6 = 0.391.
    const evidence = evidenceOf(history([...outcomes(8, 0, { hour: 10 }), ...outcomes(1, 0, { hour: 21 }), ...outcomes(0, 6, { hour: 22 }), ...outcomes(0, 2, { hour: 2 })]));
    const ranked = rankHours(evidence, NOTHING);
    const at = (hour: number) => ranked.find((h) => h.value === hour)!;
    expect(at(21).rate).toBeCloseTo((1 + 5 * (3.5 / 13)) / 6, 9);
    expect(at(21).good).toBe(false);
    // 22:00 against 21:00 and 02:00 (1 of 3); 02:00 against 21:00 and 22:00 (1 of 7).
    expect(at(22).rate).toBeCloseTo((5 * (4.5 / 8)) / 11, 9);
    expect(at(2).rate).toBeCloseTo((5 * (4.5 / 12)) / 7, 9);
    // The morning's successes lift no night hour, and the night's failures lower no morning hour.
    expect(at(10).rate).toBeCloseTo((8 + 3.5) / 13, 9);
    expect(values(ranked)).toEqual([10, 21, 2, 22]);
  });

  it('pulls an hour toward the user\'s own outcomes in its part of the day, those toward the population\'s rate at the hour', () => {
    const population = history([...outcomes(24, 6, { hour: 18 }), ...outcomes(6, 24, { hour: 20 })]);
    // 20:00 has no outcomes of the user's; the rest of the evening (18:00) has 3 of 3: (3 + 5 x 0.2) / 8 = 0.5.
    const evidence = evidenceOf(history(outcomes(3, 0, { hour: 18 })), { population });
    const at20 = rankHours(evidence, NOTHING).find((h) => h.value === 20)!;
    expect(at20.rate).toBeCloseTo((3 + 5 * 0.2) / 8, 9);
  });

  it('offers no hour when every hour is avoided', () => {
    expect(rankHours(evidenceOf(history([])), avoiding({ hours: range(0, 23) }))).toEqual([]);
  });
});

describe('rankWeekdays: ranking and good slots', () => {
  it('ranks equal weekdays in calendar order, all good', () => {
    const ranked = rankWeekdays(evidenceOf(history([])), NOTHING);
    expect(values(ranked)).toEqual(range(0, 6));
    expect(ranked.every((w) => w.good)).toBe(true);
  });

  it('offers no weekday when every weekday is avoided', () => {
    expect(rankWeekdays(evidenceOf(history([])), avoiding({ weekdays: range(0, 6) }))).toEqual([]);
  });

  it('counts a weekday exactly at the user\'s usual rate as good', () => {
    // Usual (14 of 20 toward 0.7) = 0.7; Monday 0.9; Tuesday 0.5; the weekdays without outcomes 0.7 (the prior).
    const user = history([...outcomes(10, 0, { weekday: 0 }), ...outcomes(4, 6, { weekday: 1 })]);
    const ranked = rankWeekdays(evidenceOf(user), NOTHING);
    expect(values(ranked)).toEqual([0, 2, 3, 4, 5, 6, 1]);
    expect(ranked.map((w) => [w.value, w.good])).toEqual([
      [0, true],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
      [6, true],
      [1, false],
    ]);
  });

  it('counts a weekday within the tolerance of the best as good, even below the usual rate', () => {
    // Usual (19 of 20) = 0.9; Monday 0.9; Tuesday 0.83 (within 0.1 of the best); the rest 0.7.
    const user = history([...outcomes(10, 0, { weekday: 0 }), ...outcomes(9, 1, { weekday: 1 })]);
    const ranked = rankWeekdays(evidenceOf(user), NOTHING);
    expect(ranked.map((w) => [w.value, w.good])).toEqual([
      [0, true],
      [1, true],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
    ]);
  });
});

describe('PLACEMENT_LADDER', () => {
  it('goes from one step a day on good slots to two a day anywhere allowed', () => {
    expect(PLACEMENT_LADDER).toEqual([
      { perDay: 1, goodHoursOnly: true, goodWeekdaysOnly: true },
      { perDay: 2, goodHoursOnly: true, goodWeekdaysOnly: true },
      { perDay: 1, goodHoursOnly: true, goodWeekdaysOnly: false },
      { perDay: 2, goodHoursOnly: true, goodWeekdaysOnly: false },
      { perDay: 2, goodHoursOnly: false, goodWeekdaysOnly: false },
    ]);
  });
});

describe('placeSteps', () => {
  /** Monday 2026-12-07 .. Sunday 2026-12-13. */
  const MONDAY = '2026-12-07';
  const slot = (value: number, good = true): RankedSlot => ({ value, rate: good ? 0.8 : 0.4, good });
  const prefs = (more: Partial<SlotPreferences> = {}): SlotPreferences => ({
    hours: [9, 10, 11, 12, 13].map((h) => slot(h)),
    weekdays: range(0, 6).map((w) => slot(w)),
    loadFrom: null,
    ...more,
  });
  const window = (more: Partial<PlacementWindow> = {}): PlacementWindow => ({ firstDay: MONDAY, firstHour: 0, lastDay: '2026-12-13', dayLoads: {}, capacity: null, ...more });
  const TWO_A_DAY: PlacementRung = { perDay: 2, goodHoursOnly: true, goodWeekdaysOnly: true };

  it('starts the next step after the hours a step takes (two for 61-120 min)', () => {
    expect(placeSteps([120, 15], prefs(), window(), TWO_A_DAY)).toEqual([
      { date: MONDAY, hour: 9 },
      { date: MONDAY, hour: 11 },
    ]);
    expect(placeSteps([61, 15], prefs(), window(), TWO_A_DAY)[1]).toEqual({ date: MONDAY, hour: 11 });
    expect(placeSteps([60, 15], prefs(), window(), TWO_A_DAY)[1]).toEqual({ date: MONDAY, hour: 10 });
  });

  it('never puts two steps at the same hour, even a step of no length', () => {
    expect(placeSteps([0, 15], prefs(), window(), TWO_A_DAY)).toEqual([
      { date: MONDAY, hour: 9 },
      { date: MONDAY, hour: 10 },
    ]);
  });

  it('takes a weekday that is not good only on a rung that allows any weekday', () => {
    const mondayBad = prefs({ weekdays: [slot(1), slot(0, false)] });
    expect(placeSteps([15], mondayBad, window(), { perDay: 1, goodHoursOnly: true, goodWeekdaysOnly: false })).toEqual([{ date: MONDAY, hour: 9 }]);
    expect(placeSteps([15], mondayBad, window(), { perDay: 1, goodHoursOnly: true, goodWeekdaysOnly: true })).toEqual([{ date: '2026-12-08', hour: 9 }]);
  });
});
