import type { UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { SUCCESS_MODEL_AGGREGATE, TASK_SCORES_CHANGED } from '@ln/learning/contracts/task-scores.contract';
import type { TaskPrediction, TaskPredictions } from '@ln/tasks/application/ports/task-predictions.port';
import { PREDICTION_EVENT_TYPES, RecordTaskPredictions, predictionsOf } from '@ln/tasks/application/record-predictions/record-predictions.service';
import { RecordingReadCache } from '../../support/task-fakes';

/**
 * The task context's consumer of the learning context's published predictions, in memory: the
 * payload check (a malformed event is refused, so it dead-letters, and nothing is stored), what
 * reaches the TaskPredictions port, and the owner's cache invalidated after the commit.
 */

const ALICE = '00000000-0000-7000-8000-00000000a11c';
const T1 = '00000000-0000-7000-8000-000000000001';
const T2 = '00000000-0000-7000-8000-000000000002';
const T3 = '00000000-0000-7000-8000-000000000003';

/** Every call to the port, in order (and into the shared log). */
class RecordingTaskPredictions implements TaskPredictions {
  readonly calls: { ownerId: string; modelVersion: number; predictions: readonly TaskPrediction[]; removed: readonly string[] }[] = [];
  constructor(private readonly log: string[]) {}
  async record(ownerId: string, modelVersion: number, predictions: readonly TaskPrediction[], removed: readonly string[]): Promise<void> {
    this.calls.push({ ownerId, modelVersion, predictions, removed });
    this.log.push(`record ${ownerId} v${modelVersion}`);
  }
}

/** A transaction that is still open: after-commit hooks wait for `commit()` (or are dropped by `rollback()`). */
class OpenUnitOfWork implements UnitOfWork {
  private hooks: (() => Promise<void>)[] = [];
  constructor(private readonly log: string[]) {}
  run<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  savepoint<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  async afterCommit(hook: () => Promise<void>): Promise<void> {
    this.hooks.push(hook);
  }
  async commit(): Promise<void> {
    this.log.push('commit');
    const hooks = this.hooks;
    this.hooks = [];
    for (const hook of hooks) await hook();
  }
  rollback(): void {
    this.hooks = [];
  }
}

function setup() {
  const log: string[] = [];
  const predictions = new RecordingTaskPredictions(log);
  const cache = new RecordingReadCache(log);
  const uow = new OpenUnitOfWork(log);
  const service = new RecordTaskPredictions(predictions, cache, uow);
  return { log, predictions, cache, uow, service };
}

const factor = (text = 'scheduled after 21:00: 3 of 11 such tasks done', effect: unknown = 'hurts'): unknown => ({ text, effect });
const score = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  taskId: T1,
  successProbability: 0.27,
  factors: [factor()],
  ...over,
});

function event(payload: unknown, over: Partial<DomainEvent> = {}): DomainEvent {
  return {
    eventId: '00000000-0000-7000-8000-0000000e0001',
    type: TASK_SCORES_CHANGED,
    aggregateType: SUCCESS_MODEL_AGGREGATE,
    aggregateId: ALICE,
    userId: ALICE,
    version: 7,
    occurredAt: '2026-03-01T09:00:00.000Z',
    payload: payload as Record<string, unknown>,
    ...over,
  };
}

const withScores = (scores: unknown, removed: unknown = []) => event({ scores, removed });

/** The messages of the refusals (so a refusal is the check's, not a crash on a missing field). */
const NOT_THE_TYPE = new RegExp(`^not a ${TASK_SCORES_CHANGED.replace(/\./g, '\\.')} event: `);
const NO_VERSION = new RegExp(`^${TASK_SCORES_CHANGED.replace(/\./g, '\\.')} without a model version$`);
const BAD_SCORES = new RegExp(`^${TASK_SCORES_CHANGED.replace(/\./g, '\\.')} with malformed scores$`);
const NO_PAYLOAD = new RegExp(`^${TASK_SCORES_CHANGED.replace(/\./g, '\\.')} without a payload$`);
const TWICE = new RegExp(`^${TASK_SCORES_CHANGED.replace(/\./g, '\\.')} scoring a task twice$`);
const BAD_REMOVALS = new RegExp(`^${TASK_SCORES_CHANGED.replace(/\./g, '\\.')} with malformed removals$`);

