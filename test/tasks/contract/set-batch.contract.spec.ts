import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Test, type TestingModule } from '@nestjs/testing';
import { CommandBus } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { v7 } from 'uuid';
import { ApplyCommandBatch } from '@ln/tasks/application/queued-writes/apply-command-batch.service';
import { type CommandDelivery, type CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { TaskCommandTypes } from '@ln/tasks/application/queued-writes/command-catalog';
import { TASK_BATCH_STORE, type TaskBatchStore } from '@ln/tasks/application/ports/task-batch-store.port';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import { KernelModule } from '@ln/kernel/kernel.module';
import { CONTEXTS } from '@app/server/contexts';
import { Database } from '@ln/kernel/adapters/persistence/database';
import { loadConfig } from '@ln/config/config';
import { createScratchDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';

/**
 * The set-based batch (#13) against the one-command-at-a-time path it replaces, on both engines:
 * a batch costs a constant number of round trips, a write that finds storage changed falls back to
 * one at a time with the same outcome, and for random batches mixing creates, edits and lifecycle
 * actions on the same tasks both paths leave the same tasks, versions, inbox records and events.
 */

interface World {
  readonly module: TestingModule;
  readonly applier: ApplyCommandBatch;
  readonly db: Database;
  readonly users: string[];
  close(): Promise<void>;
}

type Setup = () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;

/** Each world's environment (the test that needs a second connection reads its database URL). */
const envs = new Map<World, Record<string, string>>();

async function world(setup: Setup): Promise<World> {
  const s = await setup();
  const module = await Test.createTestingModule({ imports: [KernelModule.forRoot(loadConfig(s.env), CONTEXTS), ...CONTEXTS.map((c) => c.module)] }).compile();
  await module.init();
  const bus = module.get(CommandBus);
  const users: string[] = [];
  for (let i = 0; i < 4; i++) users.push((await bus.execute(new RegisterUserCommand(`${v7()}@set.test`, 'long enough password', i % 2 === 0 ? 'UTC' : 'Asia/Seoul'))).id);
  const w: World = {
    module,
    applier: module.get(ApplyCommandBatch),
    db: module.get(Database),
    users,
    async close() {
      await module.close();
      await s.cleanup();
    },
  };
  envs.set(w, s.env);
  return w;
}

/** A command as generated: whose (user 0 or 1), its type and payload with symbolic task ids (`T0`, `T1`, ...). */
interface Spec {
  readonly user: number;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly issuedAt: string;
}

/**
 * One side of the comparison, in the same database (PGlite is one instance per process): its two
 * users, its task ids for the symbols and its command ids. The set path's side uses users 0-1,
 * the one-at-a-time side users 2-3.
 */
interface Side {
  readonly users: readonly string[];
  readonly pool: readonly string[];
  readonly commandIds: string[];
}

function deliveries(side: Side, specs: readonly Spec[]): (CommandDelivery & { ack: jest.Mock })[] {
  return specs.map((s) => {
    const payload = JSON.parse(JSON.stringify(s.payload).replace(/"T(\d)"/g, (_, i: string) => `"${side.pool[Number(i)]}"`)) as Record<string, unknown>;
    const commandId = v7();
    side.commandIds.push(commandId);
    const envelope: CommandEnvelope = { commandId, userId: side.users[s.user]!, type: s.type, payload, issuedAt: s.issuedAt };
    return { envelope, deliveryCount: 1, ack: jest.fn(async () => undefined), retry: jest.fn(async () => undefined) } as CommandDelivery & { ack: jest.Mock };
  });
}

/** What a side's commands left in storage, its ids written back as symbols (tasks `T<i>`, users `U<i>`, commands `C<i>`). */
async function snapshot(w: World, side: Side) {
  const tasks = await w.db.run((m) =>
    m.query(
      `SELECT id, owner_id, title, notes, to_char(scheduled_date, 'YYYY-MM-DD') AS scheduled_date, scheduled_at, scheduled_sort, due_at, estimate_minutes,
              actual_minutes, priority, tags, tag_keys, parent_id, depth, status, failure, deferrals, replan_of, version, created_at, updated_at,
              closed_at, deleted_at, create_fingerprint
         FROM tasks WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)`,
      [side.pool],
    ),
  );
  const inbox = await w.db.run((m) =>
    m.query(`SELECT command_id, type, status, resource_id, problem FROM processed_commands WHERE command_id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], command_id)`, [side.commandIds]),
  );
  const events = (await w.db.run((m) =>
    m.query(`SELECT event_type, aggregate_id, aggregate_version, event FROM outbox WHERE aggregate_id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], aggregate_id), aggregate_version`, [side.pool]),
  )) as { event_type: string; aggregate_id: string; aggregate_version: number; event: unknown }[];
  const plain = {
    tasks: (tasks as Record<string, unknown>[]).map((t) => ({ ...t, scheduled_at: iso(t.scheduled_at), due_at: iso(t.due_at), created_at: iso(t.created_at), updated_at: iso(t.updated_at), closed_at: iso(t.closed_at), deleted_at: iso(t.deleted_at) })),
    inbox,
    events: events.map((e) => {
      const event = (typeof e.event === 'string' ? JSON.parse(e.event) : e.event) as Record<string, unknown>;
      // Event ids are fresh on each side.
      return { type: e.event_type, aggregate: e.aggregate_id, version: e.aggregate_version, occurredAt: event.occurredAt, payload: event.payload, user: event.userId };
    }),
  };
  let text = JSON.stringify(plain);
  side.pool.forEach((id, i) => (text = text.split(id).join(`T${i}`)));
  side.users.forEach((id, i) => (text = text.split(id).join(`U${i}`)));
  side.commandIds.forEach((id, i) => (text = text.split(id).join(`C${i}`)));
  // The create digest covers the id (now a symbol): kept only as present or not.
  return JSON.parse(text.replace(/"create_fingerprint":"[^"]*"/g, '"create_fingerprint":"(digest)"')) as unknown;
}
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** Random commands over a small pool of symbolic ids, so they collide: the same task created, edited, closed, reopened, deleted in one batch. */
function commandSpec(n: number, at: string): fc.Arbitrary<Spec> {
  const id = fc.integer({ min: 0, max: n - 1 }).map((i) => `T${i}`);
  const version = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });
  const day = fc.constantFrom('2027-03-01', '2027-03-02', '2027-03-05', '2027-03-01T09:30:00+01:00', '2027-03-02T21:00:00Z');
  const title = fc.constantFrom('Write', 'Plan the trip', 'Call mum', '');
  const withVersion = (v: number | undefined) => (v === undefined ? {} : { expectedVersion: v });
  const payload: fc.Arbitrary<{ type: string; payload: Record<string, unknown> }> = fc.oneof(
    fc.record({ id, title, parent: fc.option(id, { nil: undefined }), day: fc.option(day, { nil: undefined }), est: fc.option(fc.constantFrom(15, 90), { nil: undefined }) }).map((r) => ({
      type: TaskCommandTypes.Create,
      payload: { input: { id: r.id, title: r.title, ...(r.parent ? { parentId: r.parent } : {}), ...(r.day ? { scheduledFor: r.day } : {}), ...(r.est ? { estimateMinutes: r.est } : {}), tags: ['Deep'] } },
    })),
    fc.record({ id, title, parent: fc.option(fc.option(id, { nil: null }), { nil: undefined }), v: version }).map((r) => ({
      type: TaskCommandTypes.Edit,
      payload: { id: r.id, changes: { title: r.title || 'Edited', ...(r.parent !== undefined ? { parentId: r.parent } : {}) }, ...withVersion(r.v) },
    })),
    fc.record({ id, title, v: version }).map((r) => ({ type: TaskCommandTypes.Replace, payload: { id: r.id, input: { title: r.title || 'Replaced' }, ...withVersion(r.v) } })),
    fc.record({ id, v: version, actual: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }) }).map((r) => ({
      type: TaskCommandTypes.Complete,
      payload: { id: r.id, ...withVersion(r.v), ...(r.actual ? { actualMinutes: r.actual } : {}) },
    })),
    fc.record({ id, v: version }).map((r) => ({ type: TaskCommandTypes.Fail, payload: { id: r.id, reason: 'too_big', note: null, ...withVersion(r.v) } })),
    fc.record({ id, day }).map((r) => ({ type: TaskCommandTypes.Postpone, payload: { id: r.id, scheduledFor: r.day } })),
    fc.record({ id, v: version }).map((r) => ({ type: TaskCommandTypes.Reopen, payload: { id: r.id, ...withVersion(r.v) } })),
    fc.record({ id, v: version }).map((r) => ({ type: TaskCommandTypes.Drop, payload: { id: r.id, ...withVersion(r.v) } })),
    fc.record({ id, v: version }).map((r) => ({ type: TaskCommandTypes.Delete, payload: { id: r.id, ...withVersion(r.v) } })),
  );
  return fc.record({ user: fc.integer({ min: 0, max: 1 }), command: payload }).map(({ user, command }) => ({ user, ...command, issuedAt: at }));
}

