import { randomUUID } from 'node:crypto';
import type { EventTransport } from '@ln/application';
import { Email, User, type DomainEvent } from '@ln/domain';
import { InProcessEventTransport, OutboxRelay } from '@ln/adapters/messaging';
import { type Database, TypeOrmUserRepository, migrate, openDatabase } from '@ln/adapters/persistence';
import { createScratchDatabase } from '../support/app';
import { describeWithService } from '../support/services';

const ctx = { eventId: () => randomUUID(), now: () => new Date() };

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function relayContract(open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
    await migrate(db);
  });
  afterAll(() => close());

  async function register(n: number): Promise<string[]> {
    const users = new TypeOrmUserRepository(db);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const user = User.register(ctx, { id: randomUUID(), email: Email.parse(`${randomUUID()}@relay.test`), passwordHash: 'h' });
      await users.save(user);
      ids.push(user.id);
    }
    return ids;
  }

  const pending = async () =>
    Number((await db.run((m) => m.query(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`)))[0].n);

  it('publishes committed events in order, with identity, and marks them sent', async () => {
    const transport = new InProcessEventTransport();
    const seen: DomainEvent[] = [];
    await transport.subscribe('relay-test', ['#'], async (e) => {
      seen.push(e);
    });
    const ids = await register(5);
    const relay = new OutboxRelay(db, transport, { idleMs: 20 });
    relay.start();
    await waitFor(() => ids.every((id) => seen.some((e) => e.aggregateId === id)));
    await relay.stop();
    const mine = seen.filter((e) => ids.includes(e.aggregateId));
    expect(mine.map((e) => e.aggregateId)).toEqual(ids);
    expect(mine[0]).toMatchObject({ type: 'user.registered.v1', version: 1, userId: ids[0], eventId: expect.any(String) });
    expect(await pending()).toBe(0);
    await transport.close();
  });

  it('keeps rows when the transport refuses them and sends them once it accepts', async () => {
    let up = false;
    const delivered: DomainEvent[] = [];
    const flaky: EventTransport = {
      async publish(events) {
        if (!up) throw new Error('broker down');
        delivered.push(...events);
      },
      subscribe: () => Promise.reject(new Error('unused')),
      close: async () => undefined,
    };
    const errors: string[] = [];
    const ids = await register(3);
    const relay = new OutboxRelay(db, flaky, { idleMs: 20, backoffMs: 20, onError: (m) => errors.push(m) });
    relay.start();
    await waitFor(() => errors.length >= 2);
    expect(await pending()).toBeGreaterThanOrEqual(3);
    up = true;
    await waitFor(() => ids.every((id) => delivered.some((e) => e.aggregateId === id)));
    await relay.stop();
    expect(await pending()).toBe(0);
    // Nothing sent twice.
    expect(new Set(delivered.map((e) => e.eventId)).size).toBe(delivered.length);
  });
}

describe('outbox relay [pglite]', () =>
  relayContract(async () => {
    const db = await openDatabase({ kind: 'pglite' });
    return { db, close: () => db.close() };
  }));

describeWithService('postgres', 'outbox relay', () =>
  relayContract(async () => {
    const scratch = await createScratchDatabase();
    const db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 4 });
    return {
      db,
      close: async () => {
        await db.close();
        await scratch.drop();
      },
    };
  }));
