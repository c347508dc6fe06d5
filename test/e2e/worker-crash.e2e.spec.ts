import { deleteEventTopology, deleteRedisKeys } from '../support/app';
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { v7 } from 'uuid';
import { Client } from 'pg';
import { type CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { TaskCommandTypes } from '@ln/tasks/application/queued-writes/command-catalog';
import { RabbitMqCommandQueue } from '@ln/tasks/adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter';
import { createScratchDatabase } from '../support/app';
import { SERVICES, describeWithService } from '../support/services';
import { freePort } from '../support/free-port';
import { servicesEnv, startServer } from '../support/server-process';

/**
 * The queued write path's guarantee, on real processes: a worker killed with SIGKILL in the
 * middle of its batches loses nothing and applies nothing twice, and each user's commands apply
 * in the order they were sent (every edit states the version it expects: one applied out of order
 * would be rejected).
 */
const USERS = 5;
const EDITS = 30;


async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithService('rabbitmq', 'queued commands survive a worker killed mid-batch (services)', () => {
  const prefix = `ln.test.crash.${randomBytes(4).toString('hex')}`;
  let dropDb: () => Promise<void>;
  let dbUrl: string;
  let pg: Client;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const db = await createScratchDatabase();
    dbUrl = db.url;
    dropDb = db.drop;
    pg = new Client({ connectionString: dbUrl });
    await pg.connect();
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await pg?.end();
    await dropDb?.();
    const conn = await amqp.connect(SERVICES.rabbitmq);
    const ch = await conn.createChannel();
    for (let p = 0; p < 4; p++) await ch.deleteQueue(`${prefix}.p${p}`).catch(() => undefined);
    await ch.deleteQueue(`${prefix}.dead`).catch(() => undefined);
    await ch.deleteQueue(`${prefix}.workers`).catch(() => undefined);
    await ch.deleteExchange(prefix).catch(() => undefined);
    await ch.deleteExchange(`${prefix}.dlx`).catch(() => undefined);
    await conn.close();
    await deleteEventTopology(`${prefix}.events`);
    // The cache's version keys have no expiry: the suite's own prefix goes with it.
    await deleteRedisKeys(`test:${prefix}:`);
  });

  it('SIGKILL during the batches: every command applied exactly once, in per-user order', async () => {
    const port = await freePort();
    const env = {
      ...servicesEnv(prefix, dbUrl),
      ROLE: 'all',
      PORT: String(port),
      // Every role opens its operations port too: never the default one another run may hold.
      METRICS_PORT: String(await freePort()),
      WORKER_BATCH_SIZE: '10',
      WORKER_BATCH_WAIT_MS: '5',
    };
    const first = await startServer(env);
    children.push(first);
    const users: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `crash-${i}-${prefix}@example.com`, password: 'long enough' }),
      });
      users.push(((await res.json()) as { id: string }).id);
    }

    // What the api would send: per user a create, then edits each expecting the version before it.
    const queue = new RabbitMqCommandQueue({ url: SERVICES.rabbitmq, prefix });
    const tasks = users.map(() => v7());
    const sent: CommandEnvelope[] = [];
    const envelope = (userId: string, type: string, payload: Record<string, unknown>): CommandEnvelope => ({
      commandId: v7(),
      userId,
      type,
      payload,
      issuedAt: new Date().toISOString(),
    });
    for (let step = 0; step <= EDITS; step++) {
      await Promise.all(
        users.map(async (userId, u) => {
          const e =
            step === 0
              ? envelope(userId, TaskCommandTypes.Create, { input: { id: tasks[u], title: 'edit 0' } })
              : envelope(userId, TaskCommandTypes.Edit, { id: tasks[u], changes: { title: `edit ${step}` }, expectedVersion: step });
          await queue.send(e);
          sent.push(e);
        }),
      );
    }
    await queue.close();

    const processed = async () => Number((await pg.query('SELECT count(*) AS n FROM processed_commands')).rows[0].n);
    await waitFor('some batches to commit', async () => (await processed()) >= 20, 20_000);
    first.kill('SIGKILL');
    const killedAt = await processed();
    expect(killedAt).toBeLessThan(sent.length);

    const second = await startServer({ ...env, PORT: String(await freePort()) });
    children.push(second);
    await waitFor('every command to be decided', async () => (await processed()) === sent.length, 60_000);

    const decided = (await pg.query(`SELECT status, count(*)::int AS n FROM processed_commands GROUP BY status`)).rows;
    expect(decided).toEqual([{ status: 'applied', n: sent.length }]);
    const rows = (await pg.query(`SELECT id, title, version FROM tasks WHERE id = ANY($1::uuid[])`, [tasks])).rows;
    expect(rows).toHaveLength(USERS);
    for (const r of rows) expect(r).toMatchObject({ title: `edit ${EDITS}`, version: EDITS + 1 });
    // Exactly one event per version per task: nothing applied twice.
    const events = (
      await pg.query(`SELECT aggregate_id, count(*)::int AS n, count(DISTINCT aggregate_version)::int AS versions FROM outbox WHERE aggregate_id = ANY($1::uuid[]) GROUP BY aggregate_id`, [tasks])
    ).rows;
    expect(events).toHaveLength(USERS);
    for (const e of events) expect(e).toMatchObject({ n: EDITS + 1, versions: EDITS + 1 });
    second.kill('SIGTERM');
  }, 120_000);
});
