import type { Command } from '@nestjs/cqrs';
import type { TaskSession } from './task-session.port';

/** A task write use case: decides on the task as the session shows it, and saves through the session. */
export interface TaskCommandHandler<C extends Command<R>, R = C extends Command<infer T> ? T : never> {
  execute(command: C, session: TaskSession): Promise<R>;
}
