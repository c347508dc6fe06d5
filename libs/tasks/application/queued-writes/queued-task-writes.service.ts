import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Command } from '@nestjs/cqrs';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { DependencyUnavailable } from '@ln/kernel/application/application.errors';
import { v5 as uuidv5 } from 'uuid';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { COMMAND_QUEUE, type CommandEnvelope, type CommandQueue } from './ports/command-queue.port';
import { ID_GENERATOR, type IdGenerator } from '@ln/kernel/application/ports/id-generator.port';
import { COMMAND_INBOX, type CommandInbox } from './ports/command-inbox.port';
import { PENDING_WRITES, type PendingWrite, type PendingWrites } from './ports/pending-writes.port';
import type { TaskView } from '../ports/task-read-model.port';
import { CreateTaskCommand } from '../create-task/create-task.command';
import { stateToView, toTaskView } from '../shared/task-view.mapper';
import { TaskSessions } from '../shared/task-sessions.service';
import { TaskCommands } from '../task-commands.service';
import { wireOf } from './command-catalog';
import { PendingOverlay } from './pending-overlay';
import { type PlanOverlay, TaskPlan } from './task-plan.repository';

/** The broker did not take the command (down, or no confirm in time): nothing was promised, nothing remains. */
export class CommandQueueUnavailable extends DomainError {
  readonly kind = 'unavailable' as const;
  readonly code = 'command_queue_unavailable';
  override readonly retryAfterSeconds = 2;
  constructor(cause?: unknown) {
    super('the write could not be queued (the message broker did not confirm it); nothing was recorded, retry shortly');
    this.cause = cause;
  }
}

/** A user has this many writes accepted and not yet applied: they are asked to slow down. */
export class TooManyPendingWrites extends DomainError {
  readonly kind = 'rate_limited' as const;
  readonly code = 'too_many_pending_writes';
  override readonly retryAfterSeconds = 5;
  constructor(limit: number) {
    super(`${limit} of your writes are still waiting to be applied; retry shortly`);
  }
}

export const QUEUED_WRITES_SETTINGS = Symbol('QueuedWritesSettings');

export interface QueuedWritesSettings {
  /**
   * Writes one user may have accepted and not yet applied. Each plan reads them all, so without a
   * bound a user writing through a long worker outage would make every one of their writes slower.
   */
  readonly maxPendingPerUser: number;
  /** Users whose last pending count this process remembers, at most (the oldest are forgotten first). Default 100,000. */
  readonly knownPendingUsers?: number;
}

export interface Accepted {
  readonly commandId: string;
  readonly taskId: string;
  /** The task as it will be once applied; null when the command deletes it. */
  readonly task: TaskView | null;
  /** The command creates the task (a PUT to a new id, a create that is not a retry). */
  readonly created: boolean;
}

/** Names command ids derived from an Idempotency-Key (UUIDv5 namespace, fixed forever). */
const KEYED_COMMANDS = '5b0f6c3e-3f57-4d7a-9c1e-6a1f0f4e2b71';

const log = new Logger('QueuedWrites');

/** How long this process plans on top of a write it could not record in the overlay store. */
const UNRECORDED_KEPT_MS = 60_000;
const KNOWN_PENDING_USERS = 100_000;

/**
 * The api's side of the queued write path: plan the command (refusing at once what the worker
 * would refuse), hand it to the broker, and only once the broker has confirmed it record it in
 * the pending overlay and answer 202. A user's writes are planned one at a time in this process,
 * so each plans on top of the previous one's pending state.
 */
@Injectable()
export class QueuedTaskWrites {
  private readonly userTurns = new Map<string, Promise<unknown>>();
  /**
   * Accepted writes whose overlay record failed, per user: this process still plans on top of
   * them (its later answers stay right) until they are old enough for any worker to have decided
   * them; a read that finds one in the store takes the store's.
   */
  private readonly unrecorded = new Map<string, PendingWrite[]>();
  /** The user's pending count as of this process's last add or read: the bound is checked on it. */
  private readonly knownPending = new Map<string, number>();

