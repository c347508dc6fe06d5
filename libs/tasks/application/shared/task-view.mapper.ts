import type { Task, TaskState } from '../../domain/task.aggregate';
import type { TaskView } from '../ports/task-read-model.port';

/** Whitelists what leaves the application about a task; the read model maps its rows through it too. */
export function stateToView(s: TaskState): TaskView {
  return {
    id: s.id,
    title: s.title,
    notes: s.notes,
    scheduledFor: s.scheduledAt ?? s.scheduledDate,
    dueAt: s.dueAt,
    estimateMinutes: s.estimateMinutes,
    // A state recorded before the field existed (a pending write in Redis) has none.
    actualMinutes: s.actualMinutes ?? null,
    priority: s.priority,
    tags: [...s.tags],
    parentId: s.parentId,
    status: s.status,
    failure: s.failure,
    deferrals: s.deferrals,
    replanOf: s.replanOf,
    version: s.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    closedAt: s.closedAt,
    // A state alone has none: the read model adds the stored one to an open task.
    successProbability: null,
    factors: [],
  };
}

export function toTaskView(task: Task): TaskView {
  return stateToView(task.state);
}
