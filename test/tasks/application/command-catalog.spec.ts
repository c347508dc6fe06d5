import { Logger } from '@nestjs/common';
import { MemoryPendingWrites } from '@ln/tasks/adapters/cache/memory-pending-writes.adapter';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { ApplyCommandBatch } from '@ln/tasks/application/queued-writes/apply-command-batch.service';
import { InvalidCommand, TaskCommandTypes, commandOf, wireOf } from '@ln/tasks/application/queued-writes/command-catalog';
import type { CommandInbox, ProcessedCommand } from '@ln/tasks/application/queued-writes/ports/command-inbox.port';
import type { CommandDelivery, CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { TaskSessions } from '@ln/tasks/application/shared/task-sessions.service';
import { FAILURE_REASONS } from '@ln/tasks/domain/failure-reason.value-object';
import { FixedClock, ImmediateUnitOfWork, SequentialIds } from '../../support/fakes';
import { FakeOwnerTimezones, InMemoryTaskBatchStore, InMemoryTaskRepository, RecordingReadCache, everyTaskCommand } from '../../support/task-fakes';

/**
 * The queued path's wire decoder: a payload that does not fit its command is refused as
 * `invalid_command` before any use case runs, and the worker records that refusal (never retries it).
 */

const ALICE = 'user-alice';
const TASK = '0195a000-0000-7000-8000-000000000001';

function envelope(type: string, payload: Record<string, unknown>, n = 1): CommandEnvelope {
  return { commandId: `0195a000-0000-7000-9000-${String(n).padStart(12, '0')}`, userId: ALICE, type, payload, issuedAt: '2026-03-01T09:00:00.000Z' };
}

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the payload to be refused');
}

describe('commandOf: task.fail.v1', () => {
  it.each(['aliens', 'TOO_BIG', ' too_big', 'too big', ''])('a reason outside the taxonomy (%j) -> InvalidCommand invalid_command naming payload.reason', (reason) => {
    const e = refusal(() => commandOf(envelope(TaskCommandTypes.Fail, { id: TASK, reason, note: null })));
    expect(e).toBeInstanceOf(InvalidCommand);
    expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_command', message: expect.stringMatching(/^payload\.reason must be one of too_big, /) });
  });

  it.each([undefined, null, 3, ['too_big'], { reason: 'too_big' }])('a reason that is not a string (%j) -> InvalidCommand invalid_command', (reason) => {
    const e = refusal(() => commandOf(envelope(TaskCommandTypes.Fail, { id: TASK, reason })));
    expect(e).toBeInstanceOf(InvalidCommand);
    expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_command', message: 'payload.reason must be a string' });
  });

  it.each(FAILURE_REASONS)('reason %s decodes to a FailTaskCommand with that reason, and encodes back', (reason) => {
    const command = new FailTaskCommand(ALICE, TASK, reason, 'why', 3);
    const decoded = commandOf(envelope(TaskCommandTypes.Fail, wireOf(command).payload));
    expect(decoded).toBeInstanceOf(FailTaskCommand);
    expect(decoded).toEqual(command);
  });
});

describe('commandOf: task.complete.v1 with actualMinutes', () => {
  it('carries actualMinutes both ways; without it the payload is as before', () => {
    const timed = new CompleteTaskCommand(ALICE, TASK, 2, 45);
    expect(wireOf(timed)).toEqual({ type: TaskCommandTypes.Complete, payload: { id: TASK, expectedVersion: 2, actualMinutes: 45 } });
    expect(commandOf(envelope(TaskCommandTypes.Complete, wireOf(timed).payload))).toEqual(timed);
    const plain = new CompleteTaskCommand(ALICE, TASK);
    expect(wireOf(plain)).toEqual({ type: TaskCommandTypes.Complete, payload: { id: TASK } });
    const decoded = commandOf(envelope(TaskCommandTypes.Complete, { id: TASK })) as CompleteTaskCommand;
    expect(decoded).toBeInstanceOf(CompleteTaskCommand);
    expect(decoded.actualMinutes).toBeUndefined();
    expect((commandOf(envelope(TaskCommandTypes.Complete, { id: TASK, actualMinutes: null })) as CompleteTaskCommand).actualMinutes).toBeUndefined();
  });

  it.each(['45', 1.5, true, [45], { m: 45 }, Number.NaN])('actualMinutes that is not an integer (%p) -> InvalidCommand invalid_command', (actualMinutes) => {
    const e = refusal(() => commandOf(envelope(TaskCommandTypes.Complete, { id: TASK, actualMinutes })));
    expect(e).toBeInstanceOf(InvalidCommand);
    expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_command', message: 'payload.actualMinutes must be an integer' });
  });

  it('an integer out of range decodes; the domain refuses it (invalid_actual_minutes)', () => {
    const decoded = commandOf(envelope(TaskCommandTypes.Complete, { id: TASK, actualMinutes: 5000 })) as CompleteTaskCommand;
    expect(decoded.actualMinutes).toBe(5000);
  });
});

