import { randomBytes, randomUUID } from 'node:crypto';
import { type EventTransport, type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { oncePerEvent } from '@ln/kernel/application/ports/event-inbox.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { InProcessEventTransport } from '@ln/kernel/adapters/messaging/in-process-event-transport.adapter';
import { RabbitMqEventTransport } from '@ln/kernel/adapters/messaging/rabbitmq-event-transport.adapter';
import { type Database } from '@ln/kernel/adapters/persistence/database';
import { TypeOrmEventInbox } from '@ln/kernel/adapters/persistence/typeorm-event-inbox.adapter';
import { migrate } from '@ln/kernel/adapters/persistence/migrate';
import { openDatabase } from '@ln/kernel/adapters/persistence/data-source.factory';
import { connect as amqpConnect } from 'amqplib';
import { createScratchDatabase } from '../../support/app';
import { SERVICES, describeWithService, isUp } from '../../support/services';
import { CONTEXT_ENTITIES } from '@app/server/contexts';

async function waitFor(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const event = (type = 'task.failed.v1'): DomainEvent => {
  const userId = randomUUID();
  return {
    eventId: randomUUID(),
    type,
    aggregateType: 'task',
    aggregateId: randomUUID(),
    userId,
    version: 1,
    occurredAt: new Date().toISOString(),
    payload: { reason: 'too_big' },
  };
};

interface Harness {
  readonly db: Database;
  readonly transport: EventTransport;
  cleanup(): Promise<void>;
}

/**
 * A test consumer whose effect is a row in `test_effects`, made through the inbox: whatever the
 * transport redelivers (the relay publishing an event again, a consumer that dies after its
 * commit but before its ack), each event has one effect.
 */
function inboxContract(make: () => Promise<Harness>) {
  let h: Harness;
  let inbox: TypeOrmEventInbox;
  const subscriptions: Subscription[] = [];
  beforeAll(async () => {
    h = await make();
    inbox = new TypeOrmEventInbox(h.db);
    await h.db.run((m) => m.query(`CREATE TABLE IF NOT EXISTS test_effects (event_id uuid NOT NULL, consumer text NOT NULL)`));
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.close()));
    await h.cleanup();
  });

  const effects = async (eventId: string, consumer: string) =>
    Number(
      (await h.db.run((m) => m.query(`SELECT count(*) AS n FROM test_effects WHERE event_id = $1 AND consumer = $2`, [eventId, consumer])))[0].n,
    );

  const record = (consumer: string) => (e: DomainEvent) =>
    h.db.run((m) => m.query(`INSERT INTO test_effects (event_id, consumer) VALUES ($1, $2)`, [e.eventId, consumer])).then(() => undefined);

  it('an event published twice has one effect', async () => {
    const consumer = `twice-${randomBytes(4).toString('hex')}`;
    let handled = 0;
    const handler = oncePerEvent(inbox, consumer, record(consumer));
    subscriptions.push(
      await h.transport.subscribe(consumer, ['task.#'], async (e) => {
        await handler(e);
        handled += 1;
      }),
    );
    const e = event();
    const other = event();
    // The relay may publish an event again (it crashed after the broker's confirm, before marking it sent).
    await h.transport.publish([e]);
    await h.transport.publish([e, other]);
    await waitFor(() => handled === 3);
    expect(await effects(e.eventId, consumer)).toBe(1);
    expect(await effects(other.eventId, consumer)).toBe(1);
    expect(await inbox.has(consumer, e.eventId)).toBe(true);
  });

  it('a consumer that dies after its commit, before its ack, has no second effect on redelivery', async () => {
    const consumer = `crash-${randomBytes(4).toString('hex')}`;
    const deliveries = new Map<string, number>();
    const handler = oncePerEvent(inbox, consumer, record(consumer));
    subscriptions.push(
      await h.transport.subscribe(consumer, ['task.#'], async (e) => {
        const n = (deliveries.get(e.eventId) ?? 0) + 1;
        deliveries.set(e.eventId, n);
        await handler(e);
        // The effect and the inbox row are committed; the ack is lost, so the event comes again.
        if (n === 1) throw new Error('crashed before the ack');
      }),
    );
    const e = event();
    await h.transport.publish([e]);
    await waitFor(() => (deliveries.get(e.eventId) ?? 0) >= 2);
    await waitFor(async () => (await effects(e.eventId, consumer)) === 1);
    expect(await effects(e.eventId, consumer)).toBe(1);
  });

  it('an effect that fails leaves no inbox row, so the redelivery applies it', async () => {
    const consumer = `fail-${randomBytes(4).toString('hex')}`;
    let attempts = 0;
    const handler = oncePerEvent(inbox, consumer, async (e) => {
      attempts += 1;
      await record(consumer)(e);
      // The effect's row was written, then the handler fails: both it and the inbox row roll back.
      if (attempts === 1) throw new Error('effect failed');
    });
    subscriptions.push(await h.transport.subscribe(consumer, ['task.#'], handler));
    const e = event();
    await h.transport.publish([e]);
    await waitFor(() => attempts >= 2);
    await waitFor(async () => await inbox.has(consumer, e.eventId));
    expect(await effects(e.eventId, consumer)).toBe(1);
  });

  it('two consumers of one event each process it once', async () => {
    const a = `a-${randomBytes(4).toString('hex')}`;
    const b = `b-${randomBytes(4).toString('hex')}`;
    const e = event();
    expect(await inbox.processOnce(a, e.eventId, () => record(a)(e))).toBe(true);
    expect(await inbox.processOnce(b, e.eventId, () => record(b)(e))).toBe(true);
    expect(await inbox.processOnce(a, e.eventId, () => record(a)(e))).toBe(false);
    // Concurrent deliveries of the same event: one wins, the other waits for its commit and skips.
    const c = `c-${randomBytes(4).toString('hex')}`;
    const outcomes = await Promise.all([1, 2, 3].map(() => inbox.processOnce(c, e.eventId, () => record(c)(e))));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect([await effects(e.eventId, a), await effects(e.eventId, b), await effects(e.eventId, c)]).toEqual([1, 1, 1]);
  });
  it('prune forgets the records processed before the cut, in chunks, and keeps the rest (a forgotten event would have its effect again)', async () => {
    const consumer = `prune-${randomBytes(4).toString('hex')}`;
    const old = Array.from({ length: 5 }, () => event());
    const recent = Array.from({ length: 3 }, () => event());
    for (const e of [...old, ...recent]) expect(await inbox.processOnce(consumer, e.eventId, () => record(consumer)(e))).toBe(true);
    // The old ones were processed 8 days ago; the cut is 7 days back.
    await h.db.run((m) =>
      m.query(`UPDATE processed_events SET processed_at = now() - interval '8 days' WHERE consumer = $1 AND event_id = ANY($2::uuid[])`, [consumer, old.map((e) => e.eventId)]),
    );
    const cut = new Date(Date.now() - 7 * 86_400_000);
    const mine = async () =>
      Number((await h.db.run((m) => m.query(`SELECT count(*) AS n FROM processed_events WHERE consumer = $1`, [consumer])))[0].n);
    // Chunks of 2 (three statements for five rows); nothing recent goes, whoever's it is.
    expect(await inbox.prune(cut, 2)).toBe(5);
    expect(await mine()).toBe(3);
    for (const e of recent) expect(await inbox.has(consumer, e.eventId)).toBe(true);
    for (const e of old) expect(await inbox.has(consumer, e.eventId)).toBe(false);
    expect(await inbox.prune(cut, 2)).toBe(0);
    // What retention means: a copy of a forgotten event is processed again, a remembered one is not.
    expect(await inbox.processOnce(consumer, old[0].eventId, () => record(consumer)(old[0]))).toBe(true);
    expect(await inbox.processOnce(consumer, recent[0].eventId, () => record(consumer)(recent[0]))).toBe(false);
    expect([await effects(old[0].eventId, consumer), await effects(recent[0].eventId, consumer)]).toEqual([2, 1]);
  });
}

