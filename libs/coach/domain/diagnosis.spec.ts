import type { Cause, CoachEvidence, GroupedCounts } from './coaching.types';
import { THRESHOLDS, evidenceOf, history, outcomes, taskOf } from './coaching.fixtures';
import { diagnose, structuralCauses } from './diagnosis';

const kinds = (causes: readonly Cause[]) => causes.map((c) => c.kind);
const find = (causes: readonly Cause[], kind: string) => causes.find((c) => c.kind === kind);

/** Many outcomes with no habit at all: every group finishes at the same rate. */
const evenHistory = history(
  [9, 10, 14, 16, 19, 21].flatMap((hour, i) =>
    [20, 45, 100].flatMap((minutes, j) => outcomes(3, 1, { hour, minutes, weekday: (i + j) % 7, load: 1 + ((i + j) % 7), deferrals: (i * j) % 4 })),
  ),
);

/** Fails what is over an hour: 2 of 12 done; 60 min or less: 25 of 30. */
const failsBigTasks = history([...outcomes(25, 5, { minutes: 30, hour: 10 }), ...outcomes(1, 5, { minutes: 75, hour: 10 }), ...outcomes(1, 5, { minutes: 110, hour: 11 })]);

describe('diagnose: the stated reason', () => {
  it('is the only cause when there is no history and the task is well formed', () => {
    const causes = diagnose(taskOf({ reason: 'blocked' }), evidenceOf(history([])));
    expect(causes).toEqual([{ kind: 'blocked', confidence: 0.7, stated: true, explanation: 'You said it was blocked', evidence: null }]);
  });

  it.each([
    ['too_big', 'too_big'],
    ['unclear', 'vague'],
    ['blocked', 'blocked'],
    ['deprioritized', 'low_priority'],
    ['no_time', 'no_time'],
    ['low_energy', 'low_energy'],
    ['forgot', 'forgot'],
    ['interrupted', 'interrupted'],
    ['other', 'other'],
    ['something new', 'other'],
  ])('maps the reason %s to the cause %s', (reason, kind) => {
    const causes = diagnose(taskOf({ reason }), evidenceOf(history([])));
    expect(causes.filter((c) => c.stated).map((c) => c.kind)).toEqual([kind]);
  });

  it('has no stated reason on a postponement: the postponements with their count are the cause', () => {
    const causes = diagnose(taskOf({ trigger: 'postponed', deferrals: 3, reason: 'too_big' }), evidenceOf(history([])));
    expect(causes).toEqual([{ kind: 'postponed', confidence: 0.6, stated: false, explanation: 'Postponed 3 times without being done', evidence: null }]);
  });

  it('is boosted, and carries the numbers, when the data agree', () => {
    const [top, ...rest] = diagnose(taskOf({ reason: 'too_big', estimateMinutes: 100 }), evidenceOf(failsBigTasks));
    expect(top).toMatchObject({ kind: 'too_big', stated: true, evidence: { group: { label: 'tasks over 60 min', done: 2, samples: 12 }, rest: { label: '60 min or less', done: 25, samples: 30 } } });
    expect(top!.explanation).toBe('You said it was too big. Tasks over 60 min: 2 of 12 done; 60 min or less: 25 of 30');
    expect(top!.confidence).toBeGreaterThan(0.7);
    expect(rest.map((c) => c.kind)).not.toContain('too_big');
  });

  it('is boosted by an agreeing cause of another kind (no time on an overloaded day), which stays listed', () => {
    const user = history([...outcomes(22, 4, { load: 2 }), ...outcomes(2, 12, { load: 7 })]);
    const plain = diagnose(taskOf({ reason: 'no_time' }), evidenceOf(history([])));
    const causes = diagnose(taskOf({ reason: 'no_time', dayLoad: 7 }), evidenceOf(user, { capacity: 4 }));
    expect(kinds(causes)).toEqual(['no_time', 'overloaded_day']);
    expect(causes[0]!.confidence).toBeGreaterThan(plain[0]!.confidence);
  });

  it('is a little more likely when the user gives it habitually', () => {
    const habitual = history([...outcomes(10, 0), ...outcomes(0, 6, { reason: 'forgot' }), ...outcomes(0, 4, { reason: 'no_time' })]);
    const [cause] = diagnose(taskOf({ reason: 'forgot' }), evidenceOf(habitual));
    expect(cause).toMatchObject({ kind: 'forgot', stated: true, explanation: 'You said you forgot it, as for 6 of your 10 failed tasks' });
    expect(cause!.confidence).toBeGreaterThan(0.7);
  });

  it('ranks "other" below a strong finding in the history', () => {
    const causes = diagnose(taskOf({ reason: 'other', estimateMinutes: 100 }), evidenceOf(failsBigTasks));
    expect(kinds(causes)).toEqual(['too_big', 'other']);
  });
});

