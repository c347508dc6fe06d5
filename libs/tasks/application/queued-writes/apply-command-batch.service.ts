import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { PENDING_WRITES, type PendingWrites } from './ports/pending-writes.port';
import { COMMAND_INBOX, type CommandInbox, type CommandProblem, type ProcessedCommand } from './ports/command-inbox.port';
import type { CommandDelivery, CommandEnvelope } from './ports/command-queue.port';
import { UNIT_OF_WORK, type UnitOfWork } from '@ln/kernel/application/ports/unit-of-work.port';
import { commandOf, resourceOf, versionOf } from './command-catalog';
import { TaskSessions } from '../shared/task-sessions.service';
import { TaskCommands } from '../task-commands.service';
import type { Command } from '@nestjs/cqrs';
import { READ_CACHE, type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { OWNER_TIMEZONES, type OwnerTimezones } from '../ports/owner-timezones.port';
import { BatchWriteConflict, TASK_BATCH_STORE, type TaskBatchStore } from '../ports/task-batch-store.port';
import { BatchTasks } from './batch-tasks';
import { CreateTaskCommand } from '../create-task/create-task.command';
import { ReplaceTaskCommand } from '../replace-task/replace-task.command';
import { EditTaskCommand } from '../edit-task/edit-task.command';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { type CommandDecidedV1, CommandEventTypes } from '../../contracts/command-events.contract';

/** The refusal as recorded: its kind (the HTTP edge maps kinds to statuses), code, detail and fields. */
export function problemOf(error: DomainError): CommandProblem {
  return { kind: error.kind, code: error.code, detail: error.message, ...(error.fields ? { errors: error.fields } : {}) };
}

function acceptedAt(envelope: CommandEnvelope): Date | undefined {
  const at = new Date(envelope.issuedAt);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** A refusal that is the command's own answer (recorded, acked); anything else is a fault (retried). */
function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && error.kind !== 'unavailable';
}

/** The task ids a command will read: its task, and the parent or replanned task it names. */
function idsOf(command: Command<unknown>): string[] {
  const c = command as { id?: unknown; input?: { id?: unknown; parentId?: unknown; replanOf?: unknown }; changes?: { parentId?: unknown } };
  const ids: unknown[] = [c.id];
  if (command instanceof CreateTaskCommand || command instanceof ReplaceTaskCommand) ids.push(c.input?.id, c.input?.parentId, c.input?.replanOf);
  if (command instanceof EditTaskCommand) ids.push(c.changes?.parentId);
  return ids.filter((id): id is string => typeof id === 'string');
}

type Counts = { applied: number; rejected: number; duplicates: number };

/**
 * Where a batch's time goes, in order: `read` (the inbox's redeliveries, the owners' timezones, the
 * tasks and their steps: three round trips), `decide` (the commands' handlers, in memory), `write`
 * (tasks, outbox rows and NOTIFY: one statement), `record` (the inbox records and the decisions'
 * outbox rows: one statement), `commit` (COMMIT and the read-cache invalidations after it), `settle`
 * (the pending overlay) and `ack` (the broker). A batch applied one command at a time reports
 * `read`, `apply` (every command in its savepoint), `record`, `commit`, `settle` and `ack`; after
 * a set write refused by a conflict (the fallback) that follows the set path's `read`, `decide`
 * and `write` (the refused write and its rollback).
 */
export type BatchPhase = 'read' | 'decide' | 'write' | 'record' | 'commit' | 'settle' | 'ack' | 'apply';
export type BatchPhaseObserver = (phase: BatchPhase, seconds: number) => void;

/** Reports the time since the previous mark (or its creation) as a phase. */
class PhaseClock {
  private at = performance.now();
  constructor(private readonly observe?: BatchPhaseObserver) {}
  mark(phase: BatchPhase): void {
    if (!this.observe) return;
    const now = performance.now();
    this.observe(phase, (now - this.at) / 1000);
    this.at = now;
  }
}

/** A decision as the event the author's live stream shows (ADR 28). */
export function outcomeEvent(record: ProcessedCommand, eventId: string): DomainEvent {
  const payload: CommandDecidedV1 = { commandId: record.commandId, commandType: record.type, taskId: record.resourceId, problem: record.problem };
  return {
    eventId,
    type: record.status === 'applied' ? CommandEventTypes.Applied : CommandEventTypes.Rejected,
    aggregateType: 'command',
    aggregateId: record.commandId,
    userId: record.userId,
    version: 1,
    occurredAt: record.processedAt,
    payload: { ...payload },
  };
}
type Stored = Map<string, { taskId: string; version: number }>;

/**
 * Applies a batch of queued commands in ONE transaction, in delivery order, each command once (the
 * inbox): a command already decided is skipped (a redelivery); a command the domain refuses is
 * recorded as rejected and leaves nothing. Acks happen only after the commit.
 *
 * Set-based (#13, ADR 22): the batch costs a constant number of round trips whatever its size. One
 * read of the inbox, one of every task the commands name (with their steps), one of the owners'
 * timezones; then the commands' own handlers run in memory against that view (`BatchTasks`), a
 * later command seeing what an earlier one left; then one statement writes every task, outbox row
 * and NOTIFY (updates checked against the version read), and one the inbox records. When that
 * statement finds storage changed since the read (a synchronous write got in between), the batch
 * is applied again one command at a time, each in its savepoint, exactly as before: same outcomes.
 *
 * Any other error rolls the whole batch back and is thrown: nothing of it was applied, and the
 * caller decides how to retry (see the worker's batch processor).
 */
@Injectable()
export class ApplyCommandBatch {
  /** Set batches refused by their write and applied one command at a time instead (a metric for operators, a fact for tests). */
  fallbacks = 0;

  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(COMMAND_INBOX) private readonly inbox: CommandInbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: TaskCommands,
    private readonly sessions: TaskSessions,
    @Inject(PENDING_WRITES) private readonly pending: PendingWrites,
    @Inject(TASK_BATCH_STORE) private readonly store: TaskBatchStore,
    @Inject(OWNER_TIMEZONES) private readonly owners: OwnerTimezones,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** The inbox records, with each decision announced in the outbox by the same statement. */
  private record(records: readonly ProcessedCommand[]): Promise<void> {
    return this.inbox.recordAll(records, records.map((r) => outcomeEvent(r, this.ids.next())));
  }

  /** @param observe told how long each phase of the batch took (`BatchPhase`), as it ends. */
  async apply(batch: readonly CommandDelivery[], observe?: BatchPhaseObserver): Promise<Counts> {
    const clock = new PhaseClock(observe);
    return this.settled(batch, clock, async (stored) => {
      try {
        return await this.applySet(batch, stored, clock);
      } catch (error) {
        if (!(error instanceof BatchWriteConflict)) throw error;
        // The refused write and its rollback.
        clock.mark('write');
        this.fallbacks += 1;
        return this.applyOneByOne(batch, stored, clock);
      }
    });
  }

  /** The same batch, one command at a time in its savepoint (what the set path must equal; tests compare them). */
  applyOneAtATime(batch: readonly CommandDelivery[], observe?: BatchPhaseObserver): Promise<Counts> {
    const clock = new PhaseClock(observe);
    return this.settled(batch, clock, (stored) => this.applyOneByOne(batch, stored, clock));
  }

  private async settled(batch: readonly CommandDelivery[], clock: PhaseClock, run: (stored: Stored) => Promise<Counts>): Promise<Counts> {
    const stored: Stored = new Map();
    const counts = await run(stored);
    clock.mark('commit');
    // Decided: the authors' reads now come from storage. Before the acks, so a crash in between
    // leaves a redelivery (a duplicate for the inbox), never a pending entry nobody will settle.
    await this.pending.settle(batch.map((d) => ({ userId: d.envelope.userId, commandId: d.envelope.commandId, applied: stored.get(d.envelope.commandId) })));
    clock.mark('settle');
    for (const delivery of batch) await delivery.ack();
    clock.mark('ack');
    return counts;
  }

  /** The set path: constant round trips; BatchWriteConflict when storage moved under it. */
  private applySet(batch: readonly CommandDelivery[], stored: Stored, clock: PhaseClock): Promise<Counts> {
    return this.uow.run(async () => {
      stored.clear();
      const counts: Counts = { applied: 0, rejected: 0, duplicates: 0 };
      const decided = new Set(await this.inbox.decidedAmong(batch.map((d) => d.envelope.commandId)));
      const fresh: { envelope: CommandEnvelope; command: ReturnType<typeof commandOf> | DomainError }[] = [];
      for (const delivery of batch) {
        const { commandId } = delivery.envelope;
        // Decided before, or earlier in this very batch (delivered twice).
        if (decided.has(commandId)) {
          counts.duplicates += 1;
          continue;
        }
        decided.add(commandId);
        let command: ReturnType<typeof commandOf> | DomainError;
        try {
          command = commandOf(delivery.envelope);
        } catch (error) {
          if (!isRefusal(error)) throw error;
          command = error;
        }
        fresh.push({ envelope: delivery.envelope, command });
      }
      const userIds = [...new Set(fresh.map((f) => f.envelope.userId))];
      const timezones = userIds.length ? await this.owners.timezonesOf(userIds) : new Map<string, string>();
      const tasks = new BatchTasks((ids) => this.store.load(ids), (userId) => timezones.has(userId));
      await tasks.prefetch(fresh.flatMap((f) => (f.command instanceof DomainError ? [] : idsOf(f.command))));
      clock.mark('read');

      const records: ProcessedCommand[] = [];
      for (const { envelope, command } of fresh) {
        const record = { commandId: envelope.commandId, userId: envelope.userId, type: envelope.type, processedAt: this.clock.now().toISOString() };
        try {
          if (command instanceof DomainError) throw command;
          // Stamped with the time the api accepted it: the stored task is the one the 202 announced.
          const result = await this.commands.run(command, this.sessions.setBatch(tasks, acceptedAt(envelope), timezones));
          tasks.commit();
          const resourceId = resourceOf(envelope, result);
          const version = versionOf(result);
          if (resourceId && version !== null) stored.set(envelope.commandId, { taskId: resourceId, version });
          records.push({ ...record, status: 'applied', resourceId, problem: null });
          counts.applied += 1;
        } catch (error) {
          tasks.discard();
          if (!isRefusal(error)) throw error;
          records.push({ ...record, status: 'rejected', resourceId: resourceOf(envelope, undefined), problem: problemOf(error) });
          counts.rejected += 1;
        }
      }
      clock.mark('decide');
      await this.store.write(tasks.writes());
      clock.mark('write');
      await this.record(records);
      clock.mark('record');
      // After the commit, so no reader caches the state from before it under the new version.
      for (const owner of tasks.owners()) await this.uow.afterCommit(() => this.cache.invalidate(owner));
      return counts;
    });
  }

  /** One command at a time, each in its savepoint (the path before #13, and the fallback). */
  private applyOneByOne(batch: readonly CommandDelivery[], stored: Stored, clock: PhaseClock): Promise<Counts> {
    return this.uow.run(async () => {
      stored.clear();
      const counts: Counts = { applied: 0, rejected: 0, duplicates: 0 };
      // One query for the batch's redeliveries, one statement for its inbox records: per command
      // only its own writes remain (in their savepoint).
      const decided = new Set(await this.inbox.decidedAmong(batch.map((d) => d.envelope.commandId)));
      clock.mark('read');
      const records: ProcessedCommand[] = [];
      // A timezone read once per user per batch: a batch's commands share its transaction.
      const timezones = new Map<string, Promise<string>>();
      for (const delivery of batch) {
        const { commandId } = delivery.envelope;
        if (decided.has(commandId)) {
          counts.duplicates += 1;
          continue;
        }
        decided.add(commandId);
        const record = await this.applyOne(delivery.envelope, stored, timezones);
        records.push(record);
        counts[record.status] += 1;
      }
      clock.mark('apply');
      await this.record(records);
      clock.mark('record');
      return counts;
    });
  }

  /** Runs one command in its savepoint; what to record of it (written with the batch's records). */
  private async applyOne(envelope: CommandEnvelope, stored: Stored, timezones: Map<string, Promise<string>>): Promise<ProcessedCommand> {
    const record = { commandId: envelope.commandId, userId: envelope.userId, type: envelope.type, processedAt: this.clock.now().toISOString() };
    try {
      const result = await this.uow.savepoint(() => this.commands.run(commandOf(envelope), this.sessions.batch(acceptedAt(envelope), timezones)));
      const resourceId = resourceOf(envelope, result);
      const version = versionOf(result);
      if (resourceId && version !== null) stored.set(envelope.commandId, { taskId: resourceId, version });
      return { ...record, status: 'applied', resourceId, problem: null };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return { ...record, status: 'rejected', resourceId: resourceOf(envelope, undefined), problem: problemOf(error) };
    }
  }
}
