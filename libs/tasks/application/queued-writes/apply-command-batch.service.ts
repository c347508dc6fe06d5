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

/**
 * Applies a batch of queued commands in ONE transaction: each command's effects (aggregate and
 * outbox rows) and its inbox record, command after command in delivery order. A command already
 * in the inbox is skipped (a redelivery). A command the domain refuses is recorded as rejected,
 * inside a savepoint so its partial writes are undone, and does not fail its batch. Acks happen
 * only after the commit. Any other error rolls the whole batch back and is thrown: nothing of it
 * was applied, and the caller decides how to retry (see the worker's batch processor).
 */
@Injectable()
export class ApplyCommandBatch {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(COMMAND_INBOX) private readonly inbox: CommandInbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: TaskCommands,
    private readonly sessions: TaskSessions,
    @Inject(PENDING_WRITES) private readonly pending: PendingWrites,
  ) {}

  async apply(batch: readonly CommandDelivery[]): Promise<{ applied: number; rejected: number; duplicates: number }> {
    const counts = { applied: 0, rejected: 0, duplicates: 0 };
    /** What each applied command stored: its task and version (for the pending overlay). */
    const stored = new Map<string, { taskId: string; version: number }>();
    await this.uow.run(async () => {
      stored.clear();
      counts.applied = counts.rejected = counts.duplicates = 0;
      // One query for the batch's redeliveries, one statement for its inbox records: per command
      // only its own writes remain (in their savepoint).
      const decided = new Set(await this.inbox.decidedAmong(batch.map((d) => d.envelope.commandId)));
      const records: ProcessedCommand[] = [];
      // A timezone read once per user per batch: a batch's commands share its transaction.
      const timezones = new Map<string, Promise<string>>();
      for (const delivery of batch) {
        const { commandId } = delivery.envelope;
        // Decided before, or earlier in this very batch (delivered twice).
        if (decided.has(commandId)) {
          counts.duplicates += 1;
          continue;
        }
        decided.add(commandId);
        const record = await this.applyOne(delivery.envelope, stored, timezones);
        records.push(record);
        counts[record.status] += 1;
      }
      await this.inbox.recordAll(records);
    });
    // Decided: the authors' reads now come from storage. Before the acks, so a crash in between
    // leaves a redelivery (a duplicate for the inbox), never a pending entry nobody will settle.
    await this.pending.settle(batch.map((d) => ({ userId: d.envelope.userId, commandId: d.envelope.commandId, applied: stored.get(d.envelope.commandId) })));
    for (const delivery of batch) await delivery.ack();
    return counts;
  }

  /** Runs one command in its savepoint; what to record of it (written with the batch's records). */
  private async applyOne(
    envelope: CommandEnvelope,
    stored: Map<string, { taskId: string; version: number }>,
    timezones: Map<string, Promise<string>>,
  ): Promise<ProcessedCommand> {
    const record = { commandId: envelope.commandId, userId: envelope.userId, type: envelope.type, processedAt: this.clock.now().toISOString() };
    try {
      // Stamped with the time the api accepted it: the stored task is the one the 202 announced.
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
