import { v7 } from 'uuid';
import { type Database } from '@ln/kernel/adapters/persistence/database';
import { TypeOrmCommandInbox } from '@ln/tasks/adapters/persistence/typeorm-command-inbox.adapter';
import type { ProcessedCommand } from '@ln/tasks/application/queued-writes/ports/command-inbox.port';
import { openMigratedDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';

const DAY = 86_400_000;

/** The command inbox's retention (ADR 9, "Inbox retention"), on both engines. */
function commandInboxContract(name: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(`command inbox retention [${name}]`, () => {
    let handle: { db: Database; close(): Promise<void> };
    let inbox: TypeOrmCommandInbox;
    beforeAll(async () => {
      handle = await open();
      inbox = new TypeOrmCommandInbox(handle.db);
    });
    afterAll(async () => handle?.close());

    const decided = (userId: string, daysAgo: number, status: ProcessedCommand['status'] = 'applied'): ProcessedCommand => ({
      commandId: v7(),
      userId,
      type: 'task.create',
      status,
      resourceId: status === 'applied' ? v7() : null,
      problem: status === 'rejected' ? { code: 'version_mismatch', detail: 'the task changed', kind: 'precondition_failed' } : null,
      processedAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
    });

    it('prune forgets the commands decided before the cut, in chunks, whoever\'s they are, and keeps the rest', async () => {
      const [ada, bob] = [v7(), v7()];
      const old = [decided(ada, 8), decided(ada, 30), decided(bob, 8, 'rejected'), decided(bob, 400)];
      const recent = [decided(ada, 6), decided(bob, 0), decided(bob, 6.9, 'rejected')];
      for (const c of [...old, ...recent]) await inbox.record(c);
      const cut = new Date(Date.now() - 7 * DAY);
      const mine = [...old, ...recent].map((c) => c.commandId);
      const left = async () => (await inbox.decidedAmong(mine)).size;

      // Chunks of 3: two statements for four rows. Nothing decided after the cut goes.
      expect(await inbox.prune(cut, 3)).toBe(4);
      expect(await left()).toBe(3);
      for (const c of old) {
        expect(await inbox.find(c.commandId)).toBeNull();
        expect(await inbox.findForUser(c.userId, c.commandId)).toBeNull();
      }
      for (const c of recent) expect(await inbox.findForUser(c.userId, c.commandId)).toMatchObject({ commandId: c.commandId, status: c.status, processedAt: c.processedAt });
      expect([...(await inbox.decidedAmong(mine))].sort()).toEqual(recent.map((c) => c.commandId).sort());
      expect(await inbox.prune(cut, 3)).toBe(0);
      // What retention means: a forgotten command can be recorded (applied) again; a remembered one cannot.
      await inbox.record(old[0]!);
      await expect(inbox.record(recent[0]!)).rejects.toThrow();
    });

    it('prune takes a multiple of the chunk size whole', async () => {
      const user = v7();
      const old = Array.from({ length: 4 }, () => decided(user, 9));
      for (const c of old) await inbox.record(c);
      // Older than 8.5 days: these four only (the test above left commands of 8 days and less).
      expect(await inbox.prune(new Date(Date.now() - 8.5 * DAY), 2)).toBe(4);
      expect((await inbox.decidedAmong(old.map((c) => c.commandId))).size).toBe(0);
    });

    it('has an index on processed_at for the pass (the per-user index cannot serve it)', async () => {
      const rows = (await handle.db.run((m) => m.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'processed_commands' ORDER BY indexname`))) as { indexdef: string }[];
      expect(rows.map((r) => r.indexdef.replace(/^.* USING btree /, ''))).toContain('(processed_at)');
    });
  });
}

commandInboxContract('PGlite', () => openMigratedDatabase('pglite'));

describeWithService('postgres', 'command inbox retention on PostgreSQL', () => commandInboxContract('PostgreSQL', () => openMigratedDatabase('postgres', 2)));