/** The worker's side over in-memory ports: what becomes of a command whose payload the decoder refuses. */
describe('ApplyCommandBatch with a failure reason outside the taxonomy', () => {
  beforeAll(() => Logger.overrideLogger(false));

  class MemoryInbox implements CommandInbox {
    readonly records = new Map<string, ProcessedCommand>();
    async find(commandId: string) {
      return this.records.get(commandId) ?? null;
    }
    async decidedAmong(commandIds: readonly string[]) {
      return new Set(commandIds.filter((id) => this.records.has(id)));
    }
    async findForUser(userId: string, commandId: string) {
      const r = this.records.get(commandId);
      return r && r.userId === userId ? r : null;
    }
    async record(command: ProcessedCommand) {
      this.records.set(command.commandId, command);
    }
    async recordAll(commands: readonly ProcessedCommand[]) {
      for (const c of commands) await this.record(c);
    }
  }

  function worker() {
    const clock = new FixedClock(new Date('2026-03-01T09:00:10.000Z'));
    const repo = new InMemoryTaskRepository();
    const owners = new FakeOwnerTimezones({ [ALICE]: 'UTC' });
    const cache = new RecordingReadCache();
    const sessions = new TaskSessions(repo, owners, cache, clock, new SequentialIds(), new ImmediateUnitOfWork());
    const commands = everyTaskCommand();
    const inbox = new MemoryInbox();
    const store = new InMemoryTaskBatchStore(repo);
    const applier = new ApplyCommandBatch(new ImmediateUnitOfWork(), inbox, clock, commands, sessions, new MemoryPendingWrites(), store, owners, cache, new SequentialIds());
    return { repo, sessions, commands, inbox, applier };
  }

  function delivery(env: CommandEnvelope) {
    const d = { envelope: env, deliveryCount: 1, ack: jest.fn(async () => undefined), retry: jest.fn(async () => undefined) };
    return d as typeof d & CommandDelivery;
  }

  it('is recorded as rejected with invalid_command and acked, not retried; the task is unchanged and the rest of the batch applies', async () => {
    const w = worker();
    await w.commands.run(new CreateTaskCommand(ALICE, { id: TASK, title: 'a task' }), w.sessions.now());
    const before = { state: w.repo.stateOf(TASK), outbox: w.repo.outbox.length };

    const bad = delivery(envelope(TaskCommandTypes.Fail, { id: TASK, reason: 'aliens', note: null }, 1));
    const good = delivery(envelope(TaskCommandTypes.Complete, { id: TASK }, 2));
    await expect(w.applier.apply([bad, good])).resolves.toEqual({ applied: 1, rejected: 1, duplicates: 0 });

    expect(await w.inbox.find(bad.envelope.commandId)).toEqual({
      commandId: bad.envelope.commandId,
      userId: ALICE,
      type: TaskCommandTypes.Fail,
      status: 'rejected',
      resourceId: TASK,
      problem: { kind: 'invalid', code: 'invalid_command', detail: expect.stringMatching(/^payload\.reason must be one of /) },
      processedAt: expect.any(String),
    });
    expect(bad.ack).toHaveBeenCalledTimes(1);
    expect(bad.retry).not.toHaveBeenCalled();
    // Nothing of the refused command: the only change is the complete that followed it.
    expect(w.repo.outbox.slice(before.outbox).map((e) => e.type)).toEqual(['task.completed.v1']);
    expect(w.repo.stateOf(TASK)).toMatchObject({ status: 'done', failure: null, version: before.state!.version + 1 });

    // Redelivered, it is a duplicate: decided once.
    const again = delivery(bad.envelope);
    await expect(w.applier.apply([again])).resolves.toEqual({ applied: 0, rejected: 0, duplicates: 1 });
    expect(again.ack).toHaveBeenCalledTimes(1);
  });
});
