import { TASK_LIMITS, parseActualMinutes, parseEstimate, parseNotes, parsePriority, parseTags, parseTitle } from './task-details.value-object';
import { Schedule } from './schedule.value-object';
import { Task } from './task.aggregate';

/** A refusal's code and field, what the edge reports (400 with the field named). */
function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('task details', () => {
  it('title: trimmed, 1 to 500 characters, no NUL', () => {
    expect(parseTitle('  a  ')).toBe('a');
    expect(parseTitle('x'.repeat(TASK_LIMITS.titleMax))).toHaveLength(500);
    for (const bad of ['', '   ', 'x'.repeat(501), 'a\u0000b']) expect(refusal(() => parseTitle(bad))).toMatchObject({ kind: 'invalid', fields: [{ field: 'title' }] });
    expect(refusal(() => parseTitle('x'.repeat(501)))).toMatchObject({ code: 'invalid_title' });
    expect(refusal(() => parseTitle('a\u0000b'))).toMatchObject({ code: 'invalid_character' });
    // A value that is not a string (a client's JSON number) is a refusal, not a crash.
    expect(refusal(() => parseTitle(42 as unknown as string))).toMatchObject({ code: 'invalid_title' });
  });

  it('notes: absent or empty is null; at most 10,000 characters; a non-string is invalid_notes (400, not 500)', () => {
    expect(parseNotes(undefined)).toBeNull();
    expect(parseNotes(null)).toBeNull();
    expect(parseNotes('')).toBeNull();
    expect(parseNotes(' kept as given ')).toBe(' kept as given ');
    expect(parseNotes('x'.repeat(10_000))).toHaveLength(10_000);
    expect(refusal(() => parseNotes('x'.repeat(10_001)))).toMatchObject({ code: 'invalid_notes', fields: [{ field: 'notes' }] });
    expect(refusal(() => parseNotes(7 as unknown as string))).toMatchObject({ code: 'invalid_notes' });
    expect(refusal(() => parseNotes({ length: 3 } as unknown as string))).toMatchObject({ code: 'invalid_notes' });
    expect(refusal(() => parseNotes('a\u0000'))).toMatchObject({ code: 'invalid_character', fields: [{ field: 'notes' }] });
  });

  it('tags: trimmed, case-insensitively unique in the order given, at most 20 of 1 to 50 characters', () => {
    expect(parseTags(undefined)).toEqual([]);
    expect(parseTags(null)).toEqual([]);
    expect(parseTags([' Work ', 'work', 'Home', 'WORK'])).toEqual(['Work', 'Home']);
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    expect(parseTags(twenty)).toEqual(twenty);
    expect(parseTags(['x'.repeat(50)])).toEqual(['x'.repeat(50)]);
    expect(refusal(() => parseTags([...twenty, 't20']))).toMatchObject({ code: 'invalid_tags', fields: [{ field: 'tags' }] });
    expect(refusal(() => parseTags(['ok', '  ']))).toMatchObject({ code: 'invalid_tags', fields: [{ field: 'tags.1' }] });
    expect(refusal(() => parseTags(['x'.repeat(51)]))).toMatchObject({ code: 'invalid_tags', fields: [{ field: 'tags.0' }] });
    expect(refusal(() => parseTags(['ok', 'a\u0000']))).toMatchObject({ code: 'invalid_character', fields: [{ field: 'tags.1' }] });
    // Not an array, or an element that is not a string: refusals, not crashes.
    expect(refusal(() => parseTags('work' as unknown as string[]))).toMatchObject({ code: 'invalid_tags', fields: [{ field: 'tags' }] });
    expect(refusal(() => parseTags(['ok', 5 as unknown as string]))).toMatchObject({ code: 'invalid_tags', fields: [{ field: 'tags.1' }] });
  });

  it('estimate and actual minutes: whole minutes from 1 to 1440, absent is null', () => {
    for (const parse of [parseEstimate, parseActualMinutes]) {
      expect(parse(undefined)).toBeNull();
      expect(parse(null)).toBeNull();
      expect(parse(1)).toBe(1);
      expect(parse(1440)).toBe(1440);
      for (const bad of [0, 1441, 1.5, -1, Number.NaN]) expect(refusal(() => parse(bad))).toMatchObject({ kind: 'invalid' });
    }
    expect(refusal(() => parseEstimate(0))).toMatchObject({ code: 'invalid_estimate', fields: [{ field: 'estimateMinutes' }] });
    expect(refusal(() => parseActualMinutes(1441))).toMatchObject({ code: 'invalid_actual_minutes', fields: [{ field: 'actualMinutes' }] });
  });

  it('priority: 1 to 4, absent is 4', () => {
    expect(parsePriority(undefined)).toBe(4);
    expect(parsePriority(null)).toBe(4);
    expect(parsePriority(1)).toBe(1);
    expect(parsePriority(4)).toBe(4);
    for (const bad of [0, 5, 2.5]) expect(refusal(() => parsePriority(bad))).toMatchObject({ code: 'invalid_priority', fields: [{ field: 'priority' }] });
  });
});

describe('Task.create with a schedule', () => {
  const ctx = { eventId: () => 'e', now: () => new Date('2026-03-01T09:00:00Z') };

  it("needs the owner's timezone, even for a whole day (a caller that forgot it is a programming error)", () => {
    expect(() => Task.create(ctx, { id: 't', ownerId: 'u', timezone: null, input: { title: 'x', scheduledFor: '2026-03-02' } })).toThrow(/timezone/);
    expect(Task.create(ctx, { id: 't', ownerId: 'u', timezone: 'UTC', input: { title: 'x', scheduledFor: '2026-03-02' } }).state.scheduledDate).toBe('2026-03-02');
    // Without a schedule no timezone is needed.
    expect(Task.create(ctx, { id: 't', ownerId: 'u', timezone: null, input: { title: 'x' } }).state.scheduledDate).toBeNull();
  });
});

describe('Schedule.parse anchors', () => {
  it('refuses text before or after a date or a date-time', () => {
    for (const raw of ['x2026-11-27', '2026-11-27x', '12026-11-27', 'x2026-11-27T09:00:00Z', '2026-11-27T09:00:00Zx', '2026-11-27T09:00:00']) {
      expect(refusal(() => Schedule.parse(raw, 'UTC'))).toMatchObject({ kind: 'invalid', fields: [{ field: 'scheduledFor' }] });
    }
    expect(Schedule.parse('2026-11-27', 'UTC').toString()).toBe('2026-11-27');
  });
});