function setBatchContract(name: string, setup: Setup) {
  describe(`set-based command batches [${name}]`, () => {
    let set: World;
    const side = (users: readonly string[], pool: readonly string[] = []): Side => ({ users, pool, commandIds: [] });

    beforeAll(async () => {
      Logger.overrideLogger(false);
      set = await world(setup);
    }, 120_000);
    afterAll(async () => set?.close());

    it('a batch costs the same few round trips whatever its size', async () => {
      const runs = jest.spyOn(set.db, 'run');
      const roundTrips = async (n: number) => {
        const at = new Date().toISOString();
        const specs: Spec[] = Array.from({ length: n }, (_, i) => i).flatMap((i) => [
          { user: i % 2, type: TaskCommandTypes.Create, payload: { input: { id: `T${i}`, title: `Task ${i}`, scheduledFor: '2027-03-01T09:00:00Z' } }, issuedAt: at },
          { user: i % 2, type: TaskCommandTypes.Edit, payload: { id: `T${i}`, changes: { title: `Task ${i}, edited` } }, issuedAt: at },
          { user: i % 2, type: TaskCommandTypes.Complete, payload: { id: `T${i}` }, issuedAt: at },
        ]);
        const batch = deliveries(side(set.users, Array.from({ length: n }, () => v7())), specs);
        runs.mockClear();
        const fallbacks = set.applier.fallbacks;
        await expect(set.applier.apply(batch)).resolves.toEqual({ applied: specs.length, rejected: 0, duplicates: 0 });
        expect(set.applier.fallbacks).toBe(fallbacks);
        return runs.mock.calls.length;
      };
      try {
        const small = await roundTrips(2);
        const large = await roundTrips(9);
        expect(large).toBe(small);
        // The inbox's redeliveries, the owners' timezones, the tasks, the write, the inbox records.
        expect(small).toBeLessThanOrEqual(5);
      } finally {
        runs.mockRestore();
      }
    });

    it('a write that finds a task changed since the batch read it: the batch applies one command at a time, with the same outcome', async () => {
      const store = set.module.get<TaskBatchStore>(TASK_BATCH_STORE);
      const id = v7();
      const at = new Date().toISOString();
      const mine = side(set.users, [id]);
      await set.applier.apply(deliveries(mine, [{ user: 0, type: TaskCommandTypes.Create, payload: { input: { id: 'T0', title: 'Original' } }, issuedAt: at }]));
      const load = store.load.bind(store);
      const url = envs.get(set)!.DATABASE_URL ?? null;
      // Between the batch's read and its write, a synchronous edit commits from another connection.
      // PGlite has one connection (the batch holds it): there the change is made inside the
      // batch's transaction, and is undone with it when the write is refused.
      const spy = jest.spyOn(store, 'load').mockImplementationOnce(async (ids) => {
        const rows = await load(ids);
        const change = `UPDATE tasks SET title = 'Changed elsewhere', version = version + 1 WHERE id = '${id}'`;
        if (url) {
          const other = new Client({ connectionString: url });
          await other.connect();
          await other.query(change).finally(() => other.end());
        } else {
          await set.db.run((m) => m.query(change));
        }
        return rows;
      });
      const fallbacks = set.applier.fallbacks;
      const edit = { user: 0, type: TaskCommandTypes.Edit, payload: { id: 'T0', changes: { notes: 'from the queue' } }, issuedAt: at };
      try {
        await expect(set.applier.apply(deliveries(mine, [edit]))).resolves.toEqual({ applied: 1, rejected: 0, duplicates: 0 });
      } finally {
        spy.mockRestore();
      }
      expect(set.applier.fallbacks).toBe(fallbacks + 1);
      const [row] = (await set.db.run((m) => m.query(`SELECT title, notes, version FROM tasks WHERE id = $1`, [id]))) as { title: string; notes: string; version: number }[];
      expect(row).toEqual(url ? { title: 'Changed elsewhere', notes: 'from the queue', version: 3 } : { title: 'Original', notes: 'from the queue', version: 2 });
    });

    it('random batches over the same tasks: the set path leaves exactly what one command at a time does', async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 2, max: 5 }).chain((n) => {
            const at = new Date(Date.UTC(2027, 1, 27, 10, runs)).toISOString();
            return fc.record({ n: fc.constant(n), seed: fc.array(commandSpec(n, at), { maxLength: 6 }), batch: fc.array(commandSpec(n, at), { minLength: 1, maxLength: 25 }) });
          }),
          async ({ n, seed, batch }) => {
            runs += 1;
            const viaSet = side(set.users.slice(0, 2), Array.from({ length: n }, () => v7()));
            const oneByOne = side(set.users.slice(2, 4), Array.from({ length: n }, () => v7()));
            // The same history on both sides, applied one at a time; then the batch, each its own way.
            for (const s of [viaSet, oneByOne]) await set.applier.applyOneAtATime(deliveries(s, seed));
            const fallbacks = set.applier.fallbacks;
            const counted = await set.applier.apply(deliveries(viaSet, batch));
            expect(set.applier.fallbacks).toBe(fallbacks);
            expect(counted).toEqual(await set.applier.applyOneAtATime(deliveries(oneByOne, batch)));
            expect(await snapshot(set, viaSet)).toEqual(await snapshot(set, oneByOne));
          },
        ),
        { numRuns: Number(process.env.SET_BATCH_RUNS ?? 40), seed: Number(process.env.SET_BATCH_SEED ?? 20261205) },
      );
    }, 300_000);
  });
}

setBatchContract('pglite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ln-set-batch-'));
  return { env: { DATA_DIR: dir, LOG_LEVEL: 'silent' }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describeWithService('postgres', 'set-based command batches on PostgreSQL', () =>
  setBatchContract('postgresql', async () => {
    const db = await createScratchDatabase();
    return {
      env: { DATABASE_URL: db.url, JWT_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'silent', DATA_DIR: os.tmpdir() },
      cleanup: db.drop,
    };
  }),
);
