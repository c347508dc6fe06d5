import { Task, type TaskState } from '../../domain/task.aggregate';
import { INSERT_COLUMNS, INSERT_COLUMN_TYPES, TASK_COLUMNS, type TaskRow, UNSCHEDULED, UPDATE_ASSIGNMENTS, WRITE_PARAMS, rowToState, stateToParams } from './task.mapper';

/** The mapper's pieces agree: every positional parameter lands in the column of its name, and reads back as it was. */

/** The column names of a list (an expression's by its alias); commas inside parentheses do not separate. */
const names = (list: string) => list.split(/,(?![^(]*\))/).map((c) => c.trim().split(/\s+AS\s+/i).pop()!.trim());
const WRITTEN = names(INSERT_COLUMNS);

function states(): TaskState[] {
  let n = 0;
  const ctx = { eventId: () => `e${++n}`, now: () => new Date(Date.UTC(2026, 0, 1, 10, 0, n)) };
  const plain = Task.create(ctx, { id: 't1', ownerId: 'u1', timezone: null, input: { title: 'plain' } });
  const full = Task.create(ctx, {
    id: 't2',
    ownerId: 'u1',
    timezone: 'Asia/Seoul',
    input: { title: 'full', notes: 'n', scheduledFor: '2026-03-02T08:00:00+09:00', dueAt: '2026-03-03T00:00:00Z', estimateMinutes: 30, priority: 2, tags: ['Home', 'x'] },
    parent: { id: 'p1', depth: 0 },
    replanOf: 'old',
  });
  full.postpone(ctx, '2026-03-04', 'Asia/Seoul');
  full.fail(ctx, 'blocked', 'waiting');
  const deleted = Task.create(ctx, { id: 't3', ownerId: 'u2', timezone: 'UTC', input: { title: 'gone', scheduledFor: '2026-05-01' } });
  deleted.drop(ctx);
  deleted.delete(ctx, 0);
  return [plain.state, full.state, deleted.state];
}

/** What storage gives back for the written parameters, by column name (jsonb parsed, as the drivers do). */
function storedRow(state: TaskState): TaskRow {
  const params = stateToParams(state);
  const row = Object.fromEntries(WRITTEN.slice(0, params.length).map((column, i) => [column, params[i]]));
  return { ...row, failure: typeof row.failure === 'string' ? JSON.parse(row.failure) : row.failure } as unknown as TaskRow;
}

describe('task persistence mapper', () => {
  it('one parameter per written column, create_fingerprint last; one unnest type per column', () => {
    for (const state of states()) expect(stateToParams(state)).toHaveLength(WRITTEN.length - 1);
    expect(WRITTEN.at(-1)).toBe('create_fingerprint');
    expect(INSERT_COLUMN_TYPES).toHaveLength(WRITTEN.length);
    expect(new Set(WRITTEN).size).toBe(WRITTEN.length);
  });

  it('the UPDATE sets every written column but the key and the fingerprint, each at its own parameter', () => {
    const assignments = UPDATE_ASSIGNMENTS.split(',').map((a) => a.trim().split('='));
    expect(assignments).toEqual(WRITTEN.slice(2, -1).map((column) => [column, `$${WRITTEN.indexOf(column) + 1}`]));
    expect(WRITTEN.slice(0, 2)).toEqual(['id', 'owner_id']);
  });

  it('reads what it writes: state -> parameters -> row -> the same state', () => {
    for (const state of states()) expect(rowToState(storedRow(state))).toEqual(state);
  });

  it('the columns read are the columns written, less the ones only storage uses', () => {
    expect(names(TASK_COLUMNS).sort()).toEqual(WRITTEN.filter((c) => c !== 'tag_keys' && c !== 'create_fingerprint').sort());
  });

  it('derived columns: the sort key in the owner\'s calendar (unscheduled last), tag keys in lower case', () => {
    const [plain, full] = states().map(storedRow);
    expect(plain.scheduled_sort).toBe(UNSCHEDULED);
    expect(full.scheduled_sort).toBe('2026-03-04|');
    expect((full as unknown as { tag_keys: string[] }).tag_keys).toEqual(['home', 'x']);
  });

  it('actual_minutes: written at its own parameter as an int, read back; null when not given or reopened', () => {
    let n = 0;
    const ctx = { eventId: () => `a${++n}`, now: () => new Date(Date.UTC(2026, 0, 2, 10, 0, n)) };
    const done = Task.create(ctx, { id: 'a1', ownerId: 'u1', timezone: null, input: { title: 'timed', estimateMinutes: 30 } });
    done.complete(ctx, 0, 45);
    const reopened = Task.create(ctx, { id: 'a2', ownerId: 'u1', timezone: null, input: { title: 'again' } });
    reopened.complete(ctx, 0, 10);
    reopened.reopen(ctx);
    const column = WRITTEN.indexOf('actual_minutes');
    expect(INSERT_COLUMN_TYPES[column]).toBe('int');
    expect(UPDATE_ASSIGNMENTS).toContain(`actual_minutes=$${column + 1}`);
    expect(WRITE_PARAMS).toBe(WRITTEN.length);
    expect(stateToParams(done.state)[column]).toBe(45);
    expect(storedRow(done.state).actual_minutes).toBe(45);
    expect(rowToState(storedRow(done.state))).toEqual(done.state);
    expect(rowToState(storedRow(done.state)).actualMinutes).toBe(45);
    expect(stateToParams(reopened.state)[column]).toBeNull();
    expect(rowToState(storedRow(reopened.state))).toEqual(reopened.state);
    expect(names(TASK_COLUMNS)).toContain('actual_minutes');
  });
});