  constructor(
    private readonly commands: TaskCommands,
    private readonly sessions: TaskSessions,
    @Inject(COMMAND_QUEUE) private readonly queue: CommandQueue,
    @Inject(PENDING_WRITES) private readonly pending: PendingWrites,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(COMMAND_INBOX) private readonly inbox: CommandInbox,
    @Inject(QUEUED_WRITES_SETTINGS) private readonly settings: QueuedWritesSettings,
  ) {}

  /**
   * @param retryKey the request's Idempotency-Key with the request's fingerprint (method, path, body): the command id is derived from
   *   it, so a retry after a lost answer is the same command and the worker's inbox applies it once.
   */
  submit(userId: string, command: Command<unknown>, retryKey?: string): Promise<Accepted> {
    const previous = this.userTurns.get(userId);
    // Nobody's turn in progress (the common case with many users): plan at once, no chaining.
    const turn = previous ? previous.catch(() => undefined).then(() => this.plan(userId, command, retryKey)) : this.plan(userId, command, retryKey);
    this.userTurns.set(userId, turn);
    const forget = () => {
      if (this.userTurns.get(userId) === turn) this.userTurns.delete(userId);
    };
    turn.then(forget, forget);
    return turn;
  }

  private async plan(userId: string, command: Command<unknown>, retryKey?: string): Promise<Accepted> {
    const now = this.clock.now();
    // The bound is checked on the last count this process saw (each add returns it); only at the
    // bound is the count read again, to see whether a worker has caught up meanwhile.
    if ((this.knownPending.get(userId) ?? 0) >= this.settings.maxPendingPerUser) await this.checkBound(userId);
    // The user's pending writes are read per task (or parent) when the plan first needs them: a
    // create with a new id never does, an edit reads its own task's only.
    const plan = new TaskPlan(userId, this.overlayOf(userId, now), this.sessions.planSources());
    // The api chooses a new task's id, so the 202 can name the resource before it exists.
    let idless = false;
    if (command instanceof CreateTaskCommand && !command.input.id) {
      idless = true;
      const id = this.ids.next();
      plan.freshIds.add(id);
      command = new CreateTaskCommand(command.ownerId, { ...command.input, id });
    }
    const commandId = retryKey ? uuidv5(`${userId}\n${retryKey}`, KEYED_COMMANDS) : this.ids.next();
    // The same keyed request again while its command is still pending: the same answer, no new plan.
    if (retryKey) {
      const pending = await this.pendingCommand(userId, commandId, now);
      if (pending) return this.earlier(userId, commandId, pending.taskId, plan);
      // A keyed create without an id whose command a worker has decided already (its api died
      // before the answer was stored): planned again it would name a new id that never exists, so
      // the inbox is asked first. Only for these: another write planned again names its own task,
      // and a refusal falls back to the inbox below. Keyed requests read PostgreSQL anyway (ADR 13).
      const decided = idless ? await this.inbox.findForUser(userId, commandId) : null;
      if (decided?.resourceId) return this.earlier(userId, commandId, decided.resourceId, plan);
    }
    let result: TaskView | { task: TaskView; created: boolean };
    try {
      result = (await this.commands.run(command, this.sessions.plan(plan, now))) as TaskView | { task: TaskView; created: boolean };
    } catch (error) {
      // A retry of a command that was accepted before (its answer lost with an api that died):
      // the command stands as it was, whatever planning it again says now.
      const earlier = retryKey && error instanceof DomainError ? await this.earlierAccepted(userId, commandId, now, plan) : null;
      if (earlier) return earlier;
      throw error;
    }
    const view = 'task' in result ? result.task : result;
    const saved = plan.saved;

    const wire = wireOf(command);
    const envelope: CommandEnvelope = { commandId, userId, type: wire.type, payload: wire.payload, issuedAt: now.toISOString() };
    try {
      await this.queue.send(envelope);
    } catch (error) {
      throw new CommandQueueUnavailable(error);
    }
    // After the confirm: a 503 leaves no trace here. Best effort: the broker has the write. A
    // plan that changes nothing is recorded too, so the command's status reads `accepted`.
    const state = saved?.changed ? saved.state : null;
    const write: PendingWrite = { commandId, type: wire.type, taskId: view.id, state, createFingerprint: saved?.createFingerprint ?? null, acceptedAt: envelope.issuedAt };
    const recorded = await this.pending.add(userId, write).catch(() => false as const);
    if (recorded !== false) this.notePending(userId, recorded);
    else {
      log.warn(`pending overlay not recorded for command ${commandId}; this api keeps planning on it`);
      this.unrecorded.set(userId, [...(this.unrecorded.get(userId) ?? []), write]);
    }
    const deleted = saved?.changed === true && saved.state.deletedAt != null;
    return {
      commandId,
      taskId: view.id,
      task: deleted ? null : saved ? stateToView(saved.state) : view,
      created: 'created' in result ? result.created : false,
    };
  }

