import { DONE_TASK } from './tracked-task.fixtures';
import { type Cell, type TrackedTask, ZERO, addCounts, cellsOf, contributionChange } from './tracked-task.value-object';

const cell = (day: string, dimension: Cell['dimension'], key: string, counts: Partial<Cell> = {}): Cell => ({ ...ZERO, day, dimension, key, ...counts });
const DAY = '2026-03-02';
/** DONE_TASK's groups on its closing day, each with the same counts. */
const outcomeCells = (counts: Partial<Cell>): Cell[] => [
  cell(DAY, 'all', '', counts),
  cell(DAY, 'hour', '10', counts),
  cell(DAY, 'daypart', 'morning', counts),
  cell(DAY, 'weekday', '0', counts),
  cell(DAY, 'size', 'le30', counts),
  cell(DAY, 'deferrals', '0', counts),
];
const OPEN: TrackedTask = { ...DONE_TASK, status: 'open', closedDay: null };

describe('cellsOf, from the DONE_TASK fixture', () => {
  it('a done task: its day\'s plan with the outcome, then one cell per group on the closing day', () => {
    expect(cellsOf(DONE_TASK)).toEqual([cell(DAY, 'plan', '', { n: 1, done: 1 }), ...outcomeCells({ n: 1, done: 1 })]);
  });

  it('an open task with a kept closing day has no outcome: only its plan, counting it scheduled', () => {
    expect(cellsOf({ ...OPEN, closedDay: '2026-03-03' })).toEqual([cell(DAY, 'plan', '', { n: 1 })]);
  });

  it('a closed task without a closing day has no outcome, not even in its plan', () => {
    expect(cellsOf({ ...DONE_TASK, closedDay: null })).toEqual([cell(DAY, 'plan', '', { n: 1 })]);
    expect(cellsOf({ ...DONE_TASK, status: 'dropped', closedDay: null })).toEqual([cell(DAY, 'plan', '', { n: 1 })]);
  });

  it('without an hour, a scheduled day or an estimate: no plan, hour, daypart, weekday or size cells', () => {
    const bare: TrackedTask = { ...DONE_TASK, scheduledDate: null, localHour: null, estimateMinutes: null };
    expect(cellsOf(bare)).toEqual([cell(DAY, 'all', '', { n: 1, done: 1 }), cell(DAY, 'deferrals', '0', { n: 1, done: 1 })]);
  });

  it('a priority is a group keyed by its number, after the tags and before the postponements', () => {
    const cells = cellsOf({ ...DONE_TASK, priority: 1, tags: ['Home'] });
    expect(cells.map((c) => `${c.dimension}:${c.key}`)).toEqual(['plan:', 'all:', 'hour:10', 'daypart:morning', 'weekday:0', 'size:le30', 'tag:home', 'priority:1', 'deferrals:0']);
    expect(cells.find((c) => c.dimension === 'priority')).toEqual(cell(DAY, 'priority', '1', { n: 1, done: 1 }));
  });

  it('a failed task with no reason gets no reason group; a reason is kept as given', () => {
    const failed: TrackedTask = { ...DONE_TASK, status: 'failed' };
    expect(cellsOf(failed)).toEqual([cell(DAY, 'plan', '', { n: 1, failed: 1 }), ...outcomeCells({ n: 1, failed: 1 })]);
    expect(cellsOf({ ...failed, failureReason: 'no_time' }).find((c) => c.dimension === 'reason')).toEqual(cell(DAY, 'reason', 'no_time', { n: 1, failed: 1 }));
    expect(cellsOf({ ...DONE_TASK, status: 'dropped', failureReason: 'no_time' }).map((c) => c.dimension)).not.toContain('reason');
  });
});