describe('diagnose: causes from the history are claimed only past the thresholds', () => {
  it('claims nothing from a history without a habit, however long', () => {
    const causes = diagnose(taskOf({ estimateMinutes: 100, localHour: 21, dayLoad: 7, deferrals: 3, reason: 'no_time' }), evidenceOf(evenHistory));
    expect(kinds(causes)).toEqual(['no_time', 'postponed']);
    expect(find(causes, 'postponed')!.evidence).toBeNull();
  });

  it('names a too-big task in the user\'s numbers, the narrowest of equally strong splits', () => {
    const cause = find(diagnose(taskOf({ estimateMinutes: 100 }), evidenceOf(failsBigTasks)), 'too_big');
    expect(cause).toMatchObject({ stated: false, explanation: 'Tasks over 60 min: 2 of 12 done; 60 min or less: 25 of 30' });
  });

  it('does not blame the size of a task on the small side of the split', () => {
    expect(find(diagnose(taskOf({ estimateMinutes: 20 }), evidenceOf(failsBigTasks)), 'too_big')).toBeUndefined();
  });

  it('needs minSamples outcomes in the group and in the rest', () => {
    const seven = history([...outcomes(0, 7, { minutes: 100 }), ...outcomes(8, 0, { minutes: 20 })]);
    const eight = history([...outcomes(0, 8, { minutes: 100 }), ...outcomes(8, 0, { minutes: 20 })]);
    const fewOthers = history([...outcomes(0, 8, { minutes: 100 }), ...outcomes(7, 0, { minutes: 20 })]);
    const task = taskOf({ estimateMinutes: 100 });
    expect(find(diagnose(task, evidenceOf(seven)), 'too_big')).toBeUndefined();
    expect(find(diagnose(task, evidenceOf(fewOthers)), 'too_big')).toBeUndefined();
    expect(find(diagnose(task, evidenceOf(eight)), 'too_big')).toBeDefined();
  });

  it('uses the thresholds it is given: the difference and |z| as the learning context states patterns', () => {
    const task = taskOf({ estimateMinutes: 100 });
    const withThresholds = (more: Partial<CoachEvidence['thresholds']>) => evidenceOf(failsBigTasks, { thresholds: { ...THRESHOLDS, ...more } });
    expect(find(diagnose(task, withThresholds({})), 'too_big')).toBeDefined();
    expect(find(diagnose(task, withThresholds({ minZ: 6 })), 'too_big')).toBeUndefined();
    expect(find(diagnose(task, withThresholds({ minDifference: 0.7 })), 'too_big')).toBeUndefined();
    expect(find(diagnose(task, withThresholds({ minSamples: 13 })), 'too_big')).toBeUndefined();
  });

  it('gives more confidence to the same rates over more outcomes', () => {
    const small = history([...outcomes(2, 8, { minutes: 100 }), ...outcomes(16, 4, { minutes: 20 })]);
    const large = history([...outcomes(4, 16, { minutes: 100 }), ...outcomes(32, 8, { minutes: 20 })]);
    const task = taskOf({ estimateMinutes: 100 });
    const a = find(diagnose(task, evidenceOf(small)), 'too_big')!;
    const b = find(diagnose(task, evidenceOf(large)), 'too_big')!;
    expect(a.confidence).toBeGreaterThan(0);
    expect(b.confidence).toBeGreaterThan(a.confidence);
    expect(b.confidence).toBeLessThanOrEqual(1);
  });

  it('names a wrong time of day as a range of hours, and the hours to avoid', () => {
    const user = history([...outcomes(1, 5, { hour: 20 }), ...outcomes(1, 5, { hour: 22 }), ...outcomes(26, 4, { hour: 9 }), ...outcomes(10, 2, { hour: 14 })]);
    const cause = find(diagnose(taskOf({ localHour: 21 }), evidenceOf(user)), 'wrong_time')!;
    expect(cause.explanation).toBe('Tasks at 20:00 or later: 2 of 12 done; 05:00-19:59: 36 of 42');
    expect(cause.avoid).toEqual({ hours: [0, 1, 2, 3, 4, 20, 21, 22, 23], weekdays: [], loadFrom: null });
  });

  it('names mornings for a user who fails them', () => {
    const user = history([...outcomes(1, 9, { hour: 7 }), ...outcomes(1, 5, { hour: 8 }), ...outcomes(20, 4, { hour: 13 }), ...outcomes(16, 2, { hour: 17 })]);
    const cause = find(diagnose(taskOf({ localHour: 8 }), evidenceOf(user)), 'wrong_time')!;
    expect(cause.explanation).toBe('Tasks 05:00-08:59: 2 of 16 done; at 09:00 or later: 36 of 42');
  });

  it('names a wrong weekday', () => {
    const user = history([...outcomes(1, 9, { weekday: 4 }), ...outcomes(8, 2, { weekday: 0 }), ...outcomes(9, 1, { weekday: 1 }), ...outcomes(8, 2, { weekday: 2 }), ...outcomes(9, 1, { weekday: 3 })]);
    const cause = find(diagnose(taskOf({ scheduledDate: '2026-12-11' }), evidenceOf(user)), 'wrong_weekday')!;
    expect(cause.explanation).toBe('Tasks on Fridays: 1 of 10 done; other days: 34 of 40');
    expect(cause.avoid).toEqual({ hours: [], weekdays: [4], loadFrom: null });
  });

  it('names an overloaded day against the capacity, reading the day\'s load from dayLoads', () => {
    const user = history([...outcomes(22, 4, { load: 2 }), ...outcomes(10, 2, { load: 3 }), ...outcomes(1, 7, { load: 6 }), ...outcomes(1, 7, { load: 7 })]);
    const cause = find(diagnose(taskOf({ scheduledDate: '2026-12-07' }), evidenceOf(user, { capacity: 4, dayLoads: { '2026-12-07': 7 } })), 'overloaded_day')!;
    expect(cause.explanation).toBe('7 tasks were scheduled that day, more than the 4 you usually finish; days with 4+ tasks scheduled: 2 of 16 done; days with 1-3 tasks: 32 of 38');
    expect(cause.avoid).toEqual({ hours: [], weekdays: [], loadFrom: 4 });
  });

  it('joins repeated postponement with the user\'s numbers when they clear', () => {
    const user = history([...outcomes(30, 6, { deferrals: 0 }), ...outcomes(1, 9, { deferrals: 2 }), ...outcomes(1, 7, { deferrals: 3 })]);
    const cause = find(diagnose(taskOf({ deferrals: 4 }), evidenceOf(user)), 'postponed')!;
    expect(cause.explanation).toBe('Tasks postponed 2+ times: 2 of 18 done; postponed at most once: 30 of 36. Postponed 4 times before it failed');
    expect(cause.evidence).not.toBeNull();
    expect(cause.confidence).toBeGreaterThan(0.45);
  });
});

