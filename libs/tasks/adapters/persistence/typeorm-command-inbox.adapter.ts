import type { CommandInbox, ProcessedCommand } from '../../application/queued-writes/ports/command-inbox.port';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { deleteOlderInChunks } from '@ln/kernel/adapters/persistence/chunked-delete';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import { outboxStatement } from '@ln/kernel/adapters/persistence/outbox.writer';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';

interface Row {
  command_id: string;
  user_id: string;
  type: string;
  status: 'applied' | 'rejected';
  resource_id: string | null;
  problem: ProcessedCommand['problem'];
  processed_at: Date | string;
}

const toRecord = (r: Row): ProcessedCommand => ({
  commandId: r.command_id,
  userId: r.user_id,
  type: r.type,
  status: r.status,
  resourceId: r.resource_id,
  problem: r.problem,
  processedAt: new Date(r.processed_at).toISOString(),
});

const COLUMNS = 'command_id, user_id, type, status, resource_id, problem, processed_at';

export class TypeOrmCommandInbox implements CommandInbox {
  constructor(private readonly db: Database) {}

  async find(commandId: string): Promise<ProcessedCommand | null> {
    const rows = rowsOf<Row>(await this.db.run((m) => m.query(`SELECT ${COLUMNS} FROM processed_commands WHERE command_id = $1`, [commandId])));
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async decidedAmong(commandIds: readonly string[]): Promise<ReadonlySet<string>> {
    if (commandIds.length === 0) return new Set();
    const rows = rowsOf<{ command_id: string }>(
      await this.db.run((m) => m.query(`SELECT command_id::text FROM processed_commands WHERE command_id = ANY($1::uuid[])`, [commandIds])),
    );
    return new Set(rows.map((r) => r.command_id));
  }

  async findForUser(userId: string, commandId: string): Promise<ProcessedCommand | null> {
    const rows = rowsOf<Row>(
      await this.db.run((m) => m.query(`SELECT ${COLUMNS} FROM processed_commands WHERE command_id = $1 AND user_id = $2`, [commandId, userId])),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async record(c: ProcessedCommand): Promise<void> {
    // Joins the caller's transaction: the record commits with the command's effects or not at all.
    await this.db.run((m) =>
      m.query(
        `INSERT INTO processed_commands (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [c.commandId, c.userId, c.type, c.status, c.resourceId, c.problem ? JSON.stringify(c.problem) : null, c.processedAt],
      ),
    );
  }

  async recordAll(commands: readonly ProcessedCommand[], outcomes: readonly DomainEvent[] = []): Promise<void> {
    if (commands.length === 0 && outcomes.length === 0) return;
    const params: unknown[] = [
      commands.map((c) => c.commandId),
      commands.map((c) => c.userId),
      commands.map((c) => c.type),
      commands.map((c) => c.status),
      commands.map((c) => c.resourceId),
      commands.map((c) => (c.problem ? JSON.stringify(c.problem) : null)),
      commands.map((c) => c.processedAt),
    ];
    // The outcomes ride in the same statement (no round trip of their own): the outbox CTEs, and
    // the relay's NOTIFY counted into the insert so that it runs.
    const outbox = outcomes.length > 0 ? outboxStatement(outcomes, params.length + 1) : undefined;
    await this.db.run((m) =>
      m.query(
        `${outbox ? `WITH ${outbox.ctes} ` : ''}INSERT INTO processed_commands (${COLUMNS})
         SELECT c.* FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::jsonb[], $7::timestamptz[])
                      AS c(command_id, user_id, type, status, resource_id, problem, processed_at)
         ${outbox ? 'CROSS JOIN (SELECT n FROM outbox_notified) AS notified' : ''}`,
        [...params, ...(outbox?.params ?? [])],
      ),
    );
  }

  /**
   * Forgets the commands decided before `olderThan`, `chunk` rows per statement (through the
   * `processed_at` index); how many were deleted. `GET /v1/commands/{id}` answers 404 for a
   * forgotten command, and a copy of it delivered later would be applied again: the retention must
   * outlast any redelivery and the idempotency keys a retry's command id is derived from (ADR 9,
   * "Inbox retention").
   */
  async prune(olderThan: Date, chunk = 5000): Promise<number> {
    return deleteOlderInChunks(this.db, { table: 'processed_commands', key: ['command_id'], column: 'processed_at' }, olderThan, chunk);
  }
}
