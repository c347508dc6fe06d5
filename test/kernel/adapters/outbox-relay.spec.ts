import { randomBytes, randomUUID } from 'node:crypto';
import { type EventTransport } from '@ln/kernel/application/ports/event-transport.port';
import { partitionOf } from '@ln/kernel/application/partition';
import { Email } from '@ln/identity/domain/email.value-object';
import { User } from '@ln/identity/domain/user.aggregate';
import { type DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { InProcessEventTransport } from '@ln/kernel/adapters/messaging/in-process-event-transport.adapter';
import { OutboxRelay } from '@ln/kernel/adapters/messaging/outbox-relay';
import { RabbitMqEventTransport } from '@ln/kernel/adapters/messaging/rabbitmq-event-transport.adapter';
import { connect as amqpConnect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { type Database } from '@ln/kernel/adapters/persistence/database';
import { TypeOrmUserRepository } from '@ln/identity/adapters/persistence/typeorm-user-repository.adapter';
import { appendToOutbox } from '@ln/kernel/adapters/persistence/outbox.writer';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { createScratchDatabase } from '../../support/app';
import { SERVICES, describeWithService, isUp } from '../../support/services';
import { CONTEXT_ENTITIES } from '@app/server/contexts';

const ctx = { eventId: () => randomUUID(), now: () => new Date() };

async function waitFor(condition: () => boolean, ms = 5000, poll?: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    await poll?.();
    if (condition()) return;
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

  // ---- partitions, late commits, NOTIFY (ADR 0010) ----

  /** A user-level event whose `version` is its place in that user's stream. */
  const eventFor = (userId: string, version: number, type = 'test.happened.v1'): DomainEvent => ({
    eventId: randomUUID(),
    type,
    aggregateType: 'test',
    aggregateId: userId,
    userId,
    version,
    occurredAt: new Date().toISOString(),
    payload: { n: version },
  });

  const write = (...events: DomainEvent[]) => db.transaction((m) => appendToOutbox(m, events));

  /** A writer's transaction that has inserted its row and stays open until `commit()`. */
  function holdOpen(event: DomainEvent) {
    let commit!: () => void;
    let inserted!: () => void;
    const gate = new Promise<void>((r) => (commit = r));
    const insertedP = new Promise<void>((r) => (inserted = r));
    const done = db.transaction(async (m) => {
      await appendToOutbox(m, [event]);
      inserted();
      await gate;
    });
    return { inserted: insertedP, commit, done };
  }

  async function collector(transport: InProcessEventTransport, users: readonly string[]) {
    const seen: DomainEvent[] = [];
    await transport.subscribe(`collect-${randomUUID()}`, ['#'], async (e) => {
      if (users.includes(e.userId)) seen.push(e);
    });
    return seen;
  }

  it('several relays in parallel: every event published exactly once, each user in order', async () => {
    const transport = new InProcessEventTransport();
    const users = Array.from({ length: 12 }, () => randomUUID());
    const perUser = 15;
    const seen = await collector(transport, users);
    const published = [0, 0, 0];
    const errors: string[] = [];
    const relays = published.map(
      (_, i) =>
        new OutboxRelay(db, transport, {
          partitions: 4,
          batchSize: 5,
          idleMs: 50,
          onRelayed: (n) => (published[i] += n),
          onError: (m) => errors.push(m),
        }),
    );
    relays.forEach((r) => r.start());
    await Promise.all(relays.map((r) => r.ready()));
    // Users write concurrently; each user's writes follow one another, as a user's commands do.
    await Promise.all(
      users.map(async (u) => {
        for (let v = 1; v <= perUser; v++) await write(eventFor(u, v));
      }),
    );
    await waitFor(() => seen.length >= users.length * perUser, 20_000);
    await Promise.all(relays.map((r) => r.stop()));

    expect(errors).toEqual([]);
    expect(seen).toHaveLength(users.length * perUser);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
    for (const u of users) {
      expect(seen.filter((e) => e.userId === u).map((e) => e.version)).toEqual(Array.from({ length: perUser }, (_, i) => i + 1));
    }
    expect(published.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(seen.length);
    expect(await pending()).toBe(0);
    await transport.close();
  });

  it('publishes a row whose transaction commits after later rows were published', async () => {
    const transport = new InProcessEventTransport();
    const early = randomUUID();
    const late = randomUUID();
    const seen = await collector(transport, [early, late]);
    // One partition: both rows compete for the same place in the order.
    const relay = new OutboxRelay(db, transport, { partitions: 1, listen: false });
    const lateEvent = eventFor(late, 1);
    const held = holdOpen(lateEvent);
    await held.inserted; // it has its position now, before the next row's
    const earlyEvent = eventFor(early, 1);
    const earlyCommitted = write(earlyEvent);
    if (db.engine === 'postgres') {
      // A relay pass while the first row's transaction is still open sees only the second row.
      await earlyCommitted;
      await relay.relayOnce();
      await waitFor(() => seen.length === 1);
      expect(seen.map((e) => e.eventId)).toEqual([earlyEvent.eventId]);
    }
    // (On PGlite transactions run one at a time, so a late commit cannot happen; the pass waits.)
    held.commit();
    await held.done;
    await earlyCommitted;
    while ((await relay.relayOnce()) > 0);
    await waitFor(() => seen.length === 2);
    expect(seen.map((e) => e.eventId).sort()).toEqual([earlyEvent.eventId, lateEvent.eventId].sort());
    expect(await pending()).toBe(0);
    await transport.close();
  });

  it('is woken by NOTIFY at commit: events arrive with the poll interval at 60 s', async () => {
    const transport = new InProcessEventTransport();
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const seen = await collector(transport, users);
    const relay = new OutboxRelay(db, transport, { partitions: 2, idleMs: 60_000 });
    relay.start();
    // Listening, and each partition has had its first pass: only a notification can bring more.
    await relay.ready();
    await write(eventFor(users[0], 1));
    await waitFor(() => seen.length === 1, 10_000);
    // Still listening after a pass, for every partition.
    for (const u of users.slice(1)) await write(eventFor(u, 1));
    await write(eventFor(users[0], 2));
    await waitFor(() => seen.length === 4, 10_000);
    // A rolled-back write announces nothing and publishes nothing.
    await expect(
      db.transaction(async (m) => {
        await appendToOutbox(m, [eventFor(users[1], 2)]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await relay.stop();
    // Partitions are relayed side by side: order holds per user, not across users.
    const got = seen.map((e) => [e.userId, e.version] as [string, number]);
    const expected: [string, number][] = [[users[0], 1], [users[0], 2], ...users.slice(1).map((u): [string, number] => [u, 1])];
    expect([...got].sort()).toEqual([...expected].sort());
    expect(got.filter(([u]) => u === users[0]).map(([, v]) => v)).toEqual([1, 2]);
    await transport.close();
  });

  it('reports the backlog per partition', async () => {
    const relay = new OutboxRelay(db, new InProcessEventTransport(), { partitions: 3 });
    const user = randomUUID();
    await write(eventFor(user, 1), eventFor(user, 2));
    const parts = await relay.backlogByPartition();
    expect(parts.map((p) => p.partition)).toEqual([0, 1, 2]);
    const mine = parts[partitionOf(user, 3)];
    expect(mine.pending).toBeGreaterThanOrEqual(2);
    expect(mine.oldestSeconds).toBeGreaterThanOrEqual(0);
    while ((await relay.relayOnce()) > 0);
    expect((await relay.backlog()).pending).toBe(0);
  });
}

describe('outbox relay [pglite]', () =>
  relayContract(async () => {
    const db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'pglite' });
    return { db, close: () => db.close() };
  }));

describeWithService('postgres', 'outbox relay', () =>
  relayContract(async () => {
    const scratch = await createScratchDatabase();
    const db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'postgres', url: scratch.url, poolSize: 4 });
    return {
      db,
      close: async () => {
        await db.close();
        await scratch.drop();
      },
    };
  }));

/** Events of one user, numbered in their order. */
function userEvents(userId: string, count: number, type = 'test.happened.v1'): DomainEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    type,
    aggregateType: 'test',
    aggregateId: userId,
    userId,
    version: i + 1,
    occurredAt: new Date().toISOString(),
    payload: { n: i + 1 },
  }));
}

