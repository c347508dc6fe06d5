import { Logger, type LoggerService } from '@nestjs/common';
import type { Command } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
import { DependencyUnavailable } from '@ln/kernel/application/application.errors';
import { MemoryPendingWrites } from '@ln/tasks/adapters/cache/memory-pending-writes.adapter';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import type { CommandInbox, ProcessedCommand } from '@ln/tasks/application/queued-writes/ports/command-inbox.port';
import type { CommandEnvelope, CommandQueue } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import type { PendingWrite, ReadOptions } from '@ln/tasks/application/queued-writes/ports/pending-writes.port';
import {
  type Accepted,
  CommandQueueUnavailable,
  QueuedTaskWrites,
  TooManyPendingWrites,
} from '@ln/tasks/application/queued-writes/queued-task-writes.service';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { TaskSessions } from '@ln/tasks/application/shared/task-sessions.service';
import type { TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { TaskIdConflict, TaskNotFound, VersionMismatch } from '@ln/tasks/domain/task.errors';
import { FixedClock, ImmediateUnitOfWork, SequentialIds } from '../../support/fakes';
import { FakeOwnerTimezones, InMemoryTaskRepository, RecordingReadCache, everyTaskCommand } from '../../support/task-fakes';
import { ALICE, BOB, cid } from '../../support/task-world';

/**
 * The api's side of the queued write path (`QueuedTaskWrites`), all in memory: the real task
 * handlers plan each command against storage (an in-memory repository) and the author's pending
 * overlay (the memory adapter, on the test's clock), a recording queue stands for the broker and a
 * map for the worker's inbox. What is asserted is what a caller and the other side can observe:
 * the answer, the envelope the broker got, what the overlay holds, the errors and their codes.
 */

const warnings: string[] = [];
const capture: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: (message: unknown) => void warnings.push(String(message)),
  debug: () => undefined,
  verbose: () => undefined,
};
beforeAll(() => Logger.overrideLogger(capture));
afterAll(() => Logger.overrideLogger(false));
beforeEach(() => (warnings.length = 0));

/** The namespace keyed command ids are derived in (fixed forever: a retry across a deploy is the same command). */
const KEYED_COMMANDS = '5b0f6c3e-3f57-4d7a-9c1e-6a1f0f4e2b71';
const START = new Date('2026-03-01T09:00:10.000Z');

type Read = 'count' | 'ofTask' | 'ofSteps' | 'get';

/**
 * The memory overlay with the port's failure modes: a read listed in `down` rejects when asked
 * `strict` and answers nothing otherwise (the port's contract), an add can answer false (store
 * unreachable, reported) or reject.
 */
class FlakyPendingWrites extends MemoryPendingWrites {
  readonly down = new Set<Read>();
  adds: 'ok' | 'false' | 'reject' | 'one' = 'ok';
  /** The next `get`s miss (the write's record lands a moment later, from the replica that accepted it). */
  missedGets = 0;

  constructor(clock: FixedClock) {
    super(15 * 60_000, () => clock.now().getTime());
  }

  private fails(read: Read, options?: ReadOptions): boolean {
    if (!this.down.has(read)) return false;
    if (options?.strict) throw new Error(`redis: ${read} refused`);
    return true;
  }

  override async add(userId: string, write: PendingWrite): Promise<number | false> {
    if (this.adds === 'false') return false;
    if (this.adds === 'reject') throw new Error('redis: add refused');
    if (this.adds === 'one') return 1;
    return super.add(userId, write);
  }
  override async count(userId: string, options?: ReadOptions): Promise<number> {
    return this.fails('count', options) ? 0 : super.count(userId);
  }
  override async ofTask(userId: string, taskId: string, options?: ReadOptions): Promise<readonly PendingWrite[]> {
    return this.fails('ofTask', options) ? [] : super.ofTask(userId, taskId);
  }
  override async ofSteps(userId: string, parentId: string, options?: ReadOptions): Promise<readonly PendingWrite[]> {
    return this.fails('ofSteps', options) ? [] : super.ofSteps(userId, parentId);
  }
  override async get(userId: string, commandId: string, options?: ReadOptions): Promise<PendingWrite | null> {
    if (this.fails('get', options)) return null;
    if (this.missedGets > 0) {
      this.missedGets -= 1;
      return null;
    }
    return super.get(userId, commandId);
  }
}