describe('diagnose: structural causes', () => {
  it('finds vague wording: no verb, very short, no estimate', () => {
    const cause = find(diagnose(taskOf({ title: 'Taxes', estimateMinutes: null }), evidenceOf(history([]))), 'vague')!;
    expect(cause).toMatchObject({ stated: false, evidence: null });
    expect(cause.explanation).toBe('The title does not start with an action (a verb), the title is very short and it has no estimate');
    expect(cause.confidence).toBeCloseTo(0.55);
  });

  it('finds a very long title', () => {
    const cause = find(diagnose(taskOf({ title: 'Write about the trip and also the photos and the budget and the plan for next year with everyone' }), evidenceOf(history([]))), 'vague');
    expect(cause?.explanation).toBe('The title is very long (several tasks in one?)');
  });

  it('does not call a clear, estimated task vague', () => {
    expect(find(diagnose(taskOf({ title: 'Call the dentist about Monday' }), evidenceOf(history([]))), 'vague')).toBeUndefined();
    expect(find(diagnose(taskOf({ title: 'Please email Anna the invoice' }), evidenceOf(history([]))), 'vague')).toBeUndefined();
  });

  it('merges "unclear" with the wording it sees', () => {
    const causes = diagnose(taskOf({ title: 'Website', reason: 'unclear' }), evidenceOf(history([])));
    expect(causes[0]).toMatchObject({ kind: 'vague', stated: true });
    expect(causes[0]!.explanation).toBe('You said it was unclear. The title does not start with an action (a verb) and the title is very short');
    expect(causes[0]!.confidence).toBeGreaterThan(0.7);
    expect(causes).toHaveLength(1);
  });

  it('finds repeated postponement of a failed task; the default priority alone is no cause', () => {
    const causes = diagnose(taskOf({ priority: 4, deferrals: 2 }), evidenceOf(history([])));
    expect(causes).toEqual([{ kind: 'postponed', confidence: 0.3, stated: false, explanation: 'Postponed 2 times before it failed', evidence: null }]);
  });
});

