import { Injectable } from '@nestjs/common';
import { DEFAULT_PRIORITY } from '../../domain/task-details.value-object';
import { type ParentRef, Task } from '../../domain/task.aggregate';
import { TaskIdConflict, UnknownTaskReference } from '../../domain/task.errors';
import { toTaskView } from '../shared/task-view.mapper';
import { fingerprint } from '../shared/fingerprint';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, saveTask } from '../shared/task-session.port';
import { CreateTaskCommand, type CreateTaskInput, type CreateTaskResult } from './create-task.command';

@Injectable()
export class CreateTaskHandler implements TaskCommandHandler<CreateTaskCommand> {
  async execute({ ownerId, input }: CreateTaskCommand, session: TaskSession): Promise<CreateTaskResult> {
    const print = fingerprint(createBody(input));
    if (input.id) {
      const replay = await this.replayOf(session, ownerId, input.id, print);
      if (replay) return replay;
    }
    // Only a schedule is read in the owner's calendar. Without one there is nothing to read: that
    // the owner has an account is checked by storage when the task is saved (UserNotFound).
    const timezone = input.scheduledFor ? await session.timezoneOf(ownerId) : null;
    const parent = input.parentId ? await this.parentRef(session, ownerId, input.parentId) : null;
    if (input.replanOf && !(await session.tasks.get(ownerId, input.replanOf))) {
      throw new UnknownTaskReference('replanOf');
    }
    const task = Task.create(session.events, {
      id: input.id ?? session.newId(),
      ownerId,
      timezone,
      input,
      parent,
      replanOf: input.replanOf ?? null,
    });
    try {
      return { task: await saveTask(session, task, { createFingerprint: print }), created: true };
    } catch (error) {
      // Two identical creates raced on one id: the loser answers like a retry.
      if (error instanceof TaskIdConflict && input.id) {
        const replay = await this.replayOf(session, ownerId, input.id, print);
        if (replay) return replay;
      }
      throw error;
    }
  }

  /** Same id, same owner, same body: the task as it is now. Anything else with that id conflicts. */
  private async replayOf(session: TaskSession, ownerId: string, id: string, print: string): Promise<CreateTaskResult | null> {
    const claim = await session.tasks.claimOf(id);
    if (!claim) return null;
    if (claim.ownerId !== ownerId || claim.createFingerprint !== print || claim.deleted) throw new TaskIdConflict();
    const task = await session.tasks.get(ownerId, id);
    if (!task) throw new TaskIdConflict();
    return { task: toTaskView(task), created: false };
  }

  private async parentRef(session: TaskSession, ownerId: string, parentId: string): Promise<ParentRef> {
    const parent = await session.tasks.get(ownerId, parentId);
    if (!parent) throw new UnknownTaskReference('parentId');
    return { id: parent.id, depth: parent.depth };
  }
}

/**
 * The fields that define a create, normalised so that equal requests digest equally: an absent
 * field and its explicit default (null, [], priority 4) are the same request.
 */
export function createBody(input: CreateTaskInput): CreateTaskInput {
  return {
    id: input.id,
    title: input.title,
    notes: input.notes ?? null,
    scheduledFor: input.scheduledFor ?? null,
    dueAt: input.dueAt ?? null,
    estimateMinutes: input.estimateMinutes ?? null,
    priority: input.priority ?? DEFAULT_PRIORITY,
    tags: input.tags ?? [],
    parentId: input.parentId ?? null,
    replanOf: input.replanOf ?? null,
  };
}