/** The broker: records what it confirmed; can refuse, or hold a confirm until released. */
class RecordingQueue implements CommandQueue {
  /** Envelopes whose send started (as the broker received them). */
  readonly received: CommandEnvelope[] = [];
  /** Envelopes the broker confirmed. */
  readonly sent: CommandEnvelope[] = [];
  failWith: Error | null = null;
  private readonly holds = new Map<number, Promise<void>>();

  /** Holds the confirm of the n-th send (1-based, counting every send) until the returned function is called. */
  hold(n: number): () => void {
    let release!: () => void;
    this.holds.set(n, new Promise<void>((resolve) => (release = resolve)));
    return () => release();
  }

  /** Confirms without keeping a copy (for tests that send very many). */
  quiet = false;

  async send(envelope: CommandEnvelope): Promise<void> {
    if (this.quiet) return;
    const copy = JSON.parse(JSON.stringify(envelope)) as CommandEnvelope;
    this.received.push(copy);
    await this.holds.get(this.received.length);
    if (this.failWith) throw this.failWith;
    this.sent.push(copy);
  }
  consume(): never {
    throw new Error('not a consumer');
  }
  async close(): Promise<void> {}
}

/** The worker's inbox, as far as the api reads it (owner-scoped lookups). */
class FakeInbox implements Pick<CommandInbox, 'findForUser'> {
  readonly records = new Map<string, ProcessedCommand>();
  /** The command ids asked about, in order. */
  readonly asked: string[] = [];
  async findForUser(userId: string, commandId: string): Promise<ProcessedCommand | null> {
    this.asked.push(commandId);
    const found = this.records.get(commandId);
    return found && found.userId === userId ? found : null;
  }
}

function harness(maxPendingPerUser = 3, knownPendingUsers?: number) {
  const clock = new FixedClock(new Date(START));
  const ids = new SequentialIds();
  const accounts = new FakeOwnerTimezones({ [ALICE]: 'UTC', [BOB]: 'UTC' });
  const repo = new InMemoryTaskRepository([], (id) => accounts.has(id));
  const cache = new RecordingReadCache();
  const sessions = new TaskSessions(repo, accounts, cache, clock, ids, new ImmediateUnitOfWork());
  const pending = new FlakyPendingWrites(clock);
  const queue = new RecordingQueue();
  const inbox = new FakeInbox();
  const commands = everyTaskCommand();
  const writes = new QueuedTaskWrites(commands, sessions, queue, pending, clock, ids, inbox as unknown as CommandInbox, { maxPendingPerUser, knownPendingUsers });
  const h = {
    clock,
    repo,
    pending,
    queue,
    inbox,
    writes,
    submit: (command: Command<unknown>, retryKey?: string, userId = ALICE) => writes.submit(userId, command, retryKey),
    /** A task as stored (written synchronously, as a worker would have applied it). */
    async stored(input: { title: string; id?: string; parentId?: string }, ownerId = ALICE): Promise<TaskView> {
      return (await commands.run(new CreateTaskCommand(ownerId, input), sessions.now())).task;
    },
    /** Runs a command on storage now (a worker applying it, or a synchronous request). */
    apply: (command: Command<unknown>) => commands.run(command, sessions.now()),
    /** A worker applied an accepted command: storage has it, the overlay forgets it, the inbox records it. */
    async applied(accepted: Accepted, command: Command<unknown>, userId = ALICE): Promise<void> {
      await commands.run(command, sessions.now());
      await pending.settle([{ userId, commandId: accepted.commandId }]);
      inbox.records.set(accepted.commandId, {
        commandId: accepted.commandId,
        userId,
        type: 'task.create.v1',
        status: 'applied',
        resourceId: accepted.taskId,
        problem: null,
        processedAt: clock.now().toISOString(),
      });
    },
    /** A worker decided these commands (the overlay forgets them). */
    settle: (...accepted: Accepted[]) => pending.settle(accepted.map((a) => ({ userId: ALICE, commandId: a.commandId }))),
  };
  return h;
}
type Harness = ReturnType<typeof harness>;

const create = (input: { title: string; id?: string; parentId?: string }, ownerId = ALICE) => new CreateTaskCommand(ownerId, input);
const edit = (id: string, changes: { title?: string; notes?: string }, expectedVersion?: number) => new EditTaskCommand(ALICE, id, changes, expectedVersion);

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error,
  );
}

