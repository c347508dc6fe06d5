/** A task the learning specs vary one field at a time (used only by specs). */
import type { TrackedTask } from './tracked-task.value-object';

/** Done on the day it was scheduled, Monday 2026-03-02 at 10:00, 30 min estimated, no tags, never postponed. */
export const DONE_TASK: TrackedTask = {
  taskId: '',
  userId: 'u',
  status: 'done',
  scheduledDate: '2026-03-02', // a Monday
  localHour: 10,
  estimateMinutes: 30,
  actualMinutes: null,
  tags: [],
  deferrals: 0,
  failureReason: null,
  closedDay: '2026-03-02',
};