describe('diagnose: ranking', () => {
  it('puts the most likely first and is deterministic', () => {
    const user = history([...outcomes(25, 5, { minutes: 30, hour: 10 }), ...outcomes(2, 16, { minutes: 100, hour: 21 })]);
    const task = taskOf({ title: 'Taxes', estimateMinutes: 100, localHour: 21, reason: 'low_energy', priority: 4 });
    const causes = diagnose(task, evidenceOf(user));
    for (let i = 1; i < causes.length; i += 1) expect(causes[i - 1]!.confidence).toBeGreaterThanOrEqual(causes[i]!.confidence);
    expect(causes.every((c) => c.confidence > 0 && c.confidence <= 1)).toBe(true);
    expect(new Set(kinds(causes)).size).toBe(causes.length);
    expect(diagnose(task, evidenceOf(user))).toEqual(causes);
    expect(kinds(causes)).toEqual(expect.arrayContaining(['low_energy', 'too_big', 'wrong_time', 'vague']));
  });
});

describe('diagnose: the user\'s decisions on earlier plans', () => {
  const withFeedback = (planFeedback: CoachEvidence['planFeedback']): CoachEvidence => ({ ...evidenceOf(failsBigTasks), planFeedback });
  const task = taskOf({ estimateMinutes: 100, deferrals: 2 });

  it('trusts less a cause the user kept turning plans down for, and says so', () => {
    const plain = find(diagnose(task, evidenceOf(failsBigTasks)), 'too_big')!;
    const heeded = find(diagnose(task, withFeedback({ too_big: { accepted: 0, rejected: 3 } })), 'too_big')!;
    expect(heeded.confidence).toBeCloseTo(plain.confidence / 4, 1);
    expect(heeded.confidence).toBeLessThan(plain.confidence / 3);
    expect(heeded.explanation).toBe(`${plain.explanation} (though you turned down 3 of the 3 plans built on it)`);
  });

  it('re-ranks: a cause discounted enough falls below the next one', () => {
    const before = kinds(diagnose(task, evidenceOf(failsBigTasks)));
    expect(before[0]).toBe('too_big');
    const after = kinds(diagnose(task, withFeedback({ too_big: { accepted: 0, rejected: 5 } })));
    expect(after.indexOf('too_big')).toBeGreaterThan(after.indexOf('postponed'));
  });

  it('one rejection, as many acceptances as rejections, or feedback on another cause change nothing', () => {
    const plain = diagnose(task, evidenceOf(failsBigTasks));
    const feedbacks: CoachEvidence['planFeedback'][] = [{ too_big: { accepted: 0, rejected: 1 } }, { too_big: { accepted: 2, rejected: 2 } }, { wrong_time: { accepted: 0, rejected: 9 } }];
    for (const feedback of feedbacks) {
      expect(diagnose(task, withFeedback(feedback))).toEqual(plain);
    }
  });

  it('never discounts what the user states now', () => {
    const stated = taskOf({ estimateMinutes: 100, reason: 'too_big' });
    expect(diagnose(stated, withFeedback({ too_big: { accepted: 0, rejected: 6 } }))).toEqual(diagnose(stated, evidenceOf(failsBigTasks)));
  });
});

describe('diagnose: priority and tags, from the history only', () => {
  /** Fails priority-4 tasks (3 of 14 done), finishes 1-3 (22 of 26); no other habit. */
  const failsLowPriority = history([...outcomes(3, 11, { minutes: 30, hour: 10, priority: 4 }), ...outcomes(22, 4, { minutes: 30, hour: 10, priority: 2 })]);
  /** Fails tasks tagged admin (2 of 12 done); the rest 25 of 30. */
  const failsAdmin = history([...outcomes(2, 10, { minutes: 30, hour: 10, tags: ['Admin', 'home'] }), ...outcomes(25, 5, { minutes: 30, hour: 10, tags: ['home'] })]);

  it('names a low priority with the user\'s numbers when their low-priority tasks fail', () => {
    const cause = find(diagnose(taskOf({ priority: 4 }), evidenceOf(failsLowPriority)), 'low_priority');
    expect(cause).toMatchObject({ stated: false, explanation: 'Priority 4 tasks: 3 of 14 done; priority 1-3: 22 of 26' });
    expect(cause!.evidence).toEqual({ group: { label: 'priority 4 tasks', done: 3, samples: 14 }, rest: { label: 'priority 1-3', done: 22, samples: 26 } });
  });

  it('claims no low priority for a priority-1 task, nor without a difference in the user\'s data', () => {
    expect(find(diagnose(taskOf({ priority: 1 }), evidenceOf(failsLowPriority)), 'low_priority')).toBeUndefined();
    const even = history([...outcomes(10, 4, { priority: 4 }), ...outcomes(10, 4, { priority: 2 })]);
    expect(find(diagnose(taskOf({ priority: 4 }), evidenceOf(even)), 'low_priority')).toBeUndefined();
  });

  it('names a tag whose tasks the user fails, against the rest of their tasks, whatever its case', () => {
    const cause = find(diagnose(taskOf({ tags: ['ADMIN', 'Home'] }), evidenceOf(failsAdmin)), 'tag');
    expect(cause).toMatchObject({ stated: false, explanation: 'Tasks tagged "admin": 2 of 12 done; other tasks: 25 of 30' });
    expect(find(diagnose(taskOf({ tags: ['home'] }), evidenceOf(failsAdmin)), 'tag')).toBeUndefined();
    expect(find(diagnose(taskOf({ tags: [] }), evidenceOf(failsAdmin)), 'tag')).toBeUndefined();
  });

  it('a tag named like an object property is a tag like any other', () => {
    const odd = history([...outcomes(2, 10, { minutes: 30, tags: ['constructor'] }), ...outcomes(25, 5, { minutes: 30 })]);
    expect(find(diagnose(taskOf({ tags: ['constructor', '__proto__', 'toString'] }), evidenceOf(odd)), 'tag')).toMatchObject({
      explanation: 'Tasks tagged "constructor": 2 of 12 done; other tasks: 25 of 30',
    });
  });
});