describe('event inbox [pglite + in-process]', () =>
  inboxContract(async () => {
    const db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'pglite' });
    await migrate(db);
    const transport = new InProcessEventTransport();
    return {
      db,
      transport,
      cleanup: async () => {
        await transport.close();
        await db.close();
      },
    };
  }));

// The contract on the real thing: RabbitMQ redelivering into PostgreSQL.
// Needs both services: skipped (with its message) when either is down.
describeWithService(isUp('postgres') ? 'rabbitmq' : 'postgres', 'event inbox [postgres + rabbitmq]', () =>
  inboxContract(async () => {
    const scratch = await createScratchDatabase();
    const db = await openDatabase({ entities: CONTEXT_ENTITIES, kind: 'postgres', url: scratch.url, poolSize: 4 });
    await migrate(db);
    const exchange = `ln.test.inbox.${randomBytes(6).toString('hex')}`;
    const names: string[] = [];
    const rabbit = new RabbitMqEventTransport({ url: SERVICES.rabbitmq, exchange, maxDeliveries: 5 });
    const transport: EventTransport = {
      publish: (events) => rabbit.publish(events),
      subscribe: (name, patterns, handler) => {
        names.push(name);
        return rabbit.subscribe(name, patterns, handler);
      },
      close: () => rabbit.close(),
    };
    return {
      db,
      transport,
      cleanup: async () => {
        await rabbit.close();
        const conn = await amqpConnect(SERVICES.rabbitmq);
        const ch = await conn.createChannel();
        for (const name of names) {
          await ch.deleteQueue(`${exchange}.${name}`);
          await ch.deleteQueue(`${exchange}.${name}.dead`);
        }
        await ch.deleteExchange(exchange);
        await ch.deleteExchange(`${exchange}.dlx`);
        await conn.close();
        await db.close();
        await scratch.drop();
      },
    };
  }));
