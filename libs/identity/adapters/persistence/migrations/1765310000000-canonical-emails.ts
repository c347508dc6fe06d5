import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import { Email } from '../../../domain/email.value-object';

/**
 * Rewrites stored addresses into the canonical spelling registration and login now use (NFC,
 * lower case, Unicode domain: ADR 20), so an account registered as `jose\u0301@` or
 * `@xn--bcher-kva.example` is still found by the login that now looks it up canonically. Only
 * addresses with non-ASCII characters or a punycode label can differ (ASCII ones were already
 * trimmed and lower-cased). Where the canonical spelling already belongs to another account (two
 * accounts for one mailbox, which this change stops from happening again) neither row is touched
 * and the ids are logged for an operator to resolve. Not undone by `down`: the old spellings are
 * not kept.
 */
export class CanonicalEmails1765310000000 implements MigrationInterface {
  name = 'CanonicalEmails1765310000000';

  async up(runner: QueryRunner): Promise<void> {
    const rows = rowsOf<{ id: string; email: string }>(
      await runner.query(`SELECT id, email FROM users WHERE octet_length(email) <> char_length(email) OR email LIKE '%xn--%' ORDER BY created_at, id`),
    );
    const collisions: string[] = [];
    for (const row of rows) {
      const canonical = Email.canonical(row.email);
      if (canonical === row.email) continue;
      const taken = rowsOf<{ id: string }>(await runner.query(`SELECT id FROM users WHERE email = $1`, [canonical]));
      if (taken.length > 0) {
        collisions.push(`${row.id} (the same mailbox as ${taken[0].id})`);
        continue;
      }
      await runner.query(`UPDATE users SET email = $1 WHERE id = $2`, [canonical, row.id]);
    }
    if (collisions.length > 0) {
      new Logger(CanonicalEmails1765310000000.name).warn(
        `accounts left with a non-canonical email because another account has its canonical spelling: ${collisions.join(', ')}`,
      );
    }
  }

  async down(): Promise<void> {
    // Nothing to restore.
  }
}

export const IDENTITY_MIGRATIONS = [CanonicalEmails1765310000000];