/** Refused by `predictionsOf` and by the service: a TypeError with that message, and nothing stored or invalidated. */
async function expectRefused(e: DomainEvent, message: RegExp): Promise<void> {
  expect(() => predictionsOf(e)).toThrow(TypeError);
  expect(() => predictionsOf(e)).toThrow(message);
  const s = setup();
  const refused = s.service.record(e);
  await expect(refused).rejects.toBeInstanceOf(TypeError);
  await expect(refused).rejects.toThrow(message);
  await s.uow.commit();
  expect(s.predictions.calls).toEqual([]);
  expect(s.cache.invalidations).toEqual([]);
  expect(s.log).toEqual(['commit']);
}

/** Accepted: `predictionsOf` gives the payload's scores and removals back, and the service stores exactly them. */
async function expectAccepted(e: DomainEvent): Promise<void> {
  const p = e.payload as { scores: unknown[]; removed: unknown[] };
  expect(predictionsOf(e)).toEqual({ scores: p.scores, removed: p.removed });
  const s = setup();
  await s.service.record(e);
  expect(s.predictions.calls).toEqual([{ ownerId: e.userId, modelVersion: e.version, predictions: p.scores, removed: p.removed }]);
}

describe('RecordTaskPredictions', () => {
  it('consumes exactly the learning context\'s task-scores events', () => {
    expect(PREDICTION_EVENT_TYPES).toEqual([TASK_SCORES_CHANGED]);
    expect(TASK_SCORES_CHANGED).toBe('learning.task-scores.v1');
  });

  describe('recording', () => {
    it('stores the scores and removals for the event\'s user at the event\'s model version, then invalidates that user\'s reads after the commit', async () => {
      const s = setup();
      const scores = [
        score({ taskId: T1, successProbability: 0.27, factors: [factor('scheduled after 21:00: 3 of 11 such tasks done', 'hurts'), factor('tagged "gym": 9 of 10 done', 'helps')] }),
        score({ taskId: T2, successProbability: 0.91, factors: [] }),
      ];
      const e = event({ scores, removed: [T3] }, { userId: ALICE, version: 12 });
      await s.service.record(e);
      expect(s.predictions.calls).toEqual([{ ownerId: ALICE, modelVersion: 12, predictions: scores, removed: [T3] }]);
      // Not before the transaction commits: a reader could cache the old predictions again.
      expect(s.cache.invalidations).toEqual([]);
      await s.uow.commit();
      expect(s.cache.invalidations).toEqual([ALICE]);
      expect(s.log).toEqual([`record ${ALICE} v12`, 'commit', `invalidate ${ALICE}`]);
    });

    it('the owner\'s cached task reads are stale after the commit (and only that owner\'s)', async () => {
      const s = setup();
      const BOB = '00000000-0000-7000-8000-000000000b0b';
      let loads = 0;
      const load = async () => `v${++loads}`;
      await s.cache.read(ALICE, 'tasks', load);
      await s.cache.read(BOB, 'tasks', load);
      await s.service.record(withScores([score()]));
      await expect(s.cache.read(ALICE, 'tasks', load)).resolves.toBe('v1');
      await s.uow.commit();
      await expect(s.cache.read(ALICE, 'tasks', load)).resolves.toBe('v3');
      await expect(s.cache.read(BOB, 'tasks', load)).resolves.toBe('v2');
    });

    it('a rolled-back transaction invalidates nothing', async () => {
      const s = setup();
      await s.service.record(withScores([score()]));
      s.uow.rollback();
      await s.uow.commit();
      expect(s.cache.invalidations).toEqual([]);
    });

    it('uses the event\'s user, not its aggregate id', async () => {
      const s = setup();
      const CAROL = '00000000-0000-7000-8000-0000000ca201';
      await s.service.record(event({ scores: [score()], removed: [] }, { userId: CAROL, aggregateId: ALICE }));
      await s.uow.commit();
      expect(s.predictions.calls.map((c) => c.ownerId)).toEqual([CAROL]);
      expect(s.cache.invalidations).toEqual([CAROL]);
    });

    it('an event with neither scores nor removals stores nothing and invalidates nothing', async () => {
      const s = setup();
      await s.service.record(withScores([], []));
      await s.uow.commit();
      expect(s.predictions.calls).toEqual([]);
      expect(s.cache.invalidations).toEqual([]);
    });

    it('scores without removals are stored', async () => {
      const s = setup();
      const scores = [score({ taskId: T2 })];
      await s.service.record(withScores(scores, []));
      await s.uow.commit();
      expect(s.predictions.calls).toEqual([{ ownerId: ALICE, modelVersion: 7, predictions: scores, removed: [] }]);
      expect(s.cache.invalidations).toEqual([ALICE]);
    });

    it('removals without scores are stored', async () => {
      const s = setup();
      await s.service.record(withScores([], [T1, T2]));
      await s.uow.commit();
      expect(s.predictions.calls).toEqual([{ ownerId: ALICE, modelVersion: 7, predictions: [], removed: [T1, T2] }]);
      expect(s.cache.invalidations).toEqual([ALICE]);
    });

    it('two events: two records, two invalidations, each after its own commit', async () => {
      const s = setup();
      await s.service.record(withScores([score({ taskId: T1 })]));
      await s.uow.commit();
      await s.service.record(event({ scores: [], removed: [T1] }, { version: 8 }));
      await s.uow.commit();
      expect(s.log).toEqual([`record ${ALICE} v7`, 'commit', `invalidate ${ALICE}`, `record ${ALICE} v8`, 'commit', `invalidate ${ALICE}`]);
    });
  });

  describe('the event', () => {
    it('of another type is refused', async () => {
      await expectRefused(event({ scores: [score()], removed: [] }, { type: 'learning.task-scores.v2' }), NOT_THE_TYPE);
      await expectRefused(event({ scores: [score()], removed: [] }, { type: 'task.created.v1' }), NOT_THE_TYPE);
      await expectRefused(event({ scores: [score()], removed: [] }, { type: '' }), NOT_THE_TYPE);
    });

    it('model version: a positive integer (1 accepted; 0, negative, fractional, NaN refused)', async () => {
      await expectAccepted(event({ scores: [score()], removed: [] }, { version: 1 }));
      await expectAccepted(event({ scores: [score()], removed: [] }, { version: 2 }));
      await expectRefused(event({ scores: [score()], removed: [] }, { version: 0 }), NO_VERSION);
      await expectRefused(event({ scores: [score()], removed: [] }, { version: -3 }), NO_VERSION);
      await expectRefused(event({ scores: [score()], removed: [] }, { version: 1.5 }), NO_VERSION);
      await expectRefused(event({ scores: [score()], removed: [] }, { version: Number.NaN }), NO_VERSION);
      await expectRefused(event({ scores: [score()], removed: [] }, { version: '3' as unknown as number }), NO_VERSION);
    });

    it('the type is checked before the version', async () => {
      await expectRefused(event({ scores: [score()], removed: [] }, { type: 'x.v1', version: 0 }), NOT_THE_TYPE);
    });
  });

  describe('the payload', () => {
    it('must be an object (null, an array, a string refused with the check\'s own error)', async () => {
      await expectRefused(event(null), NO_PAYLOAD);
      await expectRefused(event(undefined), NO_PAYLOAD);
      await expectRefused(event([]), NO_PAYLOAD);
      await expectRefused(event('{"scores":[],"removed":[]}'), NO_PAYLOAD);
    });

    it('the payload is checked after the type and the version', async () => {
      await expectRefused(event(null, { type: 'tasks.task-created.v1' }), NOT_THE_TYPE);
      await expectRefused(event(null, { version: 0 }), NO_VERSION);
    });

    it('a task scored twice in one event is refused (whatever the letter case); scored and removed is allowed', async () => {
      await expectRefused(withScores([score({ taskId: T1 }), score({ taskId: T2 }), score({ taskId: T1, successProbability: 0.9 })]), TWICE);
      const upper = 'ABCDEF01-0000-7000-8000-000000000001';
      await expectRefused(withScores([score({ taskId: upper }), score({ taskId: upper.toLowerCase() })]), TWICE);
      await expectAccepted(withScores([score({ taskId: T1 }), score({ taskId: T2 })], [T1]));
    });

    it('task ids must be UUIDs, in scores and in removals', async () => {
      await expectRefused(withScores([score({ taskId: 'task-1' })]), BAD_SCORES);
      await expectRefused(withScores([score({ taskId: `${T1} ` })]), BAD_SCORES);
      await expectRefused(withScores([score({ taskId: '' })]), BAD_SCORES);
      await expectRefused(withScores([score()], ['task-2']), BAD_REMOVALS);
      await expectRefused(withScores([score()], [`x${T2}`]), BAD_REMOVALS);
      // An array holding a UUID reads as that UUID when coerced to a string: refused all the same.
      await expectRefused(withScores([score()], [[T2]]), BAD_REMOVALS);
      await expectAccepted(withScores([score({ taskId: T1.toUpperCase() })], [T2.toUpperCase()]));
    });

    it('scores must be an array', async () => {
      await expectRefused(event({ removed: [] }), BAD_SCORES);
      await expectRefused(withScores(null), BAD_SCORES);
      await expectRefused(withScores('[]'), BAD_SCORES);
      await expectRefused(withScores({ length: 0 }), BAD_SCORES);
      await expectRefused(withScores(score()), BAD_SCORES);
    });

    it('removed must be an array of strings', async () => {
      await expectRefused(event({ scores: [score()] }), BAD_REMOVALS);
      await expectRefused(withScores([score()], null), BAD_REMOVALS);
      await expectRefused(withScores([score()], T1), BAD_REMOVALS);
      await expectRefused(withScores([score()], { 0: T1, length: 1 }), BAD_REMOVALS);
      await expectRefused(withScores([score()], [7]), BAD_REMOVALS);
      await expectRefused(withScores([score()], [T1, null]), BAD_REMOVALS);
      await expectRefused(withScores([], [T1, 2, T2]), BAD_REMOVALS);
      await expectAccepted(withScores([score()], [T2, T3]));
    });

    it('scores are checked before removals', async () => {
      await expectRefused(withScores([score({ taskId: 1 })], [2]), BAD_SCORES);
    });

    it('one malformed score among good ones refuses the whole event', async () => {
      await expectRefused(withScores([score({ taskId: T1 }), score({ taskId: T2, successProbability: 2 }), score({ taskId: T3 })]), BAD_SCORES);
      await expectRefused(withScores([score({ taskId: T1, successProbability: -1 }), score({ taskId: T2 })]), BAD_SCORES);
    });
  });

  describe('a score', () => {
    it('must be an object', async () => {
      await expectRefused(withScores([null]), BAD_SCORES);
      await expectRefused(withScores([T1]), BAD_SCORES);
      await expectRefused(withScores([0.5]), BAD_SCORES);
      await expectRefused(withScores([undefined]), BAD_SCORES);
      // A function carrying the fields is not an object of the payload.
      const fn = Object.assign(() => undefined, { taskId: T1, successProbability: 0.5, factors: [] });
      await expectRefused(withScores([fn]), BAD_SCORES);
    });

    it('taskId must be a string', async () => {
      await expectRefused(withScores([score({ taskId: 1 })]), BAD_SCORES);
      await expectRefused(withScores([score({ taskId: null })]), BAD_SCORES);
      await expectRefused(withScores([score({ taskId: undefined })]), BAD_SCORES);
      await expectRefused(withScores([score({ taskId: [T1] })]), BAD_SCORES);
      await expectAccepted(withScores([score({ taskId: T2 })]));
    });

    it('successProbability: a number in 0..1, both ends included', async () => {
      await expectAccepted(withScores([score({ successProbability: 0 })]));
      await expectAccepted(withScores([score({ successProbability: 1 })]));
      await expectAccepted(withScores([score({ successProbability: 0.5 })]));
      await expectRefused(withScores([score({ successProbability: -0.0001 })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: 1.0001 })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: Number.NaN })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: Number.POSITIVE_INFINITY })]), BAD_SCORES);
    });

    it('successProbability must be a number, not a numeric string, boolean or null', async () => {
      await expectRefused(withScores([score({ successProbability: '0.5' })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: '1' })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: true })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: null })]), BAD_SCORES);
      await expectRefused(withScores([score({ successProbability: undefined })]), BAD_SCORES);
    });

    it('factors must be an array', async () => {
      const { factors: _omitted, ...noFactors } = score();
      await expectRefused(withScores([noFactors]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: null })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: 'scheduled late' })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: factor() })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: { length: 0, every: () => true } })]), BAD_SCORES);
      await expectAccepted(withScores([score({ factors: [] })]));
    });

    it('at most 3 factors (3 accepted, 4 refused)', async () => {
      await expectAccepted(withScores([score({ factors: [factor('a'), factor('b', 'helps'), factor('c')] })]));
      await expectRefused(withScores([score({ factors: [factor('a'), factor('b', 'helps'), factor('c'), factor('d')] })]), BAD_SCORES);
    });

    it('every factor must be well-formed, not just one of them', async () => {
      await expectRefused(withScores([score({ factors: [factor('fine'), factor('bad', 'meh')] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [factor('bad', 'meh'), factor('fine')] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [factor('fine'), null] })]), BAD_SCORES);
    });
  });

  describe('a factor', () => {
    it('must be an object', async () => {
      await expectRefused(withScores([score({ factors: [null] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: ['scheduled late'] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [3] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [undefined] })]), BAD_SCORES);
      const fn = Object.assign(() => undefined, { text: 'scheduled late', effect: 'hurts' });
      await expectRefused(withScores([score({ factors: [fn] })]), BAD_SCORES);
    });

    it('text must be a string', async () => {
      await expectRefused(withScores([score({ factors: [{ effect: 'helps' }] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [{ text: 42, effect: 'helps' }] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [{ text: null, effect: 'hurts' }] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [{ text: ['x'], effect: 'hurts' }] })]), BAD_SCORES);
      await expectAccepted(withScores([score({ factors: [{ text: '', effect: 'hurts' }] })]));
    });

    it('text of at most 300 characters (300 accepted, 301 refused)', async () => {
      await expectAccepted(withScores([score({ factors: [factor('x'.repeat(300), 'helps')] })]));
      await expectAccepted(withScores([score({ factors: [factor('x'.repeat(299), 'hurts')] })]));
      await expectRefused(withScores([score({ factors: [factor('x'.repeat(301), 'helps')] })]), BAD_SCORES);
      await expectRefused(withScores([score({ factors: [factor('x'.repeat(1000), 'hurts')] })]), BAD_SCORES);
    });

    it('effect is \'helps\' or \'hurts\', nothing else', async () => {
      await expectAccepted(withScores([score({ factors: [factor('a', 'helps')] })]));
      await expectAccepted(withScores([score({ factors: [factor('a', 'hurts')] })]));
      await expectAccepted(withScores([score({ factors: [factor('a', 'helps'), factor('b', 'hurts')] })]));
      for (const effect of ['neutral', '', 'Helps', 'HURTS', 'helps ', undefined, null, 1, true]) {
        await expectRefused(withScores([score({ factors: [{ text: 'a', effect }] })]), BAD_SCORES);
      }
      await expectRefused(withScores([score({ factors: [{ text: 'a' }] })]), BAD_SCORES);
    });
  });
});
