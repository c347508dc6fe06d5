import { MemoryPendingWrites } from '@ln/tasks/adapters/cache/memory-pending-writes.adapter';
import { CompleteTaskHandler } from '@ln/tasks/application/complete-task/complete-task.handler';
import { CreateTaskCommand, type CreateTaskInput } from '@ln/tasks/application/create-task/create-task.command';
import { CreateTaskHandler } from '@ln/tasks/application/create-task/create-task.handler';
import { DeleteTaskHandler } from '@ln/tasks/application/delete-task/delete-task.handler';
import { DropTaskHandler } from '@ln/tasks/application/drop-task/drop-task.handler';
import { EditTaskHandler } from '@ln/tasks/application/edit-task/edit-task.handler';
import { FailTaskHandler } from '@ln/tasks/application/fail-task/fail-task.handler';
import { GetTaskHandler } from '@ln/tasks/application/get-task/get-task.handler';
import { ListTasksHandler } from '@ln/tasks/application/list-tasks/list-tasks.handler';
import { PostponeTaskHandler } from '@ln/tasks/application/postpone-task/postpone-task.handler';
import { ReopenTaskHandler } from '@ln/tasks/application/reopen-task/reopen-task.handler';
import { ReplaceTaskHandler } from '@ln/tasks/application/replace-task/replace-task.handler';
import { type TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import type { TaskCommandHandler } from '@ln/tasks/application/shared/task-command-handler.port';
import type { TaskSession } from '@ln/tasks/application/shared/task-session.port';
import { TaskSessions } from '@ln/tasks/application/shared/task-sessions.service';
import { FixedClock, ImmediateUnitOfWork, SequentialIds } from './fakes';
import { FakeOwnerTimezones, InMemoryTaskReadModel, InMemoryTaskRepository, RecordingReadCache } from './task-fakes';

/**
 * The harness of the task use-case specs (test/tasks/application/*.spec.ts): each handler built by hand
 * with in-memory ports, no Nest container. The fakes share one sequence log, so the order of a commit
 * and an invalidation can be asserted.
 */

export const ALICE = 'user-alice';
export const BOB = 'user-bob';
export const SEOUL = 'user-seoul';
export const NOBODY = 'user-without-account';

/** Client-chosen ids (UUIDv7-shaped). */
export const cid = (n: number) => `0195a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Stands in for the create use case ReplaceTask delegates to, recording what it was given. */
export class CreateOnlyBus {
  readonly dispatched: unknown[] = [];
  constructor(private readonly create: CreateTaskHandler) {}
  async execute(command: CreateTaskCommand, session: TaskSession) {
    this.dispatched.push(command);
    if (command instanceof CreateTaskCommand) return this.create.execute(command, session);
    throw new Error(`no handler for ${(command as object).constructor.name}`);
  }
}

/** A handler run as a synchronous request runs it: in a session on storage, at the clock's time. */
export function synchronous<C, R>(sessions: TaskSessions, handler: { execute(command: C, session: TaskSession): Promise<R> }) {
  return { execute: (command: C): Promise<R> => handler.execute(command, sessions.now()) };
}

export function world() {
  const log: string[] = [];
  const clock = new FixedClock(new Date('2026-03-01T09:00:10.000Z'));
  const ids = new SequentialIds();
  const accounts = new FakeOwnerTimezones({ [ALICE]: 'UTC', [BOB]: 'UTC', [SEOUL]: 'Asia/Seoul' });
  const repo = new InMemoryTaskRepository(log, (id) => accounts.has(id));
  const readModel = new InMemoryTaskReadModel(repo);
  const cache = new RecordingReadCache(log);
  const sessions = new TaskSessions(repo, accounts, cache, clock, ids, new ImmediateUnitOfWork());
  const pending = new MemoryPendingWrites();
  const createHandler: TaskCommandHandler<CreateTaskCommand> = new CreateTaskHandler();
  const create = synchronous(sessions, createHandler);
  const bus = new CreateOnlyBus(createHandler as CreateTaskHandler);
  const w = {
    log,
    clock,
    repo,
    readModel,
    cache,
    accounts,
    bus,
    create,
    replace: synchronous(sessions, new ReplaceTaskHandler(bus as unknown as CreateTaskHandler)),
    edit: synchronous(sessions, new EditTaskHandler()),
    complete: synchronous(sessions, new CompleteTaskHandler()),
    fail: synchronous(sessions, new FailTaskHandler()),
    postpone: synchronous(sessions, new PostponeTaskHandler()),
    reopen: synchronous(sessions, new ReopenTaskHandler()),
    drop: synchronous(sessions, new DropTaskHandler()),
    delete: synchronous(sessions, new DeleteTaskHandler()),
    pending,
    get: new GetTaskHandler(readModel, cache, pending),
    list: new ListTasksHandler(readModel, cache, clock, pending, accounts),
    /** Creates a task and returns its view. */
    async task(ownerId: string, input: CreateTaskInput = { title: 'a task' }): Promise<TaskView> {
      return (await create.execute(new CreateTaskCommand(ownerId, input))).task;
    },
    /** Everything observable about a stored task and its effects, to assert "nothing happened". */
    effects(id: string) {
      return { state: repo.stateOf(id), outbox: repo.outbox.length, invalidations: [...cache.invalidations], log: [...log] };
    },
  };
  return w;
}
export type World = ReturnType<typeof world>;
