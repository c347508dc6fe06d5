import { type Cell, ZERO, addCounts } from './tracked-task.value-object';

/** All-time totals carry this day (they are not of any day). */
export const TOTAL_DAY = '1970-01-01';

const isEmpty = (c: Cell) => c.n === 0 && c.done === 0 && c.failed === 0 && c.dropped === 0 && c.calibrated === 0 && c.estimateSum === 0 && c.actualSum === 0;

function fold(into: Map<string, Cell>, c: Cell, sign: 1 | -1 = 1): void {
  const k = `${c.dimension}|${c.key}`;
  into.set(k, addCounts(into.get(k) ?? { ...ZERO, day: TOTAL_DAY, dimension: c.dimension, key: c.key }, c, sign));
}

/** A day's `plan` cell as its contribution to the `load` totals: its outcomes under the day's count of tasks. */
function loadCell(plan: Cell): Cell {
  return { ...plan, day: TOTAL_DAY, dimension: 'load', key: String(plan.n) };
}

/**
 * A user's all-time totals from their per-day cells: every dimension summed over days, `plan`
 * turned into `load` (each day's outcomes under its count of tasks). What the success model needs,
 * in a number of cells that does not grow with the days of history.
 */
export function totalsOf(cells: readonly Cell[]): Cell[] {
  const totals = new Map<string, Cell>();
  const days = new Map<string, Cell>();
  for (const c of cells) {
    if (c.dimension === 'plan') days.set(c.day, addCounts(days.get(c.day) ?? { ...ZERO, day: c.day, dimension: 'plan', key: '' }, c));
    else fold(totals, c);
  }
  for (const day of days.values()) if (day.n > 0) fold(totals, loadCell(day));
  return [...totals.values()].filter((c) => !isEmpty(c));
}

/**
 * The change to the all-time totals that a change of per-day cells makes, given the `plan` cells
 * of the days it touches as they were before (`planBefore`, by day): constant work per event. A
 * day's load moving from k to k' moves all its outcomes from `load|k` to `load|k'`.
 */
export function totalsChange(change: readonly Cell[], planBefore: ReadonlyMap<string, Cell>): Cell[] {
  const totals = new Map<string, Cell>();
  for (const c of change) {
    if (c.dimension !== 'plan') {
      fold(totals, c);
      continue;
    }
    const before = planBefore.get(c.day) ?? { ...ZERO, day: c.day, dimension: 'plan' as const, key: '' };
    const after = addCounts(before, c);
    if (before.n > 0) fold(totals, loadCell(before), -1);
    if (after.n > 0) fold(totals, loadCell(after));
  }
  return [...totals.values()].filter((c) => !isEmpty(c));
}

/** The days whose `plan` cells a change touches (what `totalsChange` needs to have read first). */
export function planDaysOf(change: readonly Cell[]): string[] {
  return [...new Set(change.filter((c) => c.dimension === 'plan').map((c) => c.day))];
}