  /** Remembers the last count of a user's pending writes seen here (bounded: the oldest users go first). */
  private notePending(userId: string, count: number): void {
    this.knownPending.delete(userId);
    if (count === 0) return;
    if (this.knownPending.size >= (this.settings.knownPendingUsers ?? KNOWN_PENDING_USERS)) {
      const oldest = this.knownPending.keys().next().value;
      if (oldest !== undefined) this.knownPending.delete(oldest);
    }
    this.knownPending.set(userId, count);
  }

  private async checkBound(userId: string): Promise<void> {
    const count = await this.strictly(() => this.pending.count(userId, { strict: true }));
    this.notePending(userId, count);
    if (count >= this.settings.maxPendingPerUser) throw new TooManyPendingWrites(this.settings.maxPendingPerUser);
  }

  /** The plan's view of the user's pending writes: per task and per parent, each read once. */
  private overlayOf(userId: string, now: Date): PlanOverlay {
    const tasks = new Map<string, Promise<PendingOverlay>>();
    const parents = new Map<string, Promise<PendingOverlay>>();
    const read = (stored: () => Promise<readonly PendingWrite[]>, mine: (w: PendingWrite) => boolean) => async () =>
      new PendingOverlay(this.withUnrecorded(userId, now, await this.strictly(stored), mine));
    return {
      task: (taskId) => memo(tasks, taskId, read(() => this.pending.ofTask(userId, taskId, { strict: true }), (w) => w.taskId === taskId)),
      steps: (parentId) =>
        memo(parents, parentId, read(() => this.pending.ofSteps(userId, parentId, { strict: true }), (w) => w.state?.parentId === parentId)),
    };
  }

  /** A pending command of the user (as the store has it, or as this process could not record it). */
  private async pendingCommand(userId: string, commandId: string, now: Date): Promise<PendingWrite | null> {
    const stored = await this.strictly(() => this.pending.get(userId, commandId, { strict: true }));
    return stored ?? this.withUnrecorded(userId, now, [], (w) => w.commandId === commandId)[0] ?? null;
  }

  /** A plan never proceeds on an overlay it could not read. */
  private async strictly<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new DependencyUnavailable('store of pending writes (Redis)', error);
    }
  }

  /**
   * What the store gave, plus the writes of this process it could not record there (those `mine`
   * selects), while they can still matter.
   */
  private withUnrecorded(userId: string, now: Date, stored: readonly PendingWrite[], mine: (w: PendingWrite) => boolean): readonly PendingWrite[] {
    const local = this.unrecorded.get(userId);
    if (!local) return stored;
    const fresh = local.filter((w) => now.getTime() - Date.parse(w.acceptedAt) < UNRECORDED_KEPT_MS);
    if (fresh.length === 0) this.unrecorded.delete(userId);
    else if (fresh.length < local.length) this.unrecorded.set(userId, fresh);
    const extra = fresh.filter((w) => mine(w) && !stored.some((s) => s.commandId === w.commandId));
    return extra.length === 0 ? stored : [...stored, ...extra];
  }

  /** A retry of a command accepted before: its answer, from the pending write or the inbox. */
  private async earlierAccepted(userId: string, commandId: string, now: Date, plan: TaskPlan): Promise<Accepted | null> {
    const taskId = (await this.pendingCommand(userId, commandId, now))?.taskId ?? (await this.inbox.findForUser(userId, commandId))?.resourceId;
    return taskId ? this.earlier(userId, commandId, taskId, plan) : null;
  }

  private async earlier(userId: string, commandId: string, taskId: string, plan: TaskPlan): Promise<Accepted> {
    const task = await plan.get(userId, taskId);
    return { commandId, taskId, task: task ? toTaskView(task) : null, created: false };
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) cache.set(key, (value = load()));
  return value;
}
