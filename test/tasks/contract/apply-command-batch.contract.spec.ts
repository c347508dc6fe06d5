import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { v7 } from 'uuid';
import { TaskCommands } from '@ln/tasks/application/task-commands.service';
import { ApplyCommandBatch } from '@ln/tasks/application/queued-writes/apply-command-batch.service';
import { COMMAND_INBOX, type CommandInbox } from '@ln/tasks/application/queued-writes/ports/command-inbox.port';
import { type CommandDelivery, type CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { ListTasksQuery } from '@ln/tasks/application/list-tasks/list-tasks.query';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { TaskCommandTypes } from '@ln/tasks/application/queued-writes/command-catalog';
import { KernelModule } from '@ln/kernel/kernel.module';
import { CONTEXTS } from '@app/server/contexts';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { loadConfig } from '@ln/config/config';
import { createScratchDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';

/** The worker's batch applier over the real application and both database engines. */
function applierContract(name: string, env: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>) {
  describe(`ApplyCommandBatch [${name}]`, () => {
    let module: TestingModule;
    let cleanup: () => Promise<void>;
    let applier: ApplyCommandBatch;
    let inbox: CommandInbox;
    let db: Database;
    let userId: string;

    beforeAll(async () => {
      Logger.overrideLogger(false);
      const setup = await env();
      cleanup = setup.cleanup;
      module = await Test.createTestingModule({ imports: [KernelModule.forRoot(loadConfig(setup.env), CONTEXTS), ...CONTEXTS.map((c) => c.module)] }).compile();
      await module.init();
      applier = module.get(ApplyCommandBatch);
      inbox = module.get(COMMAND_INBOX);
      db = module.get(Database);
      userId = (await module.get(CommandBus).execute(new RegisterUserCommand(`${v7()}@batch.test`, 'long enough'))).id;
    });
    afterAll(async () => {
      await module?.close();
      await cleanup?.();
    });

    function delivery(type: string, payload: Record<string, unknown>, commandId = v7()) {
      const envelope: CommandEnvelope = { commandId, userId, type, payload, issuedAt: new Date().toISOString() };
      const d = { envelope, deliveryCount: 1, ack: jest.fn(async () => undefined), retry: jest.fn(async () => undefined) };
      return d as typeof d & CommandDelivery;
    }
    const count = async (sql: string, params: unknown[]) => Number((await db.run((m) => m.query(sql, params)))[0].n);
    const listTitles = async () =>
      JSON.parse(await module.get(QueryBus).execute(new ListTasksQuery(userId, {}, 'createdAt', 200))).items.map((t: { title: string; status: string }) => `${t.title}:${t.status}`);

    it('applies a batch in order in one transaction, records each command, acks after the commit, and invalidates reads', async () => {
      const before = await listTitles();
      const id = v7();
      const batch = [
        delivery(TaskCommandTypes.Create, { input: { id, title: 'queued' } }),
        delivery(TaskCommandTypes.Edit, { id, changes: { title: 'queued and edited' } }),
        delivery(TaskCommandTypes.Complete, { id }),
      ];
      await expect(applier.apply(batch)).resolves.toEqual({ applied: 3, rejected: 0, duplicates: 0 });
      for (const d of batch) expect(d.ack).toHaveBeenCalledTimes(1);
      expect(await listTitles()).toEqual([...before, 'queued and edited:done']);
      const records = await Promise.all(batch.map((d) => inbox.find(d.envelope.commandId)));
      expect(records.map((r) => [r?.status, r?.resourceId])).toEqual([
        ['applied', id],
        ['applied', id],
        ['applied', id],
      ]);
      expect(await count(`SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`, [id])).toBe(3);

      // Redelivered as a whole: no second effect.
      const again = batch.map((d) => delivery(d.envelope.type, d.envelope.payload, d.envelope.commandId));
      await expect(applier.apply(again)).resolves.toEqual({ applied: 0, rejected: 0, duplicates: 3 });
      for (const d of again) expect(d.ack).toHaveBeenCalledTimes(1);
      expect(await count(`SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`, [id])).toBe(3);
    });

    it('records a refused command as rejected with its problem; the rest of the batch applies', async () => {
      const a = v7();
      const b = v7();
      const batch = [
        delivery(TaskCommandTypes.Create, { input: { id: a, title: 'first' } }),
        delivery(TaskCommandTypes.Complete, { id: v7() }),
        delivery(TaskCommandTypes.Create, { input: { id: b, title: '' } }),
        delivery('task.teleport.v1', {}),
        delivery(TaskCommandTypes.Edit, { id: a, changes: { title: 'second' }, expectedVersion: 7 }),
        delivery(TaskCommandTypes.Create, { input: { id: b, title: 'third' } }),
      ];
      await expect(applier.apply(batch)).resolves.toEqual({ applied: 2, rejected: 4, duplicates: 0 });
      const records = await Promise.all(batch.map((d) => inbox.find(d.envelope.commandId)));
      expect(records.map((r) => r?.status)).toEqual(['applied', 'rejected', 'rejected', 'rejected', 'rejected', 'applied']);
      expect(records[1]?.problem).toMatchObject({ kind: 'not_found', code: 'task_not_found' });
      expect(records[2]?.problem).toMatchObject({ kind: 'invalid', code: 'invalid_title', errors: [{ field: 'title' }] });
      expect(records[3]?.problem).toMatchObject({ kind: 'invalid', code: 'invalid_command' });
      expect(records[4]?.problem).toMatchObject({ kind: 'precondition_failed', code: 'version_mismatch' });
      // The owner sees their own command's record; nobody else does.
      expect(await inbox.findForUser(userId, batch[1].envelope.commandId)).not.toBeNull();
      expect(await inbox.findForUser(v7(), batch[1].envelope.commandId)).toBeNull();
      for (const d of batch) expect(d.ack).toHaveBeenCalled();
    });

    it('a command delivered twice in one batch applies once; a batch mixing redeliveries and new commands applies only the new', async () => {
      const id = v7();
      const create = delivery(TaskCommandTypes.Create, { input: { id, title: 'twice in a batch' } });
      const twin = delivery(create.envelope.type, create.envelope.payload, create.envelope.commandId);
      const edit = delivery(TaskCommandTypes.Edit, { id, changes: { title: 'edited once' } });
      await expect(applier.apply([create, twin, edit])).resolves.toEqual({ applied: 2, rejected: 0, duplicates: 1 });
      for (const d of [create, twin, edit]) expect(d.ack).toHaveBeenCalledTimes(1);
      expect(await count(`SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`, [id])).toBe(2);
      expect(await count(`SELECT count(*) AS n FROM processed_commands WHERE command_id = $1`, [create.envelope.commandId])).toBe(1);

      const complete = delivery(TaskCommandTypes.Complete, { id });
      const mixed = [delivery(edit.envelope.type, edit.envelope.payload, edit.envelope.commandId), complete];
      await expect(applier.apply(mixed)).resolves.toEqual({ applied: 1, rejected: 0, duplicates: 1 });
      expect(await listTitles()).toEqual(expect.arrayContaining(['edited once:done']));
      expect(await count(`SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`, [id])).toBe(3);
      const record = await inbox.find(complete.envelope.commandId);
      expect(record).toEqual({
        commandId: complete.envelope.commandId,
        userId,
        type: TaskCommandTypes.Complete,
        status: 'applied',
        resourceId: id,
        problem: null,
        processedAt: expect.any(String),
      });
    });

    it('a fault rolls the whole batch back: nothing applied, nothing recorded, nothing acked', async () => {
      const commands = module.get(TaskCommands);
      const id = v7();
      const good = delivery(TaskCommandTypes.Create, { input: { id, title: 'rolled back' } });
      const poison = delivery(TaskCommandTypes.Create, { input: { id: v7(), title: 'poison' } });
      const original = commands.run.bind(commands);
      const spy = jest.spyOn(commands, 'run').mockImplementation(async (command, session) => {
        if ((command as { input?: { title?: string } }).input?.title === 'poison') throw new Error('a bug, not a refusal');
        return original(command, session);
      });
      try {
        await expect(applier.apply([good, poison])).rejects.toThrow('a bug, not a refusal');
      } finally {
        spy.mockRestore();
      }
      expect(good.ack).not.toHaveBeenCalled();
      expect(await inbox.find(good.envelope.commandId)).toBeNull();
      expect(await count(`SELECT count(*) AS n FROM tasks WHERE id = $1`, [id])).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`, [id])).toBe(0);
      // Retried alone, the good command applies once.
      await expect(applier.apply([delivery(TaskCommandTypes.Create, { input: { id, title: 'rolled back' } }, good.envelope.commandId)])).resolves.toEqual({
        applied: 1,
        rejected: 0,
        duplicates: 0,
      });
    });
  });
}

applierContract('pglite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ln-batch-'));
  return { env: { DATA_DIR: dir, LOG_LEVEL: 'silent' }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describeWithService('postgres', 'ApplyCommandBatch on PostgreSQL', () =>
  applierContract('postgresql', async () => {
    const db = await createScratchDatabase();
    return {
      env: { DATABASE_URL: db.url, JWT_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'silent', DATA_DIR: os.tmpdir() },
      cleanup: db.drop,
    };
  }),
);
