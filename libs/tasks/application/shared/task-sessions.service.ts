import { Inject, Injectable } from '@nestjs/common';
import { UserNotFound } from '@ln/kernel/application/application.errors';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { OWNER_TIMEZONES, type OwnerTimezones } from '../ports/owner-timezones.port';
import { READ_CACHE, type ReadCache } from '../../../kernel/application/ports/read-cache.port';
import { TASK_REPOSITORY, type TaskRepository } from '../ports/task.repository.port';
import type { PlanSources, TaskPlan } from '../queued-writes/task-plan.repository';
import { StoredTasks } from './stored-tasks.repository';
import type { TaskSession } from './task-session.port';

/** The owner's timezone as identity has it; UserNotFound when there is no account. */
export async function ownerTimezone(owners: OwnerTimezones, userId: string): Promise<string> {
  const timezone = await owners.timezoneOf(userId);
  if (timezone === null) throw new UserNotFound();
  return timezone;
}

/**
 * The three ways a task command runs, each a session built here and handed to the handler:
 * - `now()`: a synchronous request. Storage, the clock, the owner's timezone as stored.
 * - `plan(plan, at)`: the api planning a queued write. The plan reads the author's view (cache and
 *   pending overlay) and only captures the save; the instant is the one the 202 announces.
 * - `batch(at, timezones)`: a worker applying a queued command inside its batch's transaction, at
 *   the instant the api accepted it (so the stored task is the one the 202 announced), each user's
 *   timezone read once per batch.
 */
@Injectable()
export class TaskSessions {
  private readonly stored: StoredTasks;

  constructor(
    @Inject(TASK_REPOSITORY) private readonly repository: TaskRepository,
    @Inject(OWNER_TIMEZONES) private readonly owners: OwnerTimezones,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(UNIT_OF_WORK) uow: UnitOfWork,
  ) {
    this.stored = new StoredTasks(repository, cache, uow);
  }

  now(): TaskSession {
    return {
      tasks: this.stored,
      events: { eventId: () => this.ids.next(), now: () => this.clock.now() },
      timezoneOf: (userId) => ownerTimezone(this.owners, userId),
      newId: () => this.ids.next(),
    };
  }

  plan(plan: TaskPlan, at: Date): TaskSession {
    return { tasks: plan, events: this.eventsAt(at), timezoneOf: () => plan.timezone(), newId: () => this.ids.next() };
  }

  /** @param timezones the batch's memo of owners' timezones, shared by its sessions. */
  batch(at: Date | undefined, timezones: Map<string, Promise<string>>): TaskSession {
    return {
      tasks: this.stored,
      events: at ? this.eventsAt(at) : { eventId: () => this.ids.next(), now: () => this.clock.now() },
      timezoneOf: (userId) => {
        let known = timezones.get(userId);
        if (!known) {
          known = ownerTimezone(this.owners, userId);
          timezones.set(userId, known);
          known.catch(() => timezones.delete(userId));
        }
        return known;
      },
      newId: () => this.ids.next(),
    };
  }

  /**
   * A worker applying a queued command as part of a set batch (#13): the batch's in-memory view of
   * storage (`BatchTasks`), the instant the api accepted it, and the owners' timezones read once
   * for the whole batch (a user absent there has no account).
   */
  setBatch(tasks: TaskRepository, at: Date | undefined, timezones: ReadonlyMap<string, string>): TaskSession {
    return {
      tasks,
      events: at ? this.eventsAt(at) : { eventId: () => this.ids.next(), now: () => this.clock.now() },
      timezoneOf: async (userId) => {
        const timezone = timezones.get(userId);
        if (timezone === undefined) throw new UserNotFound();
        return timezone;
      },
      newId: () => this.ids.next(),
    };
  }

  /** What a plan reads from storage (through the read cache). */
  planSources(): PlanSources {
    return { repository: this.repository, cache: this.cache, timezoneOf: (userId) => ownerTimezone(this.owners, userId) };
  }

  private eventsAt(at: Date) {
    return { eventId: () => this.ids.next(), now: () => at };
  }
}