describe('diagnose: what the user is told for each stated reason', () => {
  it.each([
    ['too_big', 'You said it was too big'],
    ['unclear', 'You said it was unclear'],
    ['blocked', 'You said it was blocked'],
    ['deprioritized', 'You said it was no longer a priority'],
    ['no_time', 'You said there was no time for it'],
    ['low_energy', 'You said you had no energy for it'],
    ['forgot', 'You said you forgot it'],
    ['interrupted', 'You said you were interrupted'],
    ['other', 'You gave another reason'],
    ['something new', 'You gave another reason'],
  ])('explains the reason %s as "%s"', (reason, explanation) => {
    const stated = diagnose(taskOf({ reason }), evidenceOf(history([]))).find((c) => c.stated);
    expect(stated?.explanation).toBe(explanation);
  });

  it('is 0.7 sure of a named reason, 0.4 of "other" or a reason it does not know', () => {
    expect(diagnose(taskOf({ reason: 'forgot' }), evidenceOf(history([])))[0]!.confidence).toBe(0.7);
    expect(diagnose(taskOf({ reason: 'other' }), evidenceOf(history([])))[0]!.confidence).toBe(0.4);
    expect(diagnose(taskOf({ reason: 'something new' }), evidenceOf(history([])))[0]!.confidence).toBe(0.4);
  });
});

describe('diagnose: a reason given habitually', () => {
  it('closes part of the gap to 1 with the share of failures given that reason (6 of 10: 0.75)', () => {
    const habitual = history([...outcomes(10, 0), ...outcomes(0, 6, { reason: 'forgot' }), ...outcomes(0, 4, { reason: 'no_time' })]);
    expect(diagnose(taskOf({ reason: 'forgot' }), evidenceOf(habitual))[0]!.confidence).toBe(0.75);
  });

  it('counts from minSamples failed tasks and twice the same reason (2 of 8: 0.72)', () => {
    const justEnough = history([...outcomes(8, 0), ...outcomes(0, 2, { reason: 'forgot' }), ...outcomes(0, 6, { reason: 'no_time' })]);
    expect(diagnose(taskOf({ reason: 'forgot' }), evidenceOf(justEnough))[0]).toMatchObject({
      kind: 'forgot',
      confidence: 0.72,
      explanation: 'You said you forgot it, as for 2 of your 8 failed tasks',
    });
  });

  it('says nothing of a habit under minSamples failed tasks, even when every one gave the reason', () => {
    const fewFailures = history([...outcomes(10, 0), ...outcomes(0, 7, { reason: 'forgot' })]);
    expect(diagnose(taskOf({ reason: 'forgot' }), evidenceOf(fewFailures))).toEqual([
      { kind: 'forgot', confidence: 0.7, stated: true, explanation: 'You said you forgot it', evidence: null },
    ]);
  });

  it('says nothing of a habit from a reason given once before', () => {
    const once = history([...outcomes(10, 0), ...outcomes(0, 1, { reason: 'forgot' }), ...outcomes(0, 9, { reason: 'no_time' })]);
    expect(diagnose(taskOf({ reason: 'forgot' }), evidenceOf(once))[0]).toMatchObject({ confidence: 0.7, explanation: 'You said you forgot it' });
  });
});