describeWithService('postgres', 'outbox relay: partition claims across sessions', () => {
  let db: Database;
  let scratch: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'postgres', url: scratch.url, poolSize: 6 });
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  it('never lets two relays publish a partition at once, and hands a dead relay\'s partition over', async () => {
    const user = randomUUID();
    const [first, second] = userEvents(user, 2);
    // Relay A's broker takes the batch and never confirms: A is stuck inside its claim.
    let aPublishing!: () => void;
    const aIsPublishing = new Promise<void>((r) => (aPublishing = r));
    let confirmA!: () => void;
    const stuck: EventTransport = {
      publish: () => {
        aPublishing();
        return new Promise<void>((r) => (confirmA = r));
      },
      subscribe: () => Promise.reject(new Error('unused')),
      close: async () => undefined,
    };
    const a = new OutboxRelay(db, stuck, { partitions: 1, listen: false });
    const bTransport = new InProcessEventTransport();
    const seenByB: DomainEvent[] = [];
    await bTransport.subscribe('b', ['#'], async (e) => void seenByB.push(e));
    const b = new OutboxRelay(db, bTransport, { partitions: 1, listen: false });

    await db.transaction((m) => appendToOutbox(m, [first]));
    const aPass = a.relayOnce();
    await aIsPublishing;
    await db.transaction((m) => appendToOutbox(m, [second]));
    // B finds the partition claimed and publishes nothing of it, not even the row A has not read.
    expect(await b.relayOnce()).toBe(0);

    // A's database session dies (crash, network): its claim goes with its transaction.
    await db.run((m) =>
      m.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`,
      ),
    );
    // The server ends the session a moment after the signal; B takes over as soon as it has.
    let sentByB = 0;
    await waitFor(() => sentByB > 0, 5000, async () => {
      sentByB += await b.relayOnce();
    });
    expect(sentByB).toBe(2);
    await waitFor(() => seenByB.length === 2);
    expect(seenByB.map((e) => e.version)).toEqual([1, 2]);

    // A's broker confirms at last, but A can no longer mark anything sent.
    confirmA();
    await expect(aPass).rejects.toThrow();
    const rows = await db.run((m) => m.query(`SELECT attempts FROM outbox WHERE user_id = $1 ORDER BY position`, [user]));
    expect(rows.map((r: { attempts: number }) => r.attempts)).toEqual([1, 1]);
    await bTransport.close();
  });
});

describeWithService('rabbitmq', 'outbox relay to RabbitMQ', () => {
  let db: Database;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let conn: ChannelModel;
  let channel: Channel;
  let transport: RabbitMqEventTransport;
  const exchange = `ln.test.relay.${randomBytes(6).toString('hex')}`;
  let queue: string;

  beforeAll(async () => {
    if (isUp('postgres')) {
      scratch = await createScratchDatabase();
      db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'postgres', url: scratch.url, poolSize: 4 });
    } else {
      db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'pglite' });
    }
    await migrate(db);
    transport = new RabbitMqEventTransport({ url: SERVICES.rabbitmq, exchange });
    conn = await amqpConnect(SERVICES.rabbitmq);
    channel = await conn.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    ({ queue } = await channel.assertQueue('', { exclusive: true }));
    await channel.bindQueue(queue, exchange, '#');
  });
  afterAll(async () => {
    await transport.close();
    await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await conn.close();
    await db.close();
    await scratch?.drop();
  });

  it('publishes persistent messages to the topic exchange: routing key = type, messageId = eventId, in order', async () => {
    const user = randomUUID();
    const events = [
      ...userEvents(user, 1, 'task.created.v1'),
      ...userEvents(user, 1, 'task.completed.v1'),
      ...userEvents(user, 1, 'user.registered.v1'),
    ].map((e, i) => ({ ...e, version: i + 1 }));
    await db.transaction((m) => appendToOutbox(m, events));
    const relay = new OutboxRelay(db, transport, { partitions: 4, listen: false });
    expect(await relay.relayOnce()).toBe(3);

    const got: GetMessage[] = [];
    await waitFor(() => got.length === 3, 5000, async () => {
      const message = await channel.get(queue, { noAck: true });
      if (message) got.push(message);
    });
    expect(got.map((m) => m.fields.routingKey)).toEqual(events.map((e) => e.type));
    expect(got.map((m) => m.properties.messageId)).toEqual(events.map((e) => e.eventId));
    expect(got.map((m) => m.properties.deliveryMode)).toEqual([2, 2, 2]);
    expect(got.map((m) => (JSON.parse(m.content.toString()) as DomainEvent).eventId)).toEqual(events.map((e) => e.eventId));
    // Marked sent, because the broker confirmed.
    const rows = await db.run((m) => m.query(`SELECT published_at FROM outbox WHERE user_id = $1`, [user]));
    expect(rows.every((r: { published_at: unknown }) => r.published_at !== null)).toBe(true);
  });
});