/** Lets pending promise callbacks (and the queue's held sends) run. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('QueuedTaskWrites: a write planned, queued, recorded, answered', () => {
  it('a create without id gets a fresh id the envelope carries, created: true, and the task as it will be', async () => {
    const h = harness();
    const accepted = await h.submit(create({ title: 'buy milk' }));
    expect(accepted).toMatchObject({ created: true, task: { id: accepted.taskId, title: 'buy milk', version: 1, status: 'open' } });
    expect(accepted.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.queue.sent).toEqual([
      {
        commandId: accepted.commandId,
        userId: ALICE,
        type: 'task.create.v1',
        payload: { input: { title: 'buy milk', id: accepted.taskId } },
        issuedAt: START.toISOString(),
      },
    ]);
    expect(accepted.commandId).not.toBe(accepted.taskId);
    // The overlay has the write, under the envelope's command id and instant.
    const write = await h.pending.get(ALICE, accepted.commandId);
    expect(write).toMatchObject({ commandId: accepted.commandId, type: 'task.create.v1', taskId: accepted.taskId, acceptedAt: START.toISOString() });
    expect(write?.state).toMatchObject({ id: accepted.taskId, ownerId: ALICE, title: 'buy milk', version: 1, deletedAt: null });
    expect(write?.createFingerprint).toEqual(expect.any(String));
  });

  it('each write without a key is its own command: distinct command ids and task ids', async () => {
    const h = harness();
    const a = await h.submit(create({ title: 'a' }));
    const b = await h.submit(create({ title: 'a' }));
    expect(new Set([a.commandId, b.commandId, a.taskId, b.taskId]).size).toBe(4);
    expect(await h.pending.count(ALICE)).toBe(2);
  });

  it('a create with a client id keeps it', async () => {
    const h = harness();
    const accepted = await h.submit(create({ title: 'mine', id: cid(1) }));
    expect(accepted).toMatchObject({ taskId: cid(1), created: true, task: { id: cid(1), title: 'mine' } });
    expect(h.queue.sent[0].payload).toEqual({ input: { title: 'mine', id: cid(1) } });
  });

  it('an edit: the envelope carries the If-Match version; the answer is the task as it will be (created: false)', async () => {
    const h = harness();
    const t = await h.stored({ title: 'stored' });
    const accepted = await h.submit(edit(t.id, { title: 'renamed' }, 1));
    expect(accepted).toEqual({ commandId: accepted.commandId, taskId: t.id, task: expect.objectContaining({ id: t.id, title: 'renamed', version: 2 }), created: false });
    expect(h.queue.sent[0]).toMatchObject({ type: 'task.edit.v1', payload: { id: t.id, changes: { title: 'renamed' }, expectedVersion: 1 } });
    expect((await h.pending.get(ALICE, accepted.commandId))?.state).toMatchObject({ title: 'renamed', version: 2 });
    // Storage is untouched: the worker applies it.
    expect(h.repo.stateOf(t.id)).toMatchObject({ title: 'stored', version: 1 });
  });

  it('a delete answers task: null and records the deleted state', async () => {
    const h = harness();
    const t = await h.stored({ title: 'to delete' });
    const accepted = await h.submit(new DeleteTaskCommand(ALICE, t.id));
    expect(accepted).toEqual({ commandId: accepted.commandId, taskId: t.id, task: null, created: false });
    expect((await h.pending.get(ALICE, accepted.commandId))?.state).toMatchObject({ id: t.id, deletedAt: START.toISOString() });
    // The author's next write sees it gone.
    expect(await refusal(h.submit(edit(t.id, { title: 'x' })))).toBeInstanceOf(TaskNotFound);
  });

  it('a plan that changes nothing (a replayed create) is recorded without a state, and answers the task (created: false)', async () => {
    const h = harness();
    const first = await h.submit(create({ title: 'once', id: cid(3) }));
    const again = await h.submit(create({ title: 'once', id: cid(3) }));
    expect(again).toEqual({ commandId: expect.any(String), taskId: cid(3), task: first.task, created: false });
    expect(again.commandId).not.toBe(first.commandId);
    expect(await h.pending.get(ALICE, again.commandId)).toEqual({
      commandId: again.commandId,
      type: 'task.create.v1',
      taskId: cid(3),
      state: null,
      createFingerprint: null,
      acceptedAt: START.toISOString(),
    });
    expect(h.queue.sent).toHaveLength(2);
  });

  it('a replace with the same representation is recorded state-less; the task is answered as it stands', async () => {
    const h = harness();
    const t = await h.stored({ title: 'same' });
    const accepted = await h.submit(new ReplaceTaskCommand(ALICE, t.id, { title: 'same' }));
    expect(accepted).toMatchObject({ taskId: t.id, task: { title: 'same', version: 1 }, created: false });
    expect(await h.pending.get(ALICE, accepted.commandId)).toMatchObject({ type: 'task.replace.v1', state: null, createFingerprint: null });
  });

  it('a pending create is recognised by its body: the same body again is a replay, another body under its id conflicts', async () => {
    const h = harness();
    await h.submit(create({ title: 'mine', id: cid(4) }));
    expect(await refusal(h.submit(create({ title: 'other', id: cid(4) })))).toBeInstanceOf(TaskIdConflict);
    await expect(h.submit(create({ title: 'mine', id: cid(4) }))).resolves.toMatchObject({ taskId: cid(4), created: false });
  });

  it('a plan that refuses sends nothing and records nothing', async () => {
    const h = harness();
    const error = await refusal(h.submit(create({ title: '   ' })));
    expect(error).toMatchObject({ code: 'invalid_title' });
    expect(h.queue.received).toEqual([]);
    expect(await h.pending.count(ALICE)).toBe(0);
  });
});

describe('QueuedTaskWrites: the broker', () => {
  it('a send that rejects -> CommandQueueUnavailable (503, retry in 2 s); nothing is recorded or planned on', async () => {
    const h = harness();
    const down = new Error('no publisher confirm');
    h.queue.failWith = down;
    const error = await refusal(h.submit(create({ title: 'lost', id: cid(1) })));
    expect(error).toBeInstanceOf(CommandQueueUnavailable);
    expect(error).toMatchObject({ kind: 'unavailable', code: 'command_queue_unavailable', retryAfterSeconds: 2, cause: down });
    expect((error as Error).message).toMatch(/could not be queued.*nothing was recorded/);
    expect(await h.pending.count(ALICE)).toBe(0);
    expect(await h.pending.list(ALICE)).toEqual([]);
    h.queue.failWith = null;
    // Nothing was promised: the task does not exist for the author's next write.
    expect(await refusal(h.submit(edit(cid(1), { title: 'x' })))).toBeInstanceOf(TaskNotFound);
  });
});

describe('QueuedTaskWrites: keyed retries (Idempotency-Key)', () => {
  it('the command id derives from the user and the key (UUIDv5), and is the same for a retry', async () => {
    const h = harness();
    const first = await h.submit(create({ title: 'keyed' }), 'key-1');
    expect(first.commandId).toBe(uuidv5(`${ALICE}\nkey-1`, KEYED_COMMANDS));
    expect(first.commandId[14]).toBe('5');
    expect(h.queue.sent[0].commandId).toBe(first.commandId);
    // Another key, or another user's same key: another command.
    const other = await h.submit(create({ title: 'keyed' }), 'key-2');
    const bobs = await h.submit(create({ title: 'keyed' }, BOB), 'key-1', BOB);
    expect(new Set([first.commandId, other.commandId, bobs.commandId]).size).toBe(3);
    expect(bobs.commandId).toBe(uuidv5(`${BOB}\nkey-1`, KEYED_COMMANDS));
  });

  it('a retry while the command is pending gets the same answer without a second send', async () => {
    const h = harness();
    const first = await h.submit(create({ title: 'keyed' }), 'key-1');
    const retry = await h.submit(create({ title: 'keyed' }), 'key-1');
    expect(retry).toEqual({ commandId: first.commandId, taskId: first.taskId, task: first.task, created: false });
    expect(h.queue.received).toHaveLength(1);
    expect(await h.pending.count(ALICE)).toBe(1);
  });

  it('a retry of a pending delete answers task: null again', async () => {
    const h = harness();
    const t = await h.stored({ title: 'to delete' });
    const first = await h.submit(new DeleteTaskCommand(ALICE, t.id), 'key-d');
    const retry = await h.submit(new DeleteTaskCommand(ALICE, t.id), 'key-d');
    expect(retry).toEqual({ commandId: first.commandId, taskId: t.id, task: null, created: false });
    expect(h.queue.received).toHaveLength(1);
  });

  it('a retry the plan would now refuse answers the earlier acceptance, found in the overlay', async () => {
    const h = harness();
    const t = await h.stored({ title: 'stored' });
    const first = await h.submit(edit(t.id, { title: 'renamed' }, 1), 'key-e');
    // The retry misses the record at first (it lands from the replica that accepted it) and its
    // re-plan is refused (version 1 is stale now): the command stands as accepted.
    h.pending.missedGets = 1;
    const retry = await h.submit(edit(t.id, { title: 'renamed' }, 1), 'key-e');
    expect(retry).toEqual({ commandId: first.commandId, taskId: t.id, task: expect.objectContaining({ title: 'renamed', version: 2 }), created: false });
    expect(h.queue.received).toHaveLength(1);
  });

  it('a retry the plan would now refuse answers the earlier acceptance from the inbox once the overlay has forgotten it', async () => {
    const h = harness();
    const first = await h.submit(create({ title: 'keyed', id: cid(7) }), 'key-c');
    await h.applied(first, create({ title: 'keyed', id: cid(7) }));
    await h.apply(new DeleteTaskCommand(ALICE, cid(7)));
    // Planned again the create would conflict (its id is deleted); it was accepted before: that answer.
    const retry = await h.submit(create({ title: 'keyed', id: cid(7) }), 'key-c');
    expect(retry).toEqual({ commandId: first.commandId, taskId: cid(7), task: null, created: false });
    expect(h.queue.received).toHaveLength(1);
  });

  it('a keyed request refused with no earlier acceptance answers the refusal', async () => {
    const h = harness();
    expect(await refusal(h.submit(edit(cid(9), { title: 'x' }), 'key-x'))).toBeInstanceOf(TaskNotFound);
    // A command the worker rejected names no task: the refusal stands.
    const t = await h.stored({ title: 'stored' });
    const commandId = uuidv5(`${ALICE}\nkey-r`, KEYED_COMMANDS);
    h.inbox.records.set(commandId, { commandId, userId: ALICE, type: 'task.edit.v1', status: 'rejected', resourceId: null, problem: { code: 'version_mismatch', detail: '' }, processedAt: START.toISOString() });
    expect(await refusal(h.submit(edit(t.id, { title: 'x' }, 5), 'key-r'))).toBeInstanceOf(VersionMismatch);
    expect(h.queue.received).toEqual([]);
  });

  it('a re-plan that fails for another reason than a refusal (storage down) is not answered from the inbox', async () => {
    const h = harness();
    const first = await h.submit(create({ title: 'keyed', id: cid(8) }), 'key-s');
    await h.applied(first, create({ title: 'keyed', id: cid(8) }));
    const lost = new Error('connection lost');
    h.repo.claimOf = async () => {
      throw lost;
    };
    await expect(h.submit(create({ title: 'keyed', id: cid(8) }), 'key-s')).rejects.toBe(lost);
  });

  it('a write without a key refused by its plan needs no overlay read to answer the refusal', async () => {
    const h = harness();
    h.pending.down.add('get').add('ofTask').add('count').add('ofSteps');
    expect(await refusal(h.submit(create({ title: '  ' })))).toMatchObject({ code: 'invalid_title' });
  });

  it('a keyed request whose pending record is unreadable -> DependencyUnavailable', async () => {
    const h = harness();
    h.pending.down.add('get');
    const error = await refusal(h.submit(create({ title: 'keyed' }), 'key-1'));
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect(h.queue.received).toEqual([]);
  });

  // Found by this spec: a keyed create without a client id, retried after its command was applied
  // and settled (the api died before the stored answer), was planned again with a fresh id, and
  // its 202 named a task that never came to be (the worker's inbox drops the command as a duplicate).
  it('a keyed create without id retried after the worker applied it names the task that was created, as it is now', async () => {
    const h = harness();
    const first = await h.submit(create({ title: 'keyed' }), 'key-lost');
    await h.applied(first, create({ title: 'keyed', id: first.taskId }));
    const later = edit(first.taskId, { notes: 'later' }, 1);
    await h.applied(await h.submit(later), later);
    const retry = await h.submit(create({ title: 'keyed' }), 'key-lost');
    expect(retry).toMatchObject({ commandId: first.commandId, taskId: first.taskId, created: false, task: { id: first.taskId, notes: 'later', version: 2 } });
    // Nothing new was sent for it.
    expect(h.queue.received.filter((e) => e.commandId === first.commandId)).toHaveLength(1);
  });

  it('a keyed create without id asks the inbox only when its command is not pending; other keyed writes and unkeyed creates never do', async () => {
    const h = harness();
    const keyed = await h.submit(create({ title: 'keyed' }), 'key-a');
    // Pending: answered from the overlay, the inbox is not needed (it would say nothing yet).
    await expect(h.submit(create({ title: 'keyed' }), 'key-a')).resolves.toMatchObject({ commandId: keyed.commandId, taskId: keyed.taskId });
    await h.submit(create({ title: 'plain' }));
    await h.submit(edit(keyed.taskId, { title: 'edited' }, 1), 'key-b');
    expect(h.inbox.asked).toEqual([keyed.commandId]);
  });
});

describe('QueuedTaskWrites: an overlay record that fails', () => {
  async function unrecordedCreate(h: Harness, mode: 'false' | 'reject' = 'false'): Promise<Accepted> {
    h.pending.adds = mode;
    const accepted = await h.submit(create({ title: 'unrecorded' }));
    h.pending.adds = 'ok';
    return accepted;
  }

  it.each(['false', 'reject'] as const)('add %s: the write is still answered (the broker has it), with a warning', async (mode) => {
    const h = harness();
    const accepted = await unrecordedCreate(h, mode);
    expect(accepted).toMatchObject({ created: true, task: { title: 'unrecorded' } });
    expect(h.queue.sent).toHaveLength(1);
    expect(await h.pending.count(ALICE)).toBe(0);
    expect(warnings).toEqual([expect.stringContaining(accepted.commandId)]);
    expect(warnings[0]).toMatch(/not recorded/);
  });

  it.each(['false', 'reject'] as const)('add %s: this process plans the user’s later writes on top of it', async (mode) => {
    const h = harness();
    const accepted = await unrecordedCreate(h, mode);
    const edited = await h.submit(edit(accepted.taskId, { notes: 'more' }, 1));
    expect(edited.task).toMatchObject({ id: accepted.taskId, title: 'unrecorded', notes: 'more', version: 2 });
  });

  it('kept for 60 s of clock time: at 59.999 s the task is seen, at 60 s it is not', async () => {
    const h = harness();
    const accepted = await unrecordedCreate(h);
    h.clock.advance(59_999);
    // A refused write records nothing: it shows what the plan saw.
    expect(await refusal(h.submit(edit(accepted.taskId, { title: 'x' }, 5)))).toMatchObject({ code: 'version_mismatch', actual: 1 });
    h.clock.advance(1);
    expect(await refusal(h.submit(edit(accepted.taskId, { title: 'x' }, 5)))).toBeInstanceOf(TaskNotFound);
  });

  it('several unrecorded writes: each stays seen after others are read', async () => {
    const h = harness();
    const a = await unrecordedCreate(h);
    h.clock.advance(30_000);
    const b = await unrecordedCreate(h);
    await expect(h.submit(edit(a.taskId, { title: 'a2' }, 1))).resolves.toMatchObject({ task: { version: 2 } });
    await expect(h.submit(edit(b.taskId, { title: 'b2' }, 1))).resolves.toMatchObject({ task: { version: 2 } });
    // At 60 s after the first, the second is still seen; the first has a recorded edit on top by now.
    h.clock.advance(30_000);
    expect(await refusal(h.submit(edit(b.taskId, { title: 'b3' }, 9)))).toMatchObject({ code: 'version_mismatch', actual: 2 });
    expect(await refusal(h.submit(edit(a.taskId, { title: 'a3' }, 9)))).toMatchObject({ code: 'version_mismatch', actual: 2 });
  });

  it('an unrecorded write on top of a recorded one of the same task is the one seen', async () => {
    const h = harness();
    const t = await h.submit(create({ title: 'v1' }));
    h.pending.adds = 'false';
    await h.submit(edit(t.taskId, { title: 'v2' }, 1));
    h.pending.adds = 'ok';
    await expect(h.submit(edit(t.taskId, { title: 'v3' }, 2))).resolves.toMatchObject({ task: { title: 'v3', version: 3 } });
  });

  it('an unrecorded step counts for its parent; a state-less unrecorded write does not', async () => {
    const h = harness();
    const parent = await h.stored({ title: 'parent' });
    h.pending.adds = 'false';
    await h.submit(new ReplaceTaskCommand(ALICE, parent.id, { title: 'parent' }));
    const step = await h.submit(create({ title: 'step', parentId: parent.id }));
    h.pending.adds = 'ok';
    expect(step.task).toMatchObject({ parentId: parent.id });
    expect(await refusal(h.submit(new DeleteTaskCommand(ALICE, parent.id)))).toMatchObject({ code: 'task_has_steps' });
  });

  it('a keyed retry of an unrecorded write is answered from this process without a second send', async () => {
    const h = harness();
    h.pending.adds = 'false';
    const first = await h.submit(create({ title: 'keyed' }), 'key-u');
    h.pending.adds = 'ok';
    const retry = await h.submit(create({ title: 'keyed' }), 'key-u');
    expect(retry).toEqual({ commandId: first.commandId, taskId: first.taskId, task: first.task, created: false });
    // Another key is another command, even with an unrecorded write around.
    const other = await h.submit(create({ title: 'keyed' }), 'key-v');
    expect(other).toMatchObject({ created: true });
    expect(other.taskId).not.toBe(first.taskId);
    expect(h.queue.received).toHaveLength(2);
  });
});

describe('QueuedTaskWrites: the per-user bound', () => {
  it('refused with TooManyPendingWrites (429, retry in 5 s) only at the bound, and let through once a worker caught up', async () => {
    const h = harness(3);
    const a = await h.submit(create({ title: '1' }));
    await h.submit(create({ title: '2' }));
    await h.submit(create({ title: '3' }));
    const error = await refusal(h.submit(create({ title: '4' })));
    expect(error).toBeInstanceOf(TooManyPendingWrites);
    expect(error).toMatchObject({ kind: 'rate_limited', code: 'too_many_pending_writes', retryAfterSeconds: 5 });
    expect((error as Error).message).toMatch(/^3 of your writes are still waiting/);
    expect(h.queue.received).toHaveLength(3);
    // A worker applied one: the count is below the bound again.
    await h.settle(a);
    await expect(h.submit(create({ title: '4' }))).resolves.toMatchObject({ created: true });
    expect(await refusal(h.submit(create({ title: '5' })))).toBeInstanceOf(TooManyPendingWrites);
    expect(h.queue.received).toHaveLength(4);
  });

  it('the bound is the user’s: another user writes on', async () => {
    const h = harness(1);
    await h.submit(create({ title: 'alice' }));
    expect(await refusal(h.submit(create({ title: 'alice' })))).toBeInstanceOf(TooManyPendingWrites);
    await expect(h.submit(create({ title: 'bob' }, BOB), undefined, BOB)).resolves.toMatchObject({ created: true });
    // Bob's count does not make this process forget Alice's.
    expect(await refusal(h.submit(create({ title: 'alice' })))).toBeInstanceOf(TooManyPendingWrites);
  });

  it('the counts this process remembers are bounded (knownPendingUsers, 100,000 by default): the oldest user’s is forgotten first', async () => {
    const h = harness(1, 3);
    await h.submit(create({ title: 'alice' }));
    // 3 other users write (their records answer a count of 1 without being kept, the broker keeps no copy):
    // with Alice's, that is one count more than this process keeps, and hers is the oldest.
    h.pending.adds = 'one';
    h.queue.quiet = true;
    for (let i = 1; i <= 3; i++) await h.writes.submit(`user-${i}`, create({ title: 'x' }, `user-${i}`));
    // Her count (at the bound) is forgotten: her next write is not held to it (the store is not asked).
    h.pending.down.add('count');
    await expect(h.submit(create({ title: 'alice' }))).resolves.toMatchObject({ created: true });
  });

  it('at the bound with the count unreadable -> DependencyUnavailable', async () => {
    const h = harness(1);
    await h.submit(create({ title: '1' }));
    h.pending.down.add('count');
    expect(await refusal(h.submit(create({ title: '2' })))).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('below the bound no count is read: a create with a fresh id is accepted while the overlay cannot be read', async () => {
    const h = harness(3);
    h.pending.down.add('count').add('ofTask').add('ofSteps').add('get');
    await expect(h.submit(create({ title: 'while redis is down' }))).resolves.toMatchObject({ created: true });
    expect(h.queue.sent).toHaveLength(1);
  });

  it('once a worker has caught up completely the old count is forgotten (no count read while the store is down)', async () => {
    const h = harness(3);
    const done = [await h.submit(create({ title: '1' })), await h.submit(create({ title: '2' })), await h.submit(create({ title: '3' }))];
    await h.settle(...done);
    // At the bound as last seen: the count is read again (0), the write goes through, its record fails.
    h.pending.adds = 'false';
    await expect(h.submit(create({ title: '4' }))).resolves.toMatchObject({ created: true });
    // Redis is down now: a create with a fresh id needs nothing from it below the bound.
    h.pending.down.add('count').add('ofTask').add('ofSteps').add('get');
    await expect(h.submit(create({ title: '5' }))).resolves.toMatchObject({ created: true });
  });
});

describe('QueuedTaskWrites: an overlay that cannot be read', () => {
  it('an edit whose task’s pending writes cannot be read -> DependencyUnavailable, nothing sent', async () => {
    const h = harness();
    const t = await h.stored({ title: 'stored' });
    h.pending.down.add('ofTask');
    const error = await refusal(h.submit(edit(t.id, { title: 'x' })));
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect(error).toMatchObject({ code: 'dependency_unavailable', retryAfterSeconds: 5 });
    expect((error as Error).message).toMatch(/store of pending writes/);
    expect(h.queue.received).toEqual([]);
  });

  it('a delete whose steps’ pending writes cannot be read -> DependencyUnavailable', async () => {
    const h = harness();
    const t = await h.stored({ title: 'parent' });
    h.pending.down.add('ofSteps');
    expect(await refusal(h.submit(new DeleteTaskCommand(ALICE, t.id)))).toBeInstanceOf(DependencyUnavailable);
    expect(h.queue.received).toEqual([]);
  });

  it('a pending step in the overlay counts for its parent', async () => {
    const h = harness();
    const parent = await h.stored({ title: 'parent' });
    await h.submit(create({ title: 'step', parentId: parent.id }));
    expect(await refusal(h.submit(new DeleteTaskCommand(ALICE, parent.id)))).toMatchObject({ code: 'task_has_steps' });
  });
});

describe('QueuedTaskWrites: one user’s writes one after another', () => {
  it('two concurrent writes of a user: the second plans on the first (create, then an edit with If-Match 1)', async () => {
    const h = harness();
    const [created, edited] = await Promise.all([h.submit(create({ title: 'new', id: cid(1) })), h.submit(edit(cid(1), { title: 'renamed' }, 1))]);
    expect(created).toMatchObject({ taskId: cid(1), created: true });
    expect(edited).toMatchObject({ taskId: cid(1), task: { title: 'renamed', version: 2 } });
    expect(h.queue.sent.map((e) => e.type)).toEqual(['task.create.v1', 'task.edit.v1']);
  });

  it('a refused write does not hold up the next one', async () => {
    const h = harness();
    const [refused, created] = await Promise.allSettled([h.submit(edit(cid(9), { title: 'x' })), h.submit(create({ title: 'next' }))]);
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(TaskNotFound) });
    expect(created).toMatchObject({ status: 'fulfilled', value: { created: true } });
  });

  it('a write arriving while the second of two is still being queued waits for it', async () => {
    const h = harness();
    const release = h.queue.hold(2);
    const first = h.submit(create({ title: 'v1', id: cid(1) }));
    const second = h.submit(edit(cid(1), { title: 'v2' }, 1));
    await first;
    await until(() => h.queue.received.length === 2);
    const third = h.submit(edit(cid(1), { title: 'v3' }, 2));
    release();
    await expect(second).resolves.toMatchObject({ task: { version: 2 } });
    await expect(third).resolves.toMatchObject({ task: { title: 'v3', version: 3 } });
  });

  it('other users are not held behind a user', async () => {
    const h = harness();
    const release = h.queue.hold(1);
    const alices = h.submit(create({ title: 'alice' }));
    await until(() => h.queue.received.length === 1);
    const bobs = await h.submit(create({ title: 'bob' }, BOB), undefined, BOB);
    expect(bobs).toMatchObject({ created: true });
    expect(h.queue.sent.map((e) => e.userId)).toEqual([BOB]);
    release();
    await expect(alices).resolves.toMatchObject({ created: true });
  });

  it('with no write of the user in progress, a write is accepted at the instant it is submitted', async () => {
    const h = harness();
    await h.submit(create({ title: 'earlier' }));
    const later = h.submit(create({ title: 'now' }));
    h.clock.advance(5_000);
    await later;
    expect(h.queue.sent[1].issuedAt).toBe(START.toISOString());
  });
});
