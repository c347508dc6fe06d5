import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import {
  type TaskClosedV1,
  type TaskCompletedV1,
  type TaskCreatedV1,
  type TaskDetailsV1,
  type TaskEditedV1,
  TaskEventTypes,
  type TaskFailedV1,
  type TaskPostponedV1,
} from '@ln/tasks/contracts/task-events.contract';
import { localDayAndHour } from '../../domain/local-time';
import type { TrackedTask } from '../../domain/tracked-task.value-object';
import type { TaskHistoryRecord } from '../ports/task-history-source.port';

/** The task events the projection reads. */
export const TRACKED_EVENT_TYPES: readonly string[] = Object.values(TaskEventTypes);

const hourOf = (instant: string | null | undefined, timezone: string) => (instant ? localDayAndHour(instant, timezone).hour : null);
const isInstant = (schedule: string) => schedule.length > 10;

function blank(event: DomainEvent): TrackedTask {
  return {
    taskId: event.aggregateId,
    userId: event.userId,
    status: 'open',
    scheduledDate: null,
    localHour: null,
    estimateMinutes: null,
    actualMinutes: null,
    tags: [],
    deferrals: 0,
    failureReason: null,
    closedDay: null,
  };
}

function closed(prev: TrackedTask, event: DomainEvent, payload: TaskClosedV1, timezone: string): TrackedTask {
  return {
    ...prev,
    scheduledDate: payload.scheduledDate ?? null,
    // A closing event repeats the schedule's day, not its time: keep the hour we knew if the day is the same.
    localHour: payload.scheduledDate === prev.scheduledDate ? prev.localHour : null,
    estimateMinutes: payload.estimateMinutes ?? null,
    tags: [...(payload.tags ?? [])],
    closedDay: localDayAndHour(event.occurredAt, timezone).day,
  };
}

/**
 * The task as tracked after `event`: `undefined` when the event changes nothing the learning
 * context keeps (or is about a task it cannot place), `null` once the task is deleted. A task
 * first seen at a later event (its creation predates the projection) is tracked from what that
 * event carries.
 */
export function trackedAfter(prev: TrackedTask | null, event: DomainEvent, timezone: string): TrackedTask | null | undefined {
  const p = event.payload as Record<string, unknown>;
  switch (event.type) {
    case TaskEventTypes.Created: {
      const c = p as unknown as TaskCreatedV1;
      return {
        ...blank(event),
        scheduledDate: c.scheduledDate ?? null,
        localHour: hourOf(c.scheduledAt, timezone),
        estimateMinutes: c.estimateMinutes ?? null,
        tags: [...(c.tags ?? [])],
        priority: typeof c.priority === 'number' ? c.priority : null,
      };
    }
    case TaskEventTypes.Edited: {
      if (!prev) return undefined;
      const changes = ((p as unknown as TaskEditedV1).changes ?? {}) as Partial<TaskDetailsV1>;
      return {
        ...prev,
        ...('scheduledDate' in changes ? { scheduledDate: changes.scheduledDate ?? null } : {}),
        ...('scheduledAt' in changes ? { localHour: hourOf(changes.scheduledAt, timezone) } : {}),
        ...('estimateMinutes' in changes ? { estimateMinutes: changes.estimateMinutes ?? null } : {}),
        ...('tags' in changes ? { tags: [...(changes.tags ?? [])] } : {}),
        ...('priority' in changes ? { priority: typeof changes.priority === 'number' ? changes.priority : null } : {}),
      };
    }
    case TaskEventTypes.Postponed: {
      const pp = p as unknown as TaskPostponedV1;
      return {
        ...(prev ?? blank(event)),
        scheduledDate: pp.scheduledDate,
        localHour: isInstant(pp.to) ? hourOf(pp.to, timezone) : null,
        deferrals: pp.deferrals,
      };
    }
    case TaskEventTypes.Completed: {
      const c = p as unknown as TaskCompletedV1;
      return { ...closed(prev ?? blank(event), event, c, timezone), status: 'done', actualMinutes: c.actualMinutes ?? null, failureReason: null };
    }
    case TaskEventTypes.Failed: {
      const f = p as unknown as TaskFailedV1;
      return { ...closed(prev ?? blank(event), event, f, timezone), status: 'failed', failureReason: f.reason, deferrals: f.deferrals, actualMinutes: null };
    }
    case TaskEventTypes.Dropped:
      return { ...closed(prev ?? blank(event), event, p as unknown as TaskClosedV1, timezone), status: 'dropped', failureReason: null, actualMinutes: null };
    case TaskEventTypes.Reopened:
      if (!prev) return undefined;
      return { ...prev, status: 'open', closedDay: null, failureReason: null, actualMinutes: null };
    case TaskEventTypes.Deleted:
      return null;
    default:
      return undefined;
  }
}

/** The task as tracked from its current state (a rebuild), in the owner's current timezone. */
export function trackedFromState(task: TaskHistoryRecord, timezone: string): TrackedTask {
  const closedDay = task.status !== 'open' && task.closedAt ? localDayAndHour(task.closedAt, timezone).day : null;
  return {
    taskId: task.id,
    userId: task.ownerId,
    status: task.status,
    scheduledDate: task.scheduledDate,
    localHour: hourOf(task.scheduledAt, timezone),
    estimateMinutes: task.estimateMinutes,
    actualMinutes: task.status === 'done' ? task.actualMinutes : null,
    tags: [...task.tags],
    priority: task.priority,
    deferrals: task.deferrals,
    failureReason: task.status === 'failed' ? task.failureReason : null,
    closedDay,
  };
}
