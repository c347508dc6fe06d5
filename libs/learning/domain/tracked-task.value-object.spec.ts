import { type Cell, type TrackedTask, cellsOf, contributionChange } from './tracked-task.value-object';

const open: TrackedTask = {
  taskId: 't1',
  userId: 'u1',
  status: 'open',
  scheduledDate: '2026-03-02', // a Monday
  localHour: 22,
  estimateMinutes: 90,
  actualMinutes: null,
  tags: ['Work', 'deep'],
  deferrals: 1,
  failureReason: null,
  closedDay: null,
};

const key = (c: Cell) => `${c.day} ${c.dimension}:${c.key}`;

describe('TrackedTask cells', () => {
  it('an open scheduled task counts only toward its day\'s load', () => {
    expect(cellsOf(open).map(key)).toEqual(['2026-03-02 plan:']);
    expect(cellsOf(open)[0]).toMatchObject({ n: 1, done: 0, failed: 0 });
  });

  it('a failed task counts in every group it belongs to, on the day it closed', () => {
    const failed: TrackedTask = { ...open, status: 'failed', failureReason: 'too_big', closedDay: '2026-03-03' };
    expect(cellsOf(failed).map(key).sort()).toEqual(
      [
        '2026-03-02 plan:',
        '2026-03-03 all:',
        '2026-03-03 hour:22',
        '2026-03-03 daypart:night',
        '2026-03-03 weekday:0',
        '2026-03-03 size:le90',
        '2026-03-03 tag:work',
        '2026-03-03 tag:deep',
        '2026-03-03 deferrals:1',
        '2026-03-03 reason:too_big',
      ].sort(),
    );
    for (const c of cellsOf(failed)) expect(c).toMatchObject({ failed: 1, done: 0 });
  });

  it('a done task with an estimate and an actual time calibrates (overall and by tag)', () => {
    const done: TrackedTask = { ...open, status: 'done', actualMinutes: 120, closedDay: '2026-03-02' };
    const cells = cellsOf(done);
    expect(cells.find((c) => c.dimension === 'all')).toMatchObject({ done: 1, calibrated: 1, estimateSum: 90, actualSum: 120 });
    expect(cells.find((c) => c.dimension === 'tag' && c.key === 'deep')).toMatchObject({ calibrated: 1, estimateSum: 90, actualSum: 120 });
    expect(cells.find((c) => c.dimension === 'size')).toMatchObject({ calibrated: 0 });
  });

  it('a change is the new contribution minus the old: reopening undoes the outcome exactly', () => {
    const failed: TrackedTask = { ...open, status: 'failed', failureReason: 'no_time', closedDay: '2026-03-03' };
    const fail = contributionChange(open, failed);
    const reopen = contributionChange(failed, open);
    // Applying both leaves nothing: every cell of one is the negation of the other's.
    const net = new Map<string, number>();
    for (const c of [...fail, ...reopen]) net.set(key(c), (net.get(key(c)) ?? 0) + c.failed + c.n + c.done);
    expect([...net.values()].every((v) => v === 0)).toBe(true);
    // The plan cell's count of tasks does not move when a task closes; its outcome does.
    expect(fail.find((c) => c.dimension === 'plan')).toMatchObject({ n: 0, failed: 1 });
  });

  it('a delete removes everything the task contributed; an unchanged task contributes no change', () => {
    const done: TrackedTask = { ...open, status: 'done', closedDay: '2026-03-02' };
    const removal = contributionChange(done, null);
    expect(removal.length).toBe(cellsOf(done).length);
    for (const c of removal) expect(c.n).toBe(-1);
    expect(contributionChange(done, { ...done })).toEqual([]);
  });
});
