import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type EventContext } from '@ln/kernel/domain/aggregate-root';
import { type Task } from '../../domain/task.aggregate';
import { TaskNotFound, VersionMismatch } from '../../domain/task.errors';
import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application-errors';
import { OWNER_TIMEZONES, type OwnerTimezones } from '../ports/owner-timezones.port';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { READ_CACHE, type ReadCache } from '../ports/read-cache.port';
import type { TaskView } from '../ports/task-read-model.port';
import { TASK_REPOSITORY, type TaskRepository } from '../ports/task.repository.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { commandScope } from '../queued-writes/command-scope';
import type { PlanSources } from '../queued-writes/task-plan';
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
    @Inject(TASK_REPOSITORY) private readonly repository: TaskRepository,
    @Inject(OWNER_TIMEZONES) private readonly owners: OwnerTimezones,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
  ) {}

  /** Storage, or the api's plan of a queued command (see TaskPlan). */
  get tasks(): TaskRepository {
    return commandScope.getStore()?.plan ?? this.repository;
  }

  events(): EventContext {
    const at = commandScope.getStore()?.now;
    return { eventId: () => this.ids.next(), now: () => at ?? this.clock.now() };
  }

  /** What a plan reads from storage (through the read cache). */
  planSources(): PlanSources {
    return { repository: this.repository, cache: this.cache, timezoneOf: (userId) => this.storedTimezoneOf(userId) };
  }

  newId(): string {
    return this.ids.next();
  }

  async timezoneOf(userId: string): Promise<string> {
    const scope = commandScope.getStore();
    if (scope?.plan) return scope.plan.timezone();
    if (!scope?.timezones) return this.storedTimezoneOf(userId);
    let known = scope.timezones.get(userId);
    if (!known) {
      known = this.storedTimezoneOf(userId);
      scope.timezones.set(userId, known);
      known.catch(() => scope.timezones?.delete(userId));
    }
    return known;
  }

  /** The account's timezone as stored (not through a plan). */
  async storedTimezoneOf(userId: string): Promise<string> {
    const timezone = await this.owners.timezoneOf(userId);
    if (timezone === null) throw new UserNotFound();
    return timezone;
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
    // After the commit: inside a worker's batch that is when the whole batch commits. A plan
    // committed nothing.
    if (changed && !commandScope.getStore()?.plan) await this.uow.afterCommit(() => this.cache.invalidate(ownerId));
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
