import { type Cell, DIMENSIONS, type TrackedTask, ZERO, cellsOf, contributionChange } from './tracked-task.value-object';

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

describe('TrackedTask cells, exactly', () => {
  const done: TrackedTask = { ...open, status: 'done', actualMinutes: 120, priority: 2, closedDay: '2026-03-03' };
  const c = (day: string, dimension: Cell['dimension'], key: string, counts: Partial<Cell>): Cell => ({ ...ZERO, day, dimension, key, ...counts });
  const calibration = { calibrated: 1, estimateSum: 90, actualSum: 120 };

  it('a done task: the plan of its scheduled day, then every group on the day it closed; calibration on all and its tags', () => {
    const o = { n: 1, done: 1 };
    expect(cellsOf(done)).toEqual([
      c('2026-03-02', 'plan', '', o),
      c('2026-03-03', 'all', '', { ...o, ...calibration }),
      c('2026-03-03', 'hour', '22', o),
      c('2026-03-03', 'daypart', 'night', o),
      c('2026-03-03', 'weekday', '0', o),
      c('2026-03-03', 'size', 'le90', o),
      c('2026-03-03', 'tag', 'work', { ...o, ...calibration }),
      c('2026-03-03', 'tag', 'deep', { ...o, ...calibration }),
      c('2026-03-03', 'priority', '2', o),
      c('2026-03-03', 'deferrals', '1', o),
    ]);
  });

  it('a failed task counts failed (with its reason) and never calibrates; a dropped one counts dropped', () => {
    const failed = cellsOf({ ...done, status: 'failed', failureReason: 'too_big', tags: [], priority: undefined });
    const f = { n: 1, failed: 1 };
    expect(failed).toEqual([
      c('2026-03-02', 'plan', '', f),
      c('2026-03-03', 'all', '', f),
      c('2026-03-03', 'hour', '22', f),
      c('2026-03-03', 'daypart', 'night', f),
      c('2026-03-03', 'weekday', '0', f),
      c('2026-03-03', 'size', 'le90', f),
      c('2026-03-03', 'deferrals', '1', f),
      c('2026-03-03', 'reason', 'too_big', f),
    ]);
    const dropped = cellsOf({ ...done, status: 'dropped', failureReason: 'too_big', tags: [], priority: null });
    expect(dropped.map((x) => `${x.dimension}:${x.key}`)).toEqual(['plan:', 'all:', 'hour:22', 'daypart:night', 'weekday:0', 'size:le90', 'deferrals:1']);
    for (const x of dropped) expect(x).toMatchObject({ n: 1, done: 0, failed: 0, dropped: 1, calibrated: 0 });
  });

  it('a reason only for a failed task that has one', () => {
    expect(cellsOf({ ...done, status: 'failed', failureReason: null }).map((x) => x.dimension)).not.toContain('reason');
    expect(cellsOf({ ...done, failureReason: 'too_big' }).map((x) => x.dimension)).not.toContain('reason');
  });

  it('calibrates only with both an estimate and an actual time', () => {
    expect(cellsOf({ ...done, actualMinutes: null }).find((x) => x.dimension === 'all')).toEqual(c('2026-03-03', 'all', '', { n: 1, done: 1 }));
    expect(cellsOf({ ...done, estimateMinutes: null }).find((x) => x.dimension === 'all')).toEqual(c('2026-03-03', 'all', '', { n: 1, done: 1 }));
  });

  it('a task without hour, scheduled day, estimate, tags or priority: only all and postponements', () => {
    const bare: TrackedTask = { ...open, status: 'done', scheduledDate: null, localHour: null, estimateMinutes: null, tags: [], deferrals: 3, closedDay: '2026-03-04' };
    expect(cellsOf(bare)).toEqual([c('2026-03-04', 'all', '', { n: 1, done: 1 }), c('2026-03-04', 'deferrals', '3+', { n: 1, done: 1 })]);
  });

  it('no outcome while open, even with a closing day kept, nor when closed without a day', () => {
    expect(cellsOf({ ...open, closedDay: '2026-03-03' })).toEqual([c('2026-03-02', 'plan', '', { n: 1 })]);
    expect(cellsOf({ ...done, closedDay: null })).toEqual([c('2026-03-02', 'plan', '', { n: 1 })]);
    expect(cellsOf({ ...open, scheduledDate: null })).toEqual([]);
    expect(cellsOf(null)).toEqual([]);
  });

  it('a change of closing day moves the outcome from one day to the other', () => {
    const bare: TrackedTask = { ...open, status: 'done', scheduledDate: null, localHour: null, estimateMinutes: null, tags: [], deferrals: 0, closedDay: '2026-03-03' };
    expect(contributionChange(bare, { ...bare, closedDay: '2026-03-04' })).toEqual([
      c('2026-03-03', 'all', '', { n: -1, done: -1 }),
      c('2026-03-03', 'deferrals', '0', { n: -1, done: -1 }),
      c('2026-03-04', 'all', '', { n: 1, done: 1 }),
      c('2026-03-04', 'deferrals', '0', { n: 1, done: 1 }),
    ]);
  });

  it('a change of any one count is kept', () => {
    const plan = (change: Cell[]) => change.find((x) => x.dimension === 'plan');
    const all = (change: Cell[]) => change.find((x) => x.dimension === 'all');
    // Scheduled: n only.
    expect(contributionChange({ ...open, scheduledDate: null }, open)).toEqual([c('2026-03-02', 'plan', '', { n: 1 })]);
    // Done, dropped: the plan's done or dropped only.
    expect(plan(contributionChange(open, { ...open, status: 'done', closedDay: '2026-03-02' }))).toEqual(c('2026-03-02', 'plan', '', { done: 1 }));
    expect(plan(contributionChange(open, { ...open, status: 'dropped', closedDay: '2026-03-02' }))).toEqual(c('2026-03-02', 'plan', '', { dropped: 1 }));
    const zero: TrackedTask = { ...open, status: 'done', estimateMinutes: 0, actualMinutes: null, tags: [], closedDay: '2026-03-02' };
    // An actual time of 0 on an estimate of 0: calibrated only.
    expect(all(contributionChange(zero, { ...zero, actualMinutes: 0 }))).toEqual(c('2026-03-02', 'all', '', { calibrated: 1 }));
    const timed: TrackedTask = { ...zero, estimateMinutes: 30, actualMinutes: 60 };
    expect(all(contributionChange(timed, { ...timed, estimateMinutes: 45 }))).toEqual(c('2026-03-02', 'all', '', { estimateSum: 15 }));
    expect(contributionChange(timed, { ...timed, actualMinutes: 90 })).toEqual([c('2026-03-02', 'all', '', { actualSum: 30 })]);
  });
});

describe('dimensions', () => {
  it('are the groups cells are kept by, and ZERO is no counts at all', () => {
    expect(DIMENSIONS).toEqual(['all', 'hour', 'daypart', 'weekday', 'size', 'tag', 'priority', 'deferrals', 'reason', 'plan', 'load']);
    expect(ZERO).toEqual({ n: 0, done: 0, failed: 0, dropped: 0, calibrated: 0, estimateSum: 0, actualSum: 0 });
  });
});
