import type { Command } from '@nestjs/cqrs';
import { DomainError, InvalidValue } from '@ln/kernel/domain/domain-error.base';
import { type FailureReason, parseFailureReason } from '../../domain/failure-reason.value-object';
import { type TaskInput } from '../../domain/task.aggregate';
import type { CommandEnvelope } from './ports/command-queue.port';
import type { TaskView } from '../ports/task-read-model.port';
import { CompleteTaskCommand } from '../complete-task/complete-task.command';
import { CreateTaskCommand, type CreateTaskInput, type CreateTaskResult } from '../create-task/create-task.command';
import { DeleteTaskCommand } from '../delete-task/delete-task.command';
import { DropTaskCommand } from '../drop-task/drop-task.command';
import { EditTaskCommand } from '../edit-task/edit-task.command';
import { FailTaskCommand } from '../fail-task/fail-task.command';
import { PostponeTaskCommand } from '../postpone-task/postpone-task.command';
import { ReopenTaskCommand } from '../reopen-task/reopen-task.command';
import { ReplaceTaskCommand, type ReplaceTaskResult } from '../replace-task/replace-task.command';

/**
 * The versioned wire contract of queued task commands, both ways: the api turns a use-case
 * command into an envelope payload, the worker turns it back. A payload that does not fit is
 * refused as `invalid_command` (recorded, never retried).
 */
export const TaskCommandTypes = {
  Create: 'task.create.v1',
  Replace: 'task.replace.v1',
  Edit: 'task.edit.v1',
  Complete: 'task.complete.v1',
  Fail: 'task.fail.v1',
  Postpone: 'task.postpone.v1',
  Reopen: 'task.reopen.v1',
  Drop: 'task.drop.v1',
  Delete: 'task.delete.v1',
} as const;

type Payload = Record<string, unknown>;
type QueuedResult = TaskView | CreateTaskResult | ReplaceTaskResult | undefined;

export class InvalidCommand extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'invalid_command';
  constructor(detail: string) {
    super(detail);
  }
}

const str = (p: Payload, k: string): string => {
  const v = p[k];
  if (typeof v !== 'string') throw new InvalidCommand(`payload.${k} must be a string`);
  return v;
};
/** A failure reason from the taxonomy, read with the domain's own parser. */
const reason = (p: Payload): FailureReason => {
  const raw = str(p, 'reason');
  try {
    return parseFailureReason(raw);
  } catch (error) {
    if (error instanceof InvalidValue) throw new InvalidCommand(`payload.reason ${error.message}`);
    throw error;
  }
};
const optVersion = (p: Payload): number | undefined => {
  const v = p.expectedVersion;
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v)) throw new InvalidCommand('payload.expectedVersion must be an integer');
  return v as number;
};
/** An optional whole number; its range is the domain's to judge (a refusal the worker records as the domain's). */
const optInt = (p: Payload, k: string): number | undefined => {
  const v = p[k];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v)) throw new InvalidCommand(`payload.${k} must be an integer`);
  return v as number;
};
const obj = (p: Payload, k: string): Payload => {
  const v = p[k];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidCommand(`payload.${k} must be an object`);
  return v as Payload;
};

/** The use-case command an envelope stands for. */
export function commandOf(envelope: CommandEnvelope): Command<QueuedResult> {
  const p = envelope.payload;
  const user = envelope.userId;
  switch (envelope.type) {
    case TaskCommandTypes.Create:
      return new CreateTaskCommand(user, obj(p, 'input') as unknown as CreateTaskInput);
    case TaskCommandTypes.Replace:
      return new ReplaceTaskCommand(user, str(p, 'id'), obj(p, 'input') as unknown as Omit<CreateTaskInput, 'id'>, optVersion(p));
    case TaskCommandTypes.Edit:
      return new EditTaskCommand(user, str(p, 'id'), obj(p, 'changes') as Partial<TaskInput>, optVersion(p));
    case TaskCommandTypes.Complete:
      return new CompleteTaskCommand(user, str(p, 'id'), optVersion(p), optInt(p, 'actualMinutes'));
    case TaskCommandTypes.Fail:
      return new FailTaskCommand(user, str(p, 'id'), reason(p), (p.note as string | null | undefined) ?? null, optVersion(p));
    case TaskCommandTypes.Postpone:
      return new PostponeTaskCommand(user, str(p, 'id'), str(p, 'scheduledFor'), optVersion(p));
    case TaskCommandTypes.Reopen:
      return new ReopenTaskCommand(user, str(p, 'id'), optVersion(p));
    case TaskCommandTypes.Drop:
      return new DropTaskCommand(user, str(p, 'id'), optVersion(p));
    case TaskCommandTypes.Delete:
      return new DeleteTaskCommand(user, str(p, 'id'), optVersion(p));
    default:
      throw new InvalidCommand(`unknown command type: ${envelope.type}`);
  }
}

/** The wire form of a task command: the inverse of `commandOf`. */
export function wireOf(command: Command<unknown>): { type: string; payload: Payload } {
  const v = (c: { expectedVersion?: number }) => (c.expectedVersion === undefined ? {} : { expectedVersion: c.expectedVersion });
  if (command instanceof CreateTaskCommand) return { type: TaskCommandTypes.Create, payload: { input: command.input } };
  if (command instanceof ReplaceTaskCommand) return { type: TaskCommandTypes.Replace, payload: { id: command.id, input: command.input, ...v(command) } };
  if (command instanceof EditTaskCommand) return { type: TaskCommandTypes.Edit, payload: { id: command.id, changes: command.changes, ...v(command) } };
  if (command instanceof CompleteTaskCommand) {
    const actual = command.actualMinutes === undefined ? {} : { actualMinutes: command.actualMinutes };
    return { type: TaskCommandTypes.Complete, payload: { id: command.id, ...v(command), ...actual } };
  }
  if (command instanceof FailTaskCommand) {
    return { type: TaskCommandTypes.Fail, payload: { id: command.id, reason: command.reason, note: command.note ?? null, ...v(command) } };
  }
  if (command instanceof PostponeTaskCommand) {
    return { type: TaskCommandTypes.Postpone, payload: { id: command.id, scheduledFor: command.scheduledFor, ...v(command) } };
  }
  if (command instanceof ReopenTaskCommand) return { type: TaskCommandTypes.Reopen, payload: { id: command.id, ...v(command) } };
  if (command instanceof DropTaskCommand) return { type: TaskCommandTypes.Drop, payload: { id: command.id, ...v(command) } };
  if (command instanceof DeleteTaskCommand) return { type: TaskCommandTypes.Delete, payload: { id: command.id, ...v(command) } };
  throw new Error(`${command.constructor.name} cannot be queued`);
}

/** The version of the task a command's result left in storage. */
export function versionOf(result: QueuedResult): number | null {
  if (result && typeof result === 'object' && 'task' in result) return result.task.version;
  if (result && typeof result === 'object' && 'version' in result) return result.version;
  return null;
}

/** The task a command's result is about, for the inbox record (and the command status). */
export function resourceOf(envelope: CommandEnvelope, result: QueuedResult): string | null {
  if (result && typeof result === 'object' && 'task' in result) return result.task.id;
  if (result && typeof result === 'object' && 'id' in result) return result.id;
  const input = envelope.payload.input as Payload | undefined;
  const id = envelope.payload.id ?? (input && typeof input === 'object' ? input.id : undefined);
  return typeof id === 'string' ? id : null;
}
