import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import type { Command } from '@nestjs/cqrs';
import { CreateTaskCommand } from './create-task/create-task.command';
import type { TaskView } from './ports/task-read-model.port';
import { QueuedTaskWrites } from './queued-writes/queued-task-writes.service';
import { TaskSessions } from './shared/task-sessions.service';
import { TaskCommands } from './task-commands.service';

export const TASK_WRITE_SETTINGS = Symbol('TaskWriteSettings');

export interface TaskWriteSettings {
  /** `sync`: a write commits before its answer. `queued`: it is answered once the broker has it (ADR 9, 11). */
  readonly writePath: 'sync' | 'queued';
}

/** A task another context creates (published: change it only compatibly). */
export interface TaskCreation {
  /** A UUIDv7 the caller chose, so a retry is the same create. */
  readonly id: string;
  readonly title: string;
  readonly notes?: string | null;
  /** A local day (YYYY-MM-DD) or an RFC 3339 instant with offset. */
  readonly scheduledFor?: string | null;
  readonly dueAt?: string | null;
  readonly estimateMinutes?: number | null;
  readonly priority?: number | null;
  readonly tags?: readonly string[] | null;
  readonly parentId?: string | null;
  readonly replanOf?: string | null;
}

/** What became of a task write, whichever path took it. */
export type TaskWriteOutcome =
  | {
      readonly kind: 'written';
      readonly taskId: string;
      /** The task as stored; for a delete, the task as it was deleted. */
      readonly task: TaskView;
      /** The write created the task (a create that is not a replay, a PUT to a new id). */
      readonly created: boolean;
    }
  | {
      readonly kind: 'accepted';
      readonly commandId: string;
      readonly taskId: string;
      /** The task as it will be once applied; null when the command deletes it. */
      readonly task: TaskView | null;
      readonly created: boolean;
    };

/**
 * The one way into task writes, for the HTTP edge and for other contexts: give it a task command,
 * get back what became of it. The configured write path decides whether the command is applied
 * now (written) or planned and handed to the broker (accepted, with a command id).
 */
@Injectable()
export class TaskWrites {
  constructor(
    @Inject(TASK_WRITE_SETTINGS) private readonly settings: TaskWriteSettings,
    private readonly commands: TaskCommands,
    private readonly sessions: TaskSessions,
    private readonly queued: QueuedTaskWrites,
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
  ) {}

  /**
   * Creates these tasks now, in one transaction (the caller's, when it has one), whatever the
   * write path: all or none. For another context's write of several tasks at once (accepting a
   * plan creates its steps). Each is a create with a client id: one that exists with the same
   * fields is a replay, so a retried call creates nothing twice (another body under an id is
   * `task_id_conflict`, as for any create).
   */
  async createAll(ownerId: string, tasks: readonly TaskCreation[]): Promise<{ readonly id: string; readonly created: boolean }[]> {
    return this.uow.run(async () => {
      const session = this.sessions.now();
      const out: { id: string; created: boolean }[] = [];
      for (const { id, parentId, replanOf, ...input } of tasks) {
        const result = await this.commands.run(new CreateTaskCommand(ownerId, { ...input, id, parentId: parentId ?? null, replanOf: replanOf ?? null }), session);
        out.push({ id: result.task.id, created: result.created });
      }
      return out;
    });
  }

  /**
   * @param retryKey the request's Idempotency-Key with the request's fingerprint: on the queued path the command id
   *   derives from it, so a retry after a lost answer is the same command, applied once.
   */
  async submit(userId: string, command: Command<unknown>, retryKey?: string): Promise<TaskWriteOutcome> {
    if (this.settings.writePath === 'queued') return { kind: 'accepted', ...(await this.queued.submit(userId, command, retryKey)) };
    const result = (await this.commands.run(command, this.sessions.now())) as TaskView | { task: TaskView; created: boolean };
    return 'task' in result ? { kind: 'written', taskId: result.task.id, task: result.task, created: result.created } : { kind: 'written', taskId: result.id, task: result, created: false };
  }
}
