import { Command } from '@nestjs/cqrs';
import { CompleteTaskCommand } from '@ln/tasks/application/complete-task/complete-task.command';
import { CompleteTaskHandler } from '@ln/tasks/application/complete-task/complete-task.handler';
import { CreateTaskCommand } from '@ln/tasks/application/create-task/create-task.command';
import { CreateTaskHandler } from '@ln/tasks/application/create-task/create-task.handler';
import { DeleteTaskCommand } from '@ln/tasks/application/delete-task/delete-task.command';
import { DeleteTaskHandler } from '@ln/tasks/application/delete-task/delete-task.handler';
import { DropTaskCommand } from '@ln/tasks/application/drop-task/drop-task.command';
import { DropTaskHandler } from '@ln/tasks/application/drop-task/drop-task.handler';
import { EditTaskCommand } from '@ln/tasks/application/edit-task/edit-task.command';
import { EditTaskHandler } from '@ln/tasks/application/edit-task/edit-task.handler';
import { FailTaskCommand } from '@ln/tasks/application/fail-task/fail-task.command';
import { FailTaskHandler } from '@ln/tasks/application/fail-task/fail-task.handler';
import { PostponeTaskCommand } from '@ln/tasks/application/postpone-task/postpone-task.command';
import { PostponeTaskHandler } from '@ln/tasks/application/postpone-task/postpone-task.handler';
import { InvalidCommand, TaskCommandTypes, commandOf, resourceOf, versionOf, wireOf } from '@ln/tasks/application/queued-writes/command-catalog';
import type { CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import type { TaskView } from '@ln/tasks/application/ports/task-read-model.port';
import { ReopenTaskCommand } from '@ln/tasks/application/reopen-task/reopen-task.command';
import { ReopenTaskHandler } from '@ln/tasks/application/reopen-task/reopen-task.handler';
import { ReplaceTaskCommand } from '@ln/tasks/application/replace-task/replace-task.command';
import { ReplaceTaskHandler } from '@ln/tasks/application/replace-task/replace-task.handler';
import { TASK_COMMAND_HANDLERS, TaskCommands } from '@ln/tasks/application/task-commands.service';
import type { TaskSession } from '@ln/tasks/application/shared/task-session.port';
import { everyTaskCommand } from '../../support/task-fakes';

/**
 * The queued wire contract at its boundaries: every command type round-trips, an optional field
 * that is absent stays absent on the wire, a payload that does not fit is refused as
 * `invalid_command` naming the field, and the inbox record's version and resource come from the result.
 */

const ALICE = 'user-alice';
const TASK = '0195a000-0000-7000-8000-000000000001';

function envelope(type: string, payload: Record<string, unknown>): CommandEnvelope {
  return { commandId: '0195a000-0000-7000-9000-000000000001', userId: ALICE, type, payload, issuedAt: '2026-03-01T09:00:00.000Z' };
}

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}

function expectInvalid(fn: () => unknown, message: string): void {
  const e = refusal(fn);
  expect(e).toBeInstanceOf(InvalidCommand);
  expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_command', message });
}

const view = (over: Partial<TaskView> = {}): TaskView => ({ id: TASK, title: 't', version: 4, ...over }) as TaskView;

