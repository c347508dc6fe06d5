import { Logger } from '@nestjs/common';
import { DependencyUnavailable } from '@ln/kernel/application/application.errors';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { ApplyCommandBatch, outcomeEvent, problemOf } from '@ln/tasks/application/queued-writes/apply-command-batch.service';
import { TaskCommandTypes } from '@ln/tasks/application/queued-writes/command-catalog';
import type { CommandInbox, ProcessedCommand } from '@ln/tasks/application/queued-writes/ports/command-inbox.port';
import type { CommandDelivery, CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import type { PendingWrites, SettledCommand } from '@ln/tasks/application/queued-writes/ports/pending-writes.port';
import { BatchWriteConflict, type TaskBatchStore, type TaskBatchWrite } from '@ln/tasks/application/ports/task-batch-store.port';
import { TaskSessions } from '@ln/tasks/application/shared/task-sessions.service';
import { TaskCommands } from '@ln/tasks/application/task-commands.service';
import { FixedClock, ImmediateUnitOfWork, SequentialIds } from '../../support/fakes';
import { FakeOwnerTimezones, InMemoryTaskBatchStore, InMemoryTaskRepository, RecordingReadCache, everyTaskCommand } from '../../support/task-fakes';

/**
 * The worker's batch applier with in-memory ports: the set path (one load, the domain in memory,
 * one write), its one-by-one twin and the fallback from one to the other.
 */

beforeAll(() => Logger.overrideLogger(false));

const ALICE = 'user-alice';
const BOB = 'user-bob';
const NOBODY = 'user-nobody';
const tid = (n: number) => `0195a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const cmd = (n: number) => `0195a000-0000-7000-9000-${String(n).padStart(12, '0')}`;
const ISSUED = '2026-03-01T08:00:00.000Z';
const NOW = '2026-03-01T09:00:10.000Z';

class MemoryInbox implements CommandInbox {
  readonly records = new Map<string, ProcessedCommand>();
  readonly recordAlls: { commands: ProcessedCommand[]; outcomes: DomainEvent[] | undefined }[] = [];
  readonly asked: (readonly string[])[] = [];
  async find(commandId: string) {
    return this.records.get(commandId) ?? null;
  }
  async decidedAmong(commandIds: readonly string[]) {
    this.asked.push([...commandIds]);
    return new Set(commandIds.filter((id) => this.records.has(id)));
  }
  async findForUser(userId: string, commandId: string) {
    const r = this.records.get(commandId);
    return r && r.userId === userId ? r : null;
  }
  async record(command: ProcessedCommand) {
    this.records.set(command.commandId, command);
  }
  async recordAll(commands: readonly ProcessedCommand[], outcomes?: readonly DomainEvent[]) {
    this.recordAlls.push({ commands: [...commands], outcomes: outcomes ? [...outcomes] : undefined });
    for (const c of commands) await this.record(c);
  }
}

class RecordingPending {
  readonly settled: SettledCommand[][] = [];
  async settle(decided: readonly SettledCommand[]) {
    this.settled.push([...decided]);
  }
}

/** The in-memory batch store, recording each load's ids and each write. */
class RecordingStore implements TaskBatchStore {
  readonly loads: string[][] = [];
  readonly writes: TaskBatchWrite[] = [];
  failNextWrite: Error | null = null;
  constructor(readonly inner: InMemoryTaskBatchStore) {}
  load(ids: readonly string[]) {
    this.loads.push([...ids]);
    return this.inner.load(ids);
  }
  async write(batch: TaskBatchWrite) {
    this.writes.push(batch);
    const fail = this.failNextWrite;
    this.failNextWrite = null;
    if (fail) throw fail;
    return this.inner.write(batch);
  }
}

function worker(commandsOverride?: Partial<TaskCommands>) {
  const clock = new FixedClock(new Date(NOW));
  const owners = new FakeOwnerTimezones({ [ALICE]: 'UTC', [BOB]: 'UTC' });
  const repo = new InMemoryTaskRepository([], (id) => owners.has(id));
  const cache = new RecordingReadCache();
  const sessions = new TaskSessions(repo, owners, cache, clock, new SequentialIds(), new ImmediateUnitOfWork());
  const real = everyTaskCommand();
  const commands = (commandsOverride ? { ...commandsOverride } : real) as TaskCommands;
  const inbox = new MemoryInbox();
  const inner = new InMemoryTaskBatchStore(repo);
  const store = new RecordingStore(inner);
  const pending = new RecordingPending();
  const eventIds = new SequentialIds();
  const applier = new ApplyCommandBatch(new ImmediateUnitOfWork(), inbox, clock, commands, sessions, pending as unknown as PendingWrites, store, owners, cache, eventIds);
  return { clock, repo, cache, sessions, real, inbox, inner, store, pending, applier, owners };
}

let seq = 0;
function delivery(type: string, payload: Record<string, unknown>, options: { commandId?: string; userId?: string; issuedAt?: string } = {}) {
  seq += 1;
  const envelope: CommandEnvelope = { commandId: options.commandId ?? cmd(seq), userId: options.userId ?? ALICE, type, payload, issuedAt: options.issuedAt ?? ISSUED };
  const d = { envelope, deliveryCount: 1, ack: jest.fn(async () => undefined), retry: jest.fn(async () => undefined) };
  return d as typeof d & CommandDelivery;
}
const again = (d: CommandDelivery) => delivery(d.envelope.type, d.envelope.payload, { commandId: d.envelope.commandId, userId: d.envelope.userId, issuedAt: d.envelope.issuedAt });

const applied = (d: CommandDelivery, resourceId: string | null): ProcessedCommand => ({
  commandId: d.envelope.commandId,
  userId: d.envelope.userId,
  type: d.envelope.type,
  status: 'applied',
  resourceId,
  problem: null,
  processedAt: NOW,
});

type Mode = 'apply' | 'applyOneAtATime';
const modes: Mode[] = ['apply', 'applyOneAtATime'];

describe('problemOf / outcomeEvent', () => {
  it('problemOf keeps kind, code, detail, and the fields only when there are some', () => {
    expect(problemOf(new DependencyUnavailable('db'))).toEqual({ kind: 'unavailable', code: 'dependency_unavailable', detail: expect.any(String) });
    expect(problemOf(new DependencyUnavailable('db'))).not.toHaveProperty('errors');
  });

  it('an applied record is command.applied.v1 about the command, with the record as payload', () => {
    const record: ProcessedCommand = { commandId: cmd(1), userId: ALICE, type: TaskCommandTypes.Edit, status: 'applied', resourceId: tid(1), problem: null, processedAt: NOW };
    expect(outcomeEvent(record, 'evt-1')).toEqual({
      eventId: 'evt-1',
      type: 'command.applied.v1',
      aggregateType: 'command',
      aggregateId: cmd(1),
      userId: ALICE,
      version: 1,
      occurredAt: NOW,
      payload: { commandId: cmd(1), commandType: TaskCommandTypes.Edit, taskId: tid(1), problem: null },
    });
  });

  it('a rejected record is command.rejected.v1 carrying the problem', () => {
    const problem = { kind: 'not_found' as const, code: 'task_not_found', detail: 'task not found' };
    const record: ProcessedCommand = { commandId: cmd(2), userId: BOB, type: TaskCommandTypes.Complete, status: 'rejected', resourceId: tid(2), problem, processedAt: NOW };
    expect(outcomeEvent(record, 'evt-2')).toMatchObject({
      type: 'command.rejected.v1',
      aggregateType: 'command',
      aggregateId: cmd(2),
      userId: BOB,
      payload: { commandId: cmd(2), commandType: TaskCommandTypes.Complete, taskId: tid(2), problem },
    });
  });
});

describe.each(modes)('ApplyCommandBatch.%s', (mode) => {
  const run = (w: ReturnType<typeof worker>, batch: CommandDelivery[]) => w.applier[mode](batch);

  it('applies in delivery order, records each decision with its outcome event, settles the pending writes with the stored versions, acks each once', async () => {
    const w = worker();
    const a = tid(1);
    const b = tid(2);
    const batch = [
      delivery(TaskCommandTypes.Create, { input: { id: a, title: 'queued' } }),
      delivery(TaskCommandTypes.Edit, { id: a, changes: { title: 'queued and edited' } }),
      delivery(TaskCommandTypes.Create, { input: { id: b, title: 'bob' } }, { userId: BOB }),
      delivery(TaskCommandTypes.Complete, { id: a }),
    ];
    await expect(run(w, batch)).resolves.toEqual({ applied: 4, rejected: 0, duplicates: 0 });

    expect(w.repo.stateOf(a)).toMatchObject({ title: 'queued and edited', status: 'done', version: 3, ownerId: ALICE });
    expect(w.repo.stateOf(b)).toMatchObject({ title: 'bob', version: 1, ownerId: BOB });
    // Stamped with the instant the api accepted the command, not the worker's clock.
    expect(w.repo.stateOf(a)!.createdAt).toBe(ISSUED);
    expect(w.repo.outbox.map((e) => `${e.aggregateId} ${e.type} v${e.version}`)).toEqual([
      `${a} task.created.v1 v1`,
      `${a} task.edited.v1 v2`,
      `${b} task.created.v1 v1`,
      `${a} task.completed.v1 v3`,
    ]);

    const records = [applied(batch[0], a), applied(batch[1], a), applied(batch[2], b), applied(batch[3], a)];
    expect(w.inbox.recordAlls).toHaveLength(1);
    expect(w.inbox.recordAlls[0].commands).toEqual(records);
    expect(w.inbox.recordAlls[0].outcomes).toEqual(records.map((r) => outcomeEvent(r, expect.any(String) as unknown as string)));
    expect(w.inbox.recordAlls[0].outcomes!.map((e) => e.eventId)).toEqual([...new Set(w.inbox.recordAlls[0].outcomes!.map((e) => e.eventId))]);

    expect(w.pending.settled).toEqual([
      [
        { userId: ALICE, commandId: batch[0].envelope.commandId, applied: { taskId: a, version: 1 } },
        { userId: ALICE, commandId: batch[1].envelope.commandId, applied: { taskId: a, version: 2 } },
        { userId: BOB, commandId: batch[2].envelope.commandId, applied: { taskId: b, version: 1 } },
        { userId: ALICE, commandId: batch[3].envelope.commandId, applied: { taskId: a, version: 3 } },
      ],
    ]);
    for (const d of batch) expect(d.ack).toHaveBeenCalledTimes(1);
    expect(w.inbox.asked).toEqual([batch.map((d) => d.envelope.commandId)]);
  });

  it('a task created without a valid issuedAt is stamped with the worker clock', async () => {
    const w = worker();
    await run(w, [delivery(TaskCommandTypes.Create, { input: { id: tid(3), title: 'x' } }, { issuedAt: 'not a date' })]);
    expect(w.repo.stateOf(tid(3))!.createdAt).toBe(NOW);
  });

  it('records refusals as rejected with their problem (nothing of them stays); the rest of the batch applies', async () => {
    const w = worker();
    const a = tid(10);
    const missing = tid(11);
    const batch = [
      delivery(TaskCommandTypes.Create, { input: { id: a, title: 'first' } }),
      delivery(TaskCommandTypes.Complete, { id: missing }),
      delivery(TaskCommandTypes.Create, { input: { id: tid(12), title: '' } }),
      delivery('task.teleport.v1', {}),
      delivery(TaskCommandTypes.Edit, { id: a, changes: { title: 'second' }, expectedVersion: 7 }),
      delivery(TaskCommandTypes.Create, { input: { id: tid(13), title: 'no account' } }, { userId: NOBODY }),
      delivery(TaskCommandTypes.Edit, { id: a, changes: { title: 'third' } }),
    ];
    await expect(run(w, batch)).resolves.toEqual({ applied: 2, rejected: 5, duplicates: 0 });
    const records = w.inbox.recordAlls[0].commands;
    expect(records.map((r) => r.status)).toEqual(['applied', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'applied']);
    expect(records[1]).toEqual({
      commandId: batch[1].envelope.commandId,
      userId: ALICE,
      type: TaskCommandTypes.Complete,
      status: 'rejected',
      resourceId: missing,
      problem: { kind: 'not_found', code: 'task_not_found', detail: 'task not found' },
      processedAt: NOW,
    });
    expect(records[2]).toMatchObject({ resourceId: tid(12), problem: { kind: 'invalid', code: 'invalid_title', errors: [{ field: 'title' }] } });
    expect(records[3]).toMatchObject({ resourceId: null, problem: { kind: 'invalid', code: 'invalid_command' } });
    expect(records[3].problem).not.toHaveProperty('errors');
    expect(records[4]).toMatchObject({ resourceId: a, problem: { kind: 'precondition_failed', code: 'version_mismatch' } });
    expect(records[5]).toMatchObject({ userId: NOBODY, resourceId: tid(13), problem: { kind: 'not_found', code: 'user_not_found' } });
    expect(w.inbox.recordAlls[0].outcomes!.map((e) => e.type)).toEqual([
      'command.applied.v1',
      'command.rejected.v1',
      'command.rejected.v1',
      'command.rejected.v1',
      'command.rejected.v1',
      'command.rejected.v1',
      'command.applied.v1',
    ]);
    expect(w.repo.stateOf(a)).toMatchObject({ title: 'third', version: 2 });
    expect(w.repo.stateOf(tid(12))).toBeUndefined();
    expect(w.repo.stateOf(tid(13))).toBeUndefined();
    expect(w.repo.outbox.map((e) => e.type)).toEqual(['task.created.v1', 'task.edited.v1']);
    expect(w.pending.settled[0].map((s) => s.applied)).toEqual([{ taskId: a, version: 1 }, undefined, undefined, undefined, undefined, undefined, { taskId: a, version: 2 }]);
    for (const d of batch) expect(d.ack).toHaveBeenCalledTimes(1);
  });

  it('skips commands decided before and a command delivered twice in the batch (duplicates), applying only the new', async () => {
    const w = worker();
    const a = tid(20);
    const create = delivery(TaskCommandTypes.Create, { input: { id: a, title: 'once' } });
    const edit = delivery(TaskCommandTypes.Edit, { id: a, changes: { title: 'edited once' } });
    await expect(run(w, [create, again(create), edit])).resolves.toEqual({ applied: 2, rejected: 0, duplicates: 1 });
    expect(w.inbox.recordAlls[0].commands.map((r) => r.commandId)).toEqual([create.envelope.commandId, edit.envelope.commandId]);

    const complete = delivery(TaskCommandTypes.Complete, { id: a });
    const mixed = [again(edit), complete];
    await expect(run(w, mixed)).resolves.toEqual({ applied: 1, rejected: 0, duplicates: 1 });
    expect(w.inbox.recordAlls[1].commands).toEqual([applied(complete, a)]);
    expect(w.repo.stateOf(a)).toMatchObject({ title: 'edited once', status: 'done', version: 3 });
    expect(w.repo.outbox).toHaveLength(3);
    for (const d of mixed) expect(d.ack).toHaveBeenCalledTimes(1);
    // A duplicate settles its pending write too (without a version: this run stored nothing for it).
    expect(w.pending.settled[1]).toEqual([
      { userId: ALICE, commandId: edit.envelope.commandId, applied: undefined },
      { userId: ALICE, commandId: complete.envelope.commandId, applied: { taskId: a, version: 3 } },
    ]);
  });

  it('a batch of only redeliveries applies nothing and records nothing new', async () => {
    const w = worker();
    const create = delivery(TaskCommandTypes.Create, { input: { id: tid(25), title: 'once' } });
    await run(w, [create]);
    await expect(run(w, [again(create), again(create)])).resolves.toEqual({ applied: 0, rejected: 0, duplicates: 2 });
    expect(w.inbox.recordAlls[1]?.commands ?? []).toEqual([]);
    expect(w.repo.outbox).toHaveLength(1);
  });

  it('a fault (not a refusal) in a command rolls nothing forward: thrown, nothing recorded, settled or acked', async () => {
    for (const fault of [new Error('disk on fire'), new DependencyUnavailable('database')]) {
      const w = worker({ run: async () => Promise.reject(fault) });
      const d = delivery(TaskCommandTypes.Complete, { id: tid(30) });
      await expect(run(w, [d])).rejects.toBe(fault);
      expect(w.inbox.recordAlls).toEqual([]);
      expect(w.pending.settled).toEqual([]);
      expect(d.ack).not.toHaveBeenCalled();
    }
  });

  it('a fault while decoding a payload is thrown as it is, not recorded', async () => {
    const w = worker();
    const payload = {
      get id(): string {
        throw new Error('corrupt payload');
      },
    };
    const d = delivery(TaskCommandTypes.Complete, payload);
    await expect(run(w, [d])).rejects.toThrow('corrupt payload');
    expect(w.inbox.recordAlls).toEqual([]);
    expect(d.ack).not.toHaveBeenCalled();
  });

  it('a result without a version settles the command without `applied`', async () => {
    const w = worker({ run: (async () => undefined) as unknown as TaskCommands["run"] });
    const d = delivery(TaskCommandTypes.Complete, { id: tid(31) });
    await expect(run(w, [d])).resolves.toEqual({ applied: 1, rejected: 0, duplicates: 0 });
    expect(w.inbox.recordAlls[0].commands).toEqual([applied(d, tid(31))]);
    expect(w.pending.settled).toEqual([[{ userId: ALICE, commandId: d.envelope.commandId, applied: undefined }]]);
  });
});

describe('ApplyCommandBatch.apply (the set path)', () => {
  it('reads every task the batch names in one load (tasks, parents, replanned tasks), writes once, and invalidates each changed owner after the commit', async () => {
    const w = worker();
    const parent = tid(40);
    const old = tid(41);
    await w.real.run(new CreateTaskCommand(ALICE, { id: parent, title: 'parent' }), w.sessions.now());
    await w.real.run(new CreateTaskCommand(ALICE, { id: old, title: 'old' }), w.sessions.now());
    const other = tid(42);
    await w.real.run(new CreateTaskCommand(ALICE, { id: other, title: 'other' }), w.sessions.now());
    const batch = [
      delivery(TaskCommandTypes.Create, { input: { id: tid(43), title: 'step', parentId: parent } }),
      delivery(TaskCommandTypes.Replace, { id: tid(44), input: { title: 'replanned', replanOf: old } }),
      delivery(TaskCommandTypes.Edit, { id: other, changes: { title: 'moved', parentId: tid(45) } }),
      delivery(TaskCommandTypes.Complete, { id: parent }, { userId: BOB }),
      delivery(TaskCommandTypes.Create, { input: { id: tid(46), title: 'bob' } }, { userId: BOB }),
    ];
    const counts = await w.applier.apply(batch);
    expect(w.store.loads).toEqual([[tid(43), parent, tid(44), old, other, tid(45), parent, tid(46)]].map((ids) => [...new Set(ids)]));
    expect(counts).toMatchObject({ duplicates: 0 });
    expect(w.store.writes).toHaveLength(1);
    expect(w.repo.stateOf(tid(43))).toMatchObject({ parentId: parent });
    expect(w.repo.stateOf(tid(44))).toMatchObject({ replanOf: old });
    expect(w.repo.stateOf(tid(46))).toMatchObject({ ownerId: BOB });
    expect(new Set(w.cache.invalidations)).toEqual(new Set([ALICE, BOB]));
    expect(w.applier.fallbacks).toBe(0);
  });

  it('a batch whose commands all fail to decode reads no tasks and writes nothing new', async () => {
    const w = worker();
    const d = delivery('task.teleport.v1', { id: tid(50) });
    await expect(w.applier.apply([d])).resolves.toEqual({ applied: 0, rejected: 1, duplicates: 0 });
    expect(w.store.loads).toEqual([]);
    expect(w.store.writes).toEqual([{ inserts: [], updates: [], events: [] }]);
    expect(w.cache.invalidations).toEqual([]);
  });

  it('when storage moved under the batch, the batch is applied again one command at a time, with the same outcomes', async () => {
    const w = worker();
    const a = tid(60);
    await w.real.run(new CreateTaskCommand(ALICE, { id: a, title: 'before' }), w.sessions.now());
    // A synchronous write gets in between the batch's read and its write.
    w.inner.beforeNextWrite = async () => {
      await w.real.run(new EditTaskCommand(ALICE, a, { title: 'synchronous' }), w.sessions.now());
    };
    const batch = [
      delivery(TaskCommandTypes.Edit, { id: a, changes: { estimateMinutes: 5 } }),
      delivery(TaskCommandTypes.Complete, { id: tid(61) }),
      delivery(TaskCommandTypes.Complete, { id: a }),
    ];
    await expect(w.applier.apply(batch)).resolves.toEqual({ applied: 2, rejected: 1, duplicates: 0 });
    expect(w.applier.fallbacks).toBe(1);
    expect(w.repo.stateOf(a)).toMatchObject({ title: 'synchronous', estimateMinutes: 5, status: 'done', version: 4 });
    expect(w.inbox.recordAlls).toHaveLength(1);
    expect(w.inbox.recordAlls[0].commands.map((r) => [r.status, r.resourceId])).toEqual([
      ['applied', a],
      ['rejected', tid(61)],
      ['applied', a],
    ]);
    expect(w.pending.settled).toEqual([
      [
        { userId: ALICE, commandId: batch[0].envelope.commandId, applied: { taskId: a, version: 3 } },
        { userId: ALICE, commandId: batch[1].envelope.commandId, applied: undefined },
        { userId: ALICE, commandId: batch[2].envelope.commandId, applied: { taskId: a, version: 4 } },
      ],
    ]);
    for (const d of batch) expect(d.ack).toHaveBeenCalledTimes(1);

    // A second conflict counts a second fallback.
    w.inner.beforeNextWrite = async () => {
      await w.real.run(new EditTaskCommand(ALICE, a, { title: 'again' }), w.sessions.now());
    };
    await w.applier.apply([delivery(TaskCommandTypes.Reopen, { id: a })]);
    expect(w.applier.fallbacks).toBe(2);
    expect(w.repo.stateOf(a)).toMatchObject({ title: 'again', status: 'open', version: 6 });
  });

  it('any other write failure is thrown: no fallback, nothing recorded or acked', async () => {
    const w = worker();
    const fault = new Error('connection reset');
    w.store.failNextWrite = fault;
    const d = delivery(TaskCommandTypes.Create, { input: { id: tid(70), title: 'x' } });
    await expect(w.applier.apply([d])).rejects.toBe(fault);
    expect(w.applier.fallbacks).toBe(0);
    expect(w.inbox.recordAlls).toEqual([]);
    expect(w.repo.stateOf(tid(70))).toBeUndefined();
    expect(d.ack).not.toHaveBeenCalled();
  });
});

describe('ApplyCommandBatch: where a batch\'s time goes (the phases it reports)', () => {
  const observed = () => {
    const phases: [string, number][] = [];
    return { phases, observe: (phase: string, seconds: number) => void phases.push([phase, seconds]) };
  };

  it('the set path: read, decide, write, record, commit, settle, ack, each once, in that order; a slow write is counted as write', async () => {
    const w = worker();
    const o = observed();
    w.inner.beforeNextWrite = () => new Promise((r) => setTimeout(r, 30));
    const started = performance.now();
    await w.applier.apply([delivery(TaskCommandTypes.Create, { input: { id: tid(90), title: 'x' } })], o.observe);
    const elapsed = (performance.now() - started) / 1000;
    expect(o.phases.map(([p]) => p)).toEqual(['read', 'decide', 'write', 'record', 'commit', 'settle', 'ack']);
    for (const [, seconds] of o.phases) expect(seconds).toBeGreaterThanOrEqual(0);
    expect(Object.fromEntries(o.phases).write).toBeGreaterThanOrEqual(0.02);
    // Seconds, each phase counted once: together they are the call's own time.
    expect(o.phases.reduce((a, [, seconds]) => a + seconds, 0)).toBeLessThanOrEqual(elapsed);
  });

  it('the fallback: the set path up to its refused write, then read, apply, record, commit, settle, ack', async () => {
    const w = worker();
    const a = tid(91);
    await w.real.run(new CreateTaskCommand(ALICE, { id: a, title: 'before' }), w.sessions.now());
    w.inner.beforeNextWrite = async () => {
      await w.real.run(new EditTaskCommand(ALICE, a, { title: 'synchronous' }), w.sessions.now());
    };
    const o = observed();
    await w.applier.apply([delivery(TaskCommandTypes.Complete, { id: a })], o.observe);
    expect(w.applier.fallbacks).toBe(1);
    expect(o.phases.map(([p]) => p)).toEqual(['read', 'decide', 'write', 'read', 'apply', 'record', 'commit', 'settle', 'ack']);
  });

  it('one command at a time: read, apply, record, commit, settle, ack; a batch that fails reports what it got through', async () => {
    const w = worker();
    const o = observed();
    await w.applier.applyOneAtATime([delivery(TaskCommandTypes.Create, { input: { id: tid(92), title: 'x' } })], o.observe);
    expect(o.phases.map(([p]) => p)).toEqual(['read', 'apply', 'record', 'commit', 'settle', 'ack']);
    const failed = observed();
    w.store.failNextWrite = new Error('connection reset');
    await expect(w.applier.apply([delivery(TaskCommandTypes.Create, { input: { id: tid(93), title: 'y' } })], failed.observe)).rejects.toThrow('connection reset');
    expect(failed.phases.map(([p]) => p)).toEqual(['read', 'decide']);
  });
});

describe('ApplyCommandBatch.applyOneAtATime', () => {
  it('runs each command against storage (no set load or write)', async () => {
    const w = worker();
    const d = delivery(TaskCommandTypes.Create, { input: { id: tid(80), title: 'x' } });
    await expect(w.applier.applyOneAtATime([d])).resolves.toEqual({ applied: 1, rejected: 0, duplicates: 0 });
    expect(w.store.loads).toEqual([]);
    expect(w.store.writes).toEqual([]);
    expect(w.repo.stateOf(tid(80))).toMatchObject({ title: 'x', version: 1 });
    expect(w.applier.fallbacks).toBe(0);
  });
});
