import { Injectable } from '@nestjs/common';
import { TaskIdConflict, TaskNotFound } from '../../domain/task.errors';
import { CreateTaskCommand } from '../create-task/create-task.command';
import { CreateTaskHandler } from '../create-task/create-task.handler';
import type { TaskCommandHandler } from '../shared/task-command-handler.port';
import { type TaskSession, saveTask } from '../shared/task-session.port';
import { ReplaceTaskCommand, type ReplaceTaskResult } from './replace-task.command';

/**
 * Idempotent by construction: replacing with the same representation changes nothing (no event,
 * same version). The task itself refuses a replacement that does not repeat its parent and
 * re-plan origin (`Task.replace`).
 */
@Injectable()
export class ReplaceTaskHandler implements TaskCommandHandler<ReplaceTaskCommand> {
  /** A PUT to a new id is a create: the same use case, in the same session. */
  constructor(private readonly create: CreateTaskHandler) {}

  async execute({ ownerId, id, input, expectedVersion }: ReplaceTaskCommand, session: TaskSession): Promise<ReplaceTaskResult> {
    let existing = await session.tasks.get(ownerId, id);
    if (!existing) {
      if (expectedVersion !== undefined) throw new TaskNotFound();
      const claim = await session.tasks.claimOf(id);
      // Another user's, or deleted: an id is never reused.
      if (claim && (claim.ownerId !== ownerId || claim.deleted)) throw new TaskNotFound();
      if (!claim) {
        try {
          return await this.create.execute(new CreateTaskCommand(ownerId, { ...input, id }), session);
        } catch (error) {
          // A concurrent PUT created it first with another body: replace that one instead.
          if (!(error instanceof TaskIdConflict)) throw error;
        }
      }
      // Created by a concurrent request between our two reads.
      existing = await session.tasks.get(ownerId, id);
      if (!existing) throw new TaskNotFound();
    }
    existing.expectVersion(expectedVersion);
    existing.replace(session.events, input, await session.timezoneOf(ownerId));
    return { task: await saveTask(session, existing, { expectedVersion }), created: false };
  }
}