describe('wireOf / commandOf: every command type round-trips with its own type and fields', () => {
  const commands: Array<[string, Command<unknown>, Record<string, unknown>]> = [
    [TaskCommandTypes.Create, new CreateTaskCommand(ALICE, { id: TASK, title: 'a task' }), { input: { id: TASK, title: 'a task' } }],
    [TaskCommandTypes.Replace, new ReplaceTaskCommand(ALICE, TASK, { title: 'b' }, 2), { id: TASK, input: { title: 'b' }, expectedVersion: 2 }],
    [TaskCommandTypes.Edit, new EditTaskCommand(ALICE, TASK, { title: 'c' }, 3), { id: TASK, changes: { title: 'c' }, expectedVersion: 3 }],
    [TaskCommandTypes.Complete, new CompleteTaskCommand(ALICE, TASK, 4, 30), { id: TASK, expectedVersion: 4, actualMinutes: 30 }],
    [TaskCommandTypes.Fail, new FailTaskCommand(ALICE, TASK, 'too_big', 'n', 5), { id: TASK, reason: 'too_big', note: 'n', expectedVersion: 5 }],
    [TaskCommandTypes.Postpone, new PostponeTaskCommand(ALICE, TASK, '2026-03-02', 6), { id: TASK, scheduledFor: '2026-03-02', expectedVersion: 6 }],
    [TaskCommandTypes.Reopen, new ReopenTaskCommand(ALICE, TASK, 7), { id: TASK, expectedVersion: 7 }],
    [TaskCommandTypes.Drop, new DropTaskCommand(ALICE, TASK, 8), { id: TASK, expectedVersion: 8 }],
    [TaskCommandTypes.Delete, new DeleteTaskCommand(ALICE, TASK, 9), { id: TASK, expectedVersion: 9 }],
  ];

  it.each(commands)('%s: encodes to exactly its payload and decodes back to an equal command of the same class', (type, command, payload) => {
    const wire = wireOf(command);
    expect(wire).toStrictEqual({ type, payload });
    const decoded = commandOf(envelope(type, JSON.parse(JSON.stringify(wire.payload)) as Record<string, unknown>));
    expect(decoded.constructor).toBe(command.constructor);
    expect(decoded).toEqual(command);
  });

  const unversioned: Array<[string, Command<unknown>]> = [
    ['replace', new ReplaceTaskCommand(ALICE, TASK, { title: 'b' })],
    ['edit', new EditTaskCommand(ALICE, TASK, { title: 'c' })],
    ['complete', new CompleteTaskCommand(ALICE, TASK)],
    ['fail', new FailTaskCommand(ALICE, TASK, 'too_big', null)],
    ['postpone', new PostponeTaskCommand(ALICE, TASK, '2026-03-02')],
    ['reopen', new ReopenTaskCommand(ALICE, TASK)],
    ['drop', new DropTaskCommand(ALICE, TASK)],
    ['delete', new DeleteTaskCommand(ALICE, TASK)],
  ];

  it.each(unversioned)('%s without an expected version (or actual minutes) has no such key in its payload', (_name, command) => {
    const { payload } = wireOf(command);
    expect(Object.keys(payload)).not.toContain('expectedVersion');
    expect(Object.keys(payload)).not.toContain('actualMinutes');
  });

  it('a command that is not a task command cannot be queued, and says which', () => {
    class SomethingElse extends Command<void> {}
    expect(() => wireOf(new SomethingElse())).toThrow(new Error('SomethingElse cannot be queued'));
  });
});