describe('diagnose: a stated reason backed by the data', () => {
  /** Fails at 21:00 or later and on days with 2+ tasks (the same outcomes): both findings at 0.81. */
  const lateAndLoaded = history([...outcomes(2, 12, { hour: 21, load: 7 }), ...outcomes(22, 4, { hour: 10, load: 2 })]);
  const confidences = (causes: readonly Cause[]) => causes.map((c) => [c.kind, c.confidence]);

  it.each(['no_time', 'interrupted', 'low_energy'])('raises %s with an overloaded day (0.7 -> 0.85)', (reason) => {
    const causes = diagnose(taskOf({ reason, dayLoad: 7, localHour: 10 }), evidenceOf(lateAndLoaded, { capacity: 4 }));
    expect(confidences(causes)).toEqual([
      [reason, 0.85],
      ['overloaded_day', 0.81],
    ]);
  });

  it('raises low energy with a wrong time of day, and with both a wrong time and an overloaded day', () => {
    const atNight = diagnose(taskOf({ reason: 'low_energy', dayLoad: 1, localHour: 21 }), evidenceOf(lateAndLoaded, { capacity: 4 }));
    expect(confidences(atNight)).toEqual([
      ['low_energy', 0.85],
      ['wrong_time', 0.81],
    ]);
    const both = diagnose(taskOf({ reason: 'low_energy', dayLoad: 7, localHour: 21 }), evidenceOf(lateAndLoaded, { capacity: 4 }));
    expect(confidences(both)).toEqual([
      ['low_energy', 0.92],
      ['overloaded_day', 0.81],
      ['wrong_time', 0.81],
    ]);
  });

  it('does not raise "no time" with a wrong time of day, nor "blocked" or "forgot" with anything', () => {
    expect(confidences(diagnose(taskOf({ reason: 'no_time', dayLoad: 1, localHour: 21 }), evidenceOf(lateAndLoaded)))).toEqual([
      ['wrong_time', 0.81],
      ['no_time', 0.7],
    ]);
    for (const reason of ['blocked', 'forgot']) {
      const causes = diagnose(taskOf({ reason, dayLoad: 7, localHour: 21 }), evidenceOf(lateAndLoaded, { capacity: 4 }));
      expect(find(causes, reason)!.confidence).toBe(0.7);
    }
  });

  it('merges "unclear" with the vague wording it sees: 0.7 raised by 0.4 is 0.77', () => {
    const [cause] = diagnose(taskOf({ title: 'Website', reason: 'unclear' }), evidenceOf(history([])));
    expect(cause!.confidence).toBe(0.77);
  });

  it('puts what the user said first in the explanation, even when the data are surer (0.78 against 0.7)', () => {
    const [top] = diagnose(taskOf({ reason: 'too_big', estimateMinutes: 100 }), evidenceOf(failsBigTasks));
    expect(top).toMatchObject({ kind: 'too_big', stated: true, confidence: 0.87 });
    expect(top!.explanation).toBe('You said it was too big. Tasks over 60 min: 2 of 12 done; 60 min or less: 25 of 30');
  });
});

describe('diagnose: postponements', () => {
  it('counts one postponement in the singular', () => {
    expect(diagnose(taskOf({ trigger: 'postponed', deferrals: 1 }), evidenceOf(history([])))).toEqual([
      { kind: 'postponed', confidence: 0.6, stated: false, explanation: 'Postponed 1 time without being done', evidence: null },
    ]);
  });

  it('is 0.05 surer a further postponement of a failed task, up to 0.45', () => {
    const confidence = (deferrals: number) => find(diagnose(taskOf({ deferrals }), evidenceOf(history([]))), 'postponed')?.confidence;
    expect(confidence(1)).toBeUndefined();
    expect(confidence(2)).toBe(0.3);
    expect(confidence(3)).toBe(0.35);
    expect(confidence(5)).toBe(0.45);
    expect(confidence(9)).toBe(0.45);
  });

  it('reads one postponement from the history as a cause', () => {
    const user = history([...outcomes(0, 9, { deferrals: 1 }), ...outcomes(10, 6, { deferrals: 0 })]);
    const cause = find(diagnose(taskOf({ deferrals: 1 }), evidenceOf(user)), 'postponed');
    expect(cause).toMatchObject({ stated: false, explanation: 'Tasks postponed at least once: 0 of 9 done; never postponed: 10 of 16' });
  });

  it('joins the history with the trigger, both as sure (0.6): one cause, not stated, the history first', () => {
    const user = history([...outcomes(0, 9, { deferrals: 3 }), ...outcomes(10, 6, { deferrals: 0 })]);
    const causes = diagnose(taskOf({ trigger: 'postponed', deferrals: 3 }), evidenceOf(user));
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({
      kind: 'postponed',
      stated: false,
      confidence: 0.74,
      explanation: 'Tasks postponed 3+ times: 0 of 9 done; postponed at most twice: 10 of 16. Postponed 3 times without being done',
    });
  });

  it('keeps a merged postponement unstated next to a stated reason', () => {
    const user = history([...outcomes(30, 6, { deferrals: 0 }), ...outcomes(1, 9, { deferrals: 2 }), ...outcomes(1, 7, { deferrals: 3 })]);
    const causes = diagnose(taskOf({ deferrals: 4, reason: 'forgot' }), evidenceOf(user));
    expect(causes.map((c) => [c.kind, c.stated])).toEqual([
      ['postponed', false],
      ['forgot', true],
    ]);
  });
});

