import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type EventContext, type Task, TaskNotFound, VersionMismatch } from '@ln/domain';
import { ConcurrentModification, UserNotFound } from '../../errors/application-errors';
import { ACCOUNT_READER, type AccountReader } from '../../ports/account-reader.port';
import { CLOCK, type Clock } from '../../ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '../../ports/id-generator.port';
import { READ_CACHE, type ReadCache } from '../../ports/read-cache.port';
import type { TaskView } from '../../ports/task-read-model.port';
import { TASK_REPOSITORY, type TaskRepository } from '../../ports/task.repository.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../../ports/unit-of-work.port';
import { toTaskView } from './task-view.mapper';

/**
 * What every task command does around its own decision: load the caller's task (another user's is
 * simply not found), check the version the caller expects, save the task with its events, then
 * make the user's cached reads stale. Invalidation comes after the commit, so no reader can cache
 * the state from before it under the new version.
 */
@Injectable()
export class TaskWriter {
  constructor(
    @Inject(TASK_REPOSITORY) readonly tasks: TaskRepository,
    @Inject(ACCOUNT_READER) private readonly accounts: AccountReader,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
  ) {}

  events(): EventContext {
    return { eventId: () => this.ids.next(), now: () => this.clock.now() };
  }

  newId(): string {
    return this.ids.next();
  }

  async timezoneOf(userId: string): Promise<string> {
    const account = await this.accounts.findById(userId);
    if (!account) throw new UserNotFound();
    return account.timezone;
  }

  async load(ownerId: string, id: string, expectedVersion?: number): Promise<Task> {
    const task = await this.tasks.get(ownerId, id);
    if (!task) throw new TaskNotFound();
    if (expectedVersion !== undefined && expectedVersion !== task.version) throw new VersionMismatch(expectedVersion, task.version);
    return task;
  }

  async save(task: Task, ownerId: string, options: { createFingerprint?: string; expectedVersion?: number } = {}): Promise<TaskView> {
    const changed = task.peekEvents().length > 0;
    try {
      await this.tasks.save(task, options.createFingerprint);
    } catch (error) {
      // Another write got in between our load and our save. If the caller stated the version it
      // expected, that precondition is what failed: 412, like a stale If-Match seen at load.
      if (error instanceof ConcurrentModification && options.expectedVersion !== undefined) {
        throw new VersionMismatch(options.expectedVersion, options.expectedVersion + 1);
      }
      throw error;
    }
    // After the commit: inside a worker's batch that is when the whole batch commits.
    if (changed) await this.uow.afterCommit(() => this.cache.invalidate(ownerId));
    return toTaskView(task);
  }
}

/** A stable digest of a create body: the same body gives the same digest whatever the key order. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('base64url');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
