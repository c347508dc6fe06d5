import { CanonicalEmails1765310000000 } from '@ln/identity/adapters/persistence/migrations/1765310000000-canonical-emails';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import { Logger } from '@nestjs/common';
import { createScratchDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';

beforeAll(() => Logger.overrideLogger(false));

const NFC = 'jos\u00e9@example.com';
const NFD = 'jose\u0301@example.com';

/** Rows as the code before ADR 20 could store them: trimmed and lower-cased, nothing more. */
const BEFORE = [
  { id: '018f0000-0000-7000-8000-000000000001', email: 'ada@example.com' },
  { id: '018f0000-0000-7000-8000-000000000002', email: 'zoe\u0308@example.de' },
  { id: '018f0000-0000-7000-8000-000000000003', email: 'bob@xn--bcher-kva.example' },
  // Two accounts for one mailbox: the migration cannot merge them and leaves both.
  { id: '018f0000-0000-7000-8000-000000000004', email: NFC },
  { id: '018f0000-0000-7000-8000-000000000005', email: NFD },
  { id: '018f0000-0000-7000-8000-000000000006', email: 'ana@b\u00fccher.example' },
];

function migrationSuite(open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  it('rewrites stored addresses into the canonical spelling, leaves canonical ones and collisions alone, and is safe to run again', async () => {
    const { db, close } = await open();
    try {
      // The schema as it was before this migration (the founding chain only), with rows in it.
      await migrate(db);
      for (const [i, row] of BEFORE.entries()) {
        await db.run((m) =>
          m.query(`INSERT INTO users (id, email, password_hash, timezone, version, created_at, updated_at) VALUES ($1, $2, 'h', 'UTC', 1, $3, $3)`, [
            row.id,
            row.email,
            new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          ]),
        );
      }
      const migration = new CanonicalEmails1765310000000();
      const read = async () =>
        Object.fromEntries(rowsOf<{ id: string; email: string }>(await db.run((m) => m.query(`SELECT id, email FROM users ORDER BY id`))).map((r) => [r.id.slice(-1), r.email]));

      await db.transaction((m) => migration.up(m.queryRunner!));
      const after = await read();
      expect(after).toEqual({
        '1': 'ada@example.com',
        '2': 'zo\u00eb@example.de',
        '3': 'bob@b\u00fccher.example',
        '4': NFC,
        '5': NFD,
        '6': 'ana@b\u00fccher.example',
      });
      await db.transaction((m) => migration.up(m.queryRunner!));
      expect(await read()).toEqual(after);
    } finally {
      await close();
    }
  });
}

describe('CanonicalEmails migration (PGlite)', () => {
  migrationSuite(async () => {
    const db = await openDatabase({ kind: 'pglite' });
    return { db, close: () => db.close() };
  });
});

describeWithService('postgres', 'CanonicalEmails migration (PostgreSQL)', () => {
  migrationSuite(async () => {
    const scratch = await createScratchDatabase();
    const db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 2 });
    return {
      db,
      close: async () => {
        await db.close();
        await scratch.drop();
      },
    };
  });
});