describe('diagnose: vague wording', () => {
  it('is 0.1 + 0.15 a sign: 0.25 for one, 0.4 for two', () => {
    const long = 'Write about the trip and also the photos and the budget and the plan for next year with everyone';
    expect(find(diagnose(taskOf({ title: long }), evidenceOf(history([]))), 'vague')!.confidence).toBe(0.25);
    expect(find(diagnose(taskOf({ title: 'Website' }), evidenceOf(history([]))), 'vague')!.confidence).toBe(0.4);
  });

  it('finds no structural cause in a clear, estimated task never postponed', () => {
    expect(structuralCauses(taskOf())).toEqual([]);
    expect(structuralCauses(taskOf({ title: 'Website' })).map((c) => c.kind)).toEqual(['vague']);
    expect(structuralCauses(taskOf({ deferrals: 2 })).map((c) => c.kind)).toEqual(['postponed']);
  });
});

describe('diagnose: ties in confidence', () => {
  /** Every habit in the same outcomes: each finding has the same numbers and the same confidence (0.78). */
  const failsEverything = history([
    ...outcomes(2, 10, { minutes: 100, hour: 21, weekday: 4, load: 7, deferrals: 1, priority: 4, tags: ['admin'] }),
    ...outcomes(25, 5, { minutes: 20, hour: 10, weekday: 0, load: 1, deferrals: 0, priority: 1, tags: [] }),
  ]);

  it('ranks equally sure findings by what most changes the plan: size, load, hour, weekday, postponements, priority, tag', () => {
    const task = taskOf({ estimateMinutes: 100, localHour: 21, scheduledDate: '2026-12-11', dayLoad: 7, deferrals: 1, priority: 4, tags: ['admin'] });
    const causes = diagnose(task, evidenceOf(failsEverything, { capacity: 4 }));
    expect(causes.map((c) => [c.kind, c.confidence])).toEqual([
      ['too_big', 0.78],
      ['overloaded_day', 0.78],
      ['wrong_time', 0.78],
      ['wrong_weekday', 0.78],
      ['postponed', 0.78],
      ['low_priority', 0.78],
      ['tag', 0.78],
    ]);
  });

  it('ranks vague wording before an equally sure size or postponement', () => {
    const failsOverNinety = history([...outcomes(0, 8, { minutes: 100 }), ...outcomes(10, 0, { minutes: 20 })]);
    // 0.8 discounted by 1 accepted and 3 rejected plans: 0.4, as sure as two signs of vague wording.
    const evidence: CoachEvidence = { ...evidenceOf(failsOverNinety), planFeedback: { too_big: { accepted: 1, rejected: 3 } } };
    const sized = diagnose(taskOf({ title: 'Website', estimateMinutes: 100 }), evidence);
    expect(sized.map((c) => [c.kind, c.confidence])).toEqual([
      ['vague', 0.4],
      ['too_big', 0.4],
    ]);
    const postponed = diagnose(taskOf({ title: 'Website', deferrals: 4 }), evidenceOf(history([])));
    expect(postponed.map((c) => [c.kind, c.confidence])).toEqual([
      ['vague', 0.4],
      ['postponed', 0.4],
    ]);
  });

  it('ranks the stated reason before an equally sure cause it did not state', () => {
    const causes = diagnose(taskOf({ title: 'Website', reason: 'other' }), evidenceOf(history([])));
    expect(causes.map((c) => [c.kind, c.confidence, c.stated])).toEqual([
      ['other', 0.4, true],
      ['vague', 0.4, false],
    ]);
  });
});

describe('diagnose: the user\'s decisions on earlier plans, at the edge', () => {
  it('discounts from two rejections when they outnumber the acceptances: 0.78 x 2/3', () => {
    const task = taskOf({ estimateMinutes: 100 });
    const heeded = find(diagnose(task, { ...evidenceOf(failsBigTasks), planFeedback: { too_big: { accepted: 1, rejected: 2 } } }), 'too_big')!;
    expect(heeded.confidence).toBe(0.52);
    expect(heeded.explanation).toBe('Tasks over 60 min: 2 of 12 done; 60 min or less: 25 of 30 (though you turned down 2 of the 3 plans built on it)');
  });
});