describe('commandOf: payload boundaries', () => {
  it('an unknown type is refused, naming it', () => {
    expectInvalid(() => commandOf(envelope('task.nope.v1', { id: TASK })), 'unknown command type: task.nope.v1');
  });

  it.each([TaskCommandTypes.Replace, TaskCommandTypes.Edit, TaskCommandTypes.Postpone, TaskCommandTypes.Reopen, TaskCommandTypes.Drop, TaskCommandTypes.Delete])(
    '%s without a string id is refused as payload.id must be a string',
    (type) => {
      expectInvalid(() => commandOf(envelope(type, { id: 7, input: {}, changes: {}, scheduledFor: '2026-03-02' })), 'payload.id must be a string');
    },
  );

  it('postpone without a string scheduledFor is refused naming payload.scheduledFor', () => {
    expectInvalid(() => commandOf(envelope(TaskCommandTypes.Postpone, { id: TASK, scheduledFor: 5 })), 'payload.scheduledFor must be a string');
  });

  it.each([undefined, null, 'a task', 0, true, ['title']])('create with input %p (not an object) is refused as payload.input must be an object', (input) => {
    expectInvalid(() => commandOf(envelope(TaskCommandTypes.Create, { input })), 'payload.input must be an object');
  });

  it('replace with an input that is not an object is refused naming payload.input', () => {
    expectInvalid(() => commandOf(envelope(TaskCommandTypes.Replace, { id: TASK, input: [] })), 'payload.input must be an object');
  });

  it('edit with changes that are not an object is refused naming payload.changes', () => {
    expectInvalid(() => commandOf(envelope(TaskCommandTypes.Edit, { id: TASK, changes: 'title' })), 'payload.changes must be an object');
  });

  it('an empty object is an object', () => {
    expect((commandOf(envelope(TaskCommandTypes.Edit, { id: TASK, changes: {} })) as EditTaskCommand).changes).toEqual({});
  });

  it.each([undefined, null])('expectedVersion %p means no expected version', (expectedVersion) => {
    const decoded = commandOf(envelope(TaskCommandTypes.Reopen, { id: TASK, expectedVersion })) as ReopenTaskCommand;
    expect(decoded).toBeInstanceOf(ReopenTaskCommand);
    expect(decoded.expectedVersion).toBeUndefined();
  });

  it.each([1.5, '3', true, Number.NaN, [3]])('expectedVersion %p (not an integer) is refused', (expectedVersion) => {
    expectInvalid(() => commandOf(envelope(TaskCommandTypes.Drop, { id: TASK, expectedVersion })), 'payload.expectedVersion must be an integer');
  });

  it('expectedVersion 0 is an integer, kept as is', () => {
    expect((commandOf(envelope(TaskCommandTypes.Delete, { id: TASK, expectedVersion: 0 })) as DeleteTaskCommand).expectedVersion).toBe(0);
  });
});

describe('versionOf: the version a result left', () => {
  it('of a create/replace result is its task version', () => {
    expect(versionOf({ task: view({ version: 3 }), created: true })).toBe(3);
  });
  it('of a task view is its version', () => {
    expect(versionOf(view({ version: 4 }))).toBe(4);
  });
  it('of nothing (a delete) is null', () => {
    expect(versionOf(undefined)).toBeNull();
    expect(versionOf(null as unknown as undefined)).toBeNull();
  });
});

describe('resourceOf: the task a command is about', () => {
  const env = (payload: Record<string, unknown>) => envelope(TaskCommandTypes.Create, payload);

  it('from a create/replace result: its task id', () => {
    expect(resourceOf(env({}), { task: view({ id: 'from-result' }), created: false })).toBe('from-result');
  });
  it('from a task view: its id', () => {
    expect(resourceOf(env({}), view({ id: 'from-view' }))).toBe('from-view');
  });
  it('without a result: the payload id, else the input id', () => {
    expect(resourceOf(env({ id: 'payload-id', input: { id: 'input-id' } }), undefined)).toBe('payload-id');
    expect(resourceOf(env({ input: { id: 'input-id' } }), undefined)).toBe('input-id');
    expect(resourceOf(env({ input: { id: 'input-id' } }), null as unknown as undefined)).toBe('input-id');
  });
  it('null when there is no string id anywhere', () => {
    expect(resourceOf(env({}), undefined)).toBeNull();
    expect(resourceOf(env({ input: null }), undefined)).toBeNull();
    expect(resourceOf(env({ id: 5 }), undefined)).toBeNull();
    expect(resourceOf(env({ input: { id: 5 } }), undefined)).toBeNull();
  });
});

describe('TaskCommands', () => {
  it('refuses a command it has no handler for, naming it', () => {
    class NotATaskCommand extends Command<void> {}
    const commands = everyTaskCommand();
    expect(() => commands.run(new NotATaskCommand(), {} as TaskSession)).toThrow(new Error('NotATaskCommand is not a task command'));
  });

  it('provides every handler it dispatches to', () => {
    expect(new Set(TASK_COMMAND_HANDLERS)).toEqual(
      new Set([CreateTaskHandler, ReplaceTaskHandler, EditTaskHandler, CompleteTaskHandler, FailTaskHandler, PostponeTaskHandler, ReopenTaskHandler, DropTaskHandler, DeleteTaskHandler]),
    );
  });
});
