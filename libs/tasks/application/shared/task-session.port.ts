import type { EventContext } from '@ln/kernel/domain/aggregate-root.base';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import type { Task } from '../../domain/task.aggregate';
import { TaskNotFound } from '../../domain/task.errors';
import type { TaskView } from '../ports/task-read-model.port';
import type { TaskRepository } from '../ports/task.repository.port';
import { toTaskView } from './task-view.mapper';

/**
 * What a task command reads and writes through. Whoever runs the command builds it and hands it
 * over (`TaskSessions`): a synchronous request (storage, now), the api planning a queued write (the
 * plan, the accepted instant) or a worker's batch (storage in the batch's transaction, the accepted
 * instant). A handler sees only this, so reading it tells the whole path.
 */
export interface TaskSession {
  /** Where tasks are read and saved: storage (the save also makes the owner's cached reads stale), or a plan. */
  readonly tasks: TaskRepository;
  /** Event ids and the instant the command happens at. */
  readonly events: EventContext;
  /** The owner's timezone (a schedule is the owner's local day); UserNotFound without an account. */
  timezoneOf(userId: string): Promise<string>;
  newId(): string;
}

/** The caller's task (another user's is simply not found), at the version the caller expects. */
export async function loadTask(session: TaskSession, ownerId: string, id: string, expectedVersion?: number): Promise<Task> {
  const task = await session.tasks.get(ownerId, id);
  if (!task) throw new TaskNotFound();
  task.expectVersion(expectedVersion);
  return task;
}

/** Saves the task with its events; a write that got in between the load and this save breaks a version the caller stated (412). */
export async function saveTask(session: TaskSession, task: Task, options: { createFingerprint?: string; expectedVersion?: number } = {}): Promise<TaskView> {
  try {
    await session.tasks.save(task, options.createFingerprint);
  } catch (error) {
    if (error instanceof ConcurrentModification) task.expectVersion(options.expectedVersion, { overtaken: true });
    throw error;
  }
  return toTaskView(task);
}