describe('diagnose: facts the history cannot be read for', () => {
  /** Fails at 20:00 or later (2 of 12 done), finishes the day (36 of 42). */
  const failsLate = history([...outcomes(1, 5, { hour: 20 }), ...outcomes(1, 5, { hour: 22 }), ...outcomes(26, 4, { hour: 9 }), ...outcomes(10, 2, { hour: 14 })]);
  const wrongTime = (localHour: number | null) => find(diagnose(taskOf({ localHour }), evidenceOf(failsLate)), 'wrong_time');

  it('reads the hours 0 and 23 as any other', () => {
    expect(wrongTime(0)?.explanation).toBe('Tasks at 20:00 or later: 2 of 12 done; 05:00-19:59: 36 of 42');
    expect(wrongTime(23)?.explanation).toBe('Tasks at 20:00 or later: 2 of 12 done; 05:00-19:59: 36 of 42');
  });

  it('blames no time of day on a task without a whole hour 0-23', () => {
    for (const hour of [null, -1, 24, 21.5]) expect(wrongTime(hour)).toBeUndefined();
  });

  it('blames no size on an estimate that is not a positive number', () => {
    for (const estimateMinutes of [null, 0, -100, Number.NaN]) {
      expect(find(diagnose(taskOf({ estimateMinutes }), evidenceOf(failsBigTasks)), 'too_big')).toBeUndefined();
    }
  });

  it('blames no weekday, and does not fail, on a scheduled date that is not a calendar day', () => {
    const failsFridays = history([...outcomes(1, 9, { weekday: 4 }), ...outcomes(34, 6, { weekday: 0 })]);
    expect(find(diagnose(taskOf({ scheduledDate: '2026-12-11' }), evidenceOf(failsFridays)), 'wrong_weekday')).toBeDefined();
    for (const scheduledDate of ['2026-02-30', 'Friday', null]) {
      expect(find(diagnose(taskOf({ scheduledDate }), evidenceOf(failsFridays)), 'wrong_weekday')).toBeUndefined();
    }
  });

  it('claims no low priority from a history that does not know priorities', () => {
    const { priority: _unknown, ...withoutPriorities }: GroupedCounts = history([...outcomes(3, 11, { minutes: 30 }), ...outcomes(22, 4, { minutes: 20 })]);
    expect(diagnose(taskOf({ priority: 4 }), evidenceOf(withoutPriorities))).toEqual([]);
  });

  it('reads priority 2 against priority 1', () => {
    const failsAllButTop = history([...outcomes(2, 10, { priority: 3 }), ...outcomes(25, 5, { priority: 1 })]);
    expect(find(diagnose(taskOf({ priority: 2 }), evidenceOf(failsAllButTop)), 'low_priority')?.explanation).toBe('Priority 2-4 tasks: 2 of 12 done; priority 1: 25 of 30');
  });

  it('names, of two tags with the same numbers, the first in alphabetical order', () => {
    const failsTwoTags = history([...outcomes(2, 10, { tags: ['admin', 'bills'] }), ...outcomes(25, 5)]);
    expect(find(diagnose(taskOf({ tags: ['Bills', 'admin'] }), evidenceOf(failsTwoTags)), 'tag')?.explanation).toBe('Tasks tagged "admin": 2 of 12 done; other tasks: 25 of 30');
  });
});

describe('diagnose: an overloaded day against what the user usually finishes', () => {
  /** Fails days with 2+ tasks (2 of 12 done), finishes days with one (25 of 30). */
  const failsBusyDays = history([...outcomes(2, 10, { load: 2 }), ...outcomes(25, 5, { load: 1 })]);
  const overloaded = (capacity: number | null) => find(diagnose(taskOf({ dayLoad: 2 }), evidenceOf(failsBusyDays, { capacity })), 'overloaded_day');

  it('reads a day with two tasks as loaded', () => {
    expect(overloaded(null)).toMatchObject({ avoid: { hours: [], weekdays: [], loadFrom: 2 } });
  });

  it('says nothing of a usual number without one', () => {
    expect(overloaded(null)?.explanation).toBe('2 tasks were scheduled that day; days with 2+ tasks scheduled: 2 of 12 done; days with 1 task: 25 of 30');
  });

  it('says "more than" only when the day had more tasks than the user usually finishes', () => {
    expect(overloaded(1)?.explanation).toMatch(/^2 tasks were scheduled that day, more than the 1 you usually finish; /);
    expect(overloaded(2)?.explanation).toMatch(/^2 tasks were scheduled that day \(you usually finish 2\); /);
    expect(overloaded(2.5)?.explanation).toMatch(/^2 tasks were scheduled that day \(you usually finish 2\.5\); /);
  });
});