describe('addCounts', () => {
  const total = cell('2026-03-01', 'tag', 'a', { n: 5, done: 4, failed: 3, dropped: 2, calibrated: 6, estimateSum: 70, actualSum: 80 });
  const c = cell('2026-03-09', 'hour', '9', { n: 1, done: 2, failed: 3, dropped: 4, calibrated: 5, estimateSum: 6, actualSum: 7 });

  it('adds every count and keeps the total\'s day, dimension and key', () => {
    expect(addCounts(total, c)).toEqual(cell('2026-03-01', 'tag', 'a', { n: 6, done: 6, failed: 6, dropped: 6, calibrated: 11, estimateSum: 76, actualSum: 87 }));
  });

  it('with sign -1 subtracts every count', () => {
    expect(addCounts(total, c, -1)).toEqual(cell('2026-03-01', 'tag', 'a', { n: 4, done: 2, failed: 0, dropped: -2, calibrated: 1, estimateSum: 64, actualSum: 73 }));
  });
});

describe('contributionChange, from the DONE_TASK fixture', () => {
  it('closing a scheduled task moves only its plan\'s outcome, and adds every group once', () => {
    expect(contributionChange(OPEN, DONE_TASK)).toEqual([cell(DAY, 'plan', '', { done: 1 }), ...outcomeCells({ n: 1, done: 1 })]);
    expect(contributionChange(OPEN, { ...DONE_TASK, status: 'failed' })).toEqual([cell(DAY, 'plan', '', { failed: 1 }), ...outcomeCells({ n: 1, failed: 1 })]);
    expect(contributionChange(OPEN, { ...DONE_TASK, status: 'dropped' })).toEqual([cell(DAY, 'plan', '', { dropped: 1 }), ...outcomeCells({ n: 1, dropped: 1 })]);
  });

  it('a change that moves only one count keeps that cell', () => {
    const timed: TrackedTask = { ...DONE_TASK, estimateMinutes: 20, actualMinutes: 25 };
    // 20 and 25 min stay in size le30, so only the calibration of `all` moves.
    expect(contributionChange({ ...DONE_TASK, estimateMinutes: 20 }, timed)).toEqual([cell(DAY, 'all', '', { calibrated: 1, estimateSum: 20, actualSum: 25 })]);
    expect(contributionChange(timed, { ...timed, estimateMinutes: 25 })).toEqual([cell(DAY, 'all', '', { estimateSum: 5 })]);
    expect(contributionChange(timed, { ...timed, actualMinutes: 40 })).toEqual([cell(DAY, 'all', '', { actualSum: 15 })]);
    expect(contributionChange({ ...DONE_TASK, estimateMinutes: 0, actualMinutes: null }, { ...DONE_TASK, estimateMinutes: 0, actualMinutes: 0 })).toEqual([cell(DAY, 'all', '', { calibrated: 1 })]);
  });

  it('scheduling an open task counts it in that day\'s plan only', () => {
    expect(contributionChange({ ...OPEN, scheduledDate: null }, OPEN)).toEqual([cell(DAY, 'plan', '', { n: 1 })]);
  });

  it('only a done task with both an estimate and an actual time calibrates', () => {
    const timed: TrackedTask = { ...DONE_TASK, estimateMinutes: 20, actualMinutes: 25 };
    const all = (task: TrackedTask) => cellsOf(task).find((c) => c.dimension === 'all');
    expect(all(timed)).toEqual(cell(DAY, 'all', '', { n: 1, done: 1, calibrated: 1, estimateSum: 20, actualSum: 25 }));
    expect(all({ ...timed, status: 'failed' })).toEqual(cell(DAY, 'all', '', { n: 1, failed: 1 }));
    expect(all({ ...timed, status: 'dropped' })).toEqual(cell(DAY, 'all', '', { n: 1, dropped: 1 }));
    expect(all({ ...timed, estimateMinutes: null })).toEqual(cell(DAY, 'all', '', { n: 1, done: 1 }));
    expect(all({ ...timed, actualMinutes: null })).toEqual(cell(DAY, 'all', '', { n: 1, done: 1 }));
  });

  it('undoing a change gives its exact negation', () => {
    const failed: TrackedTask = { ...DONE_TASK, status: 'failed', failureReason: 'too_big', priority: 3 };
    const negate = (c: Cell): Cell => addCounts({ ...c, ...ZERO }, c, -1);
    expect(contributionChange(failed, OPEN)).toEqual(contributionChange(OPEN, failed).map(negate));
  });
});
