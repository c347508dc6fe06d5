import { Inject, Injectable } from '@nestjs/common';
import type { Command } from '@nestjs/cqrs';
import type { TaskView } from './ports/task-read-model.port';
import { QueuedTaskWrites } from './queued-writes/queued-task-writes.service';
import { TaskSessions } from './shared/task-sessions.service';
import { TaskCommands } from './task-commands.service';

export const TASK_WRITE_SETTINGS = Symbol('TaskWriteSettings');

export interface TaskWriteSettings {
  /** `sync`: a write commits before its answer. `queued`: it is answered once the broker has it (ADR 9, 11). */
  readonly writePath: 'sync' | 'queued';
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
  ) {}

  /**
   * @param retryKey the request's Idempotency-Key with its route: on the queued path the command id
   *   derives from it, so a retry after a lost answer is the same command, applied once.
   */
  async submit(userId: string, command: Command<unknown>, retryKey?: string): Promise<TaskWriteOutcome> {
    if (this.settings.writePath === 'queued') return { kind: 'accepted', ...(await this.queued.submit(userId, command, retryKey)) };
    const result = (await this.commands.run(command, this.sessions.now())) as TaskView | { task: TaskView; created: boolean };
    return 'task' in result ? { kind: 'written', taskId: result.task.id, task: result.task, created: result.created } : { kind: 'written', taskId: result.id, task: result, created: false };
  }
}
