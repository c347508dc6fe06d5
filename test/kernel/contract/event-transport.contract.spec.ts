import { randomBytes, randomUUID } from 'node:crypto';
import type { EventDeadLetterStats } from '@ln/kernel/application/ports/event-dead-letter-stats.port';
import type { EventHandler, EventTransport, Subscription } from '@ln/kernel/application/ports/event-transport.port';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { InProcessEventTransport } from '@ln/kernel/adapters/messaging/in-process-event-transport.adapter';
import { RabbitMqEventTransport, RabbitMqReadinessProbe } from '@ln/kernel/adapters/messaging/rabbitmq-event-transport.adapter';
import { connect as amqpConnect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { describeWithService, SERVICES } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';

/** What a contract test needs from one transport under test. */
interface Harness {
  readonly transport: EventTransport;
  /** The same transport's dead-letter counts (what `ln_event_dead_letters` reads). */
  readonly stats: EventDeadLetterStats;
  /** Every event dead-lettered from subscription `name` so far, wherever the transport keeps them. */
  deadLetters(name: string): Promise<DomainEvent[]>;
  cleanup(): Promise<void>;
}

type MakeHarness = (options: { maxDeliveries: number }) => Promise<Harness>;

const MAX_DELIVERIES = 3;
const DEAD_PORT_URL = 'amqp://guest:guest@127.0.0.1:5699';

export function eventTransportContract(name: string, make: MakeHarness): void {
  describe(`EventTransport contract: ${name}`, () => {
    let h: Harness;
    const subscriptions: Subscription[] = [];

    const subscribe = async (sub: string, patterns: readonly string[], handler: EventHandler) => {
      const subscription = await h.transport.subscribe(sub, patterns, handler);
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      h = await make({ maxDeliveries: MAX_DELIVERIES });
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await h.cleanup();
    });

    it('delivers a published event with every field intact, as a copy', async () => {
      const received: DomainEvent[] = [];
      await subscribe('intact', ['#'], async (event) => {
        received.push(event);
        // A consumer scribbling on its copy must not reach the publisher's object.
        (event.payload as { title: string }).title = 'scribbled';
      });
      const event = makeEvent('task.created.v1');
      const before = structuredClone(event);

      await h.transport.publish([event]);
      await waitFor(() => received.length === 1, 'the event to arrive');

      expect(received[0]).toEqual({ ...before, payload: { ...before.payload, title: 'scribbled' } });
      expect(received[0]).not.toBe(event);
      expect(event).toEqual(before);
    });

    it('routes by topic pattern (`*` one word, `#` any)', async () => {
      const tasks: string[] = [];
      const everything: string[] = [];
      await subscribe('tasks', ['task.*.v1'], async (e) => void tasks.push(e.type));
      await subscribe('everything', ['#'], async (e) => void everything.push(e.type));

      await h.transport.publish([
        makeEvent('user.registered.v1'),
        makeEvent('task.created.v1'),
        makeEvent('task.created.v2'),
        makeEvent('task.sub.created.v1'),
        makeEvent('task.done.v1'),
      ]);
      // Per-queue order means once the last task event is in, any misrouted earlier one would be too.
      await waitFor(() => tasks.includes('task.done.v1') && everything.length === 5, 'both queues to drain');

      expect(tasks).toEqual(['task.created.v1', 'task.done.v1']);
      expect(everything).toEqual([
        'user.registered.v1',
        'task.created.v1',
        'task.created.v2',
        'task.sub.created.v1',
        'task.done.v1',
      ]);
    });

    it('agrees with the AMQP topic rules on the edge cases', async () => {
      const table: Record<string, string[]> = {
        'task.*.v1': ['task.created.v1'],
        'task.#': ['task.created.v1', 'task.created.v2', 'task', 'task.a.b.v1', 'task.v1'],
        '*': ['task', 'single'],
        'task.#.v1': ['task.created.v1', 'task.a.b.v1', 'task.v1'],
        '#.v2': ['task.created.v2'],
        '*.*.*': ['task.created.v1', 'task.created.v2', 'user.registered.v1'],
      };
      const keys = ['task.created.v1', 'task.created.v2', 'task', 'task.a.b.v1', 'user.registered.v1', 'task.v1', 'single'];
      const got = new Map<string, string[]>();
      const patterns = Object.keys(table);
      for (const [i, pattern] of patterns.entries()) {
        const seen: string[] = [];
        got.set(pattern, seen);
        // The sentinel, published last, tells us each queue has seen everything routed to it.
        await subscribe(`route-${i}`, [pattern, 'zz.sentinel.end'], async (e) => void seen.push(e.type));
      }

      await h.transport.publish([...keys.map((k) => makeEvent(k)), makeEvent('zz.sentinel.end')]);
      await waitFor(() => [...got.values()].every((seen) => seen.includes('zz.sentinel.end')), 'every sentinel');

      for (const pattern of patterns) {
        expect({ pattern, got: got.get(pattern)?.filter((t) => t !== 'zz.sentinel.end') }).toEqual({
          pattern,
          got: table[pattern],
        });
      }
    });

    it('delivers 100 events published in one call in publish order', async () => {
      const received: string[] = [];
      await subscribe('ordered', ['task.#'], async (e) => void received.push(e.eventId));
      const events = Array.from({ length: 100 }, () => makeEvent('task.created.v1'));

      await h.transport.publish(events);
      await waitFor(() => received.length >= 100, 'all 100 events');

      expect(received).toEqual(events.map((e) => e.eventId));
    });

    it('gives every subscription its own copy', async () => {
      const a: DomainEvent[] = [];
      const b: DomainEvent[] = [];
      await subscribe('copy-a', ['user.#'], async (e) => void a.push(e));
      await subscribe('copy-b', ['user.#'], async (e) => void b.push(e));
      const event = makeEvent('user.registered.v1');

      await h.transport.publish([event]);
      await waitFor(() => a.length === 1 && b.length === 1, 'both copies');

      expect(a[0]).toEqual(event);
      expect(b[0]).toEqual(event);
      expect(a[0]).not.toBe(b[0]);
    });

    it('redelivers after a failure until the handler succeeds, then stops', async () => {
      const seen = new Map<string, number>();
      const done: string[] = [];
      await subscribe('flaky', ['task.#'], async (e) => {
        const n = (seen.get(e.eventId) ?? 0) + 1;
        seen.set(e.eventId, n);
        if (e.type === 'task.created.v1' && n <= 2) throw new Error(`flaky failure ${n}`);
        done.push(e.eventId);
      });
      const flaky = makeEvent('task.created.v1');
      const after = makeEvent('task.later.v1');

      await h.transport.publish([flaky]);
      await waitFor(() => done.includes(flaky.eventId), 'the third delivery to succeed');
      // A later event getting through shows the queue moved on rather than still redelivering.
      await h.transport.publish([after]);
      await waitFor(() => done.includes(after.eventId), 'the follow-up event');

      expect(seen.get(flaky.eventId)).toBe(3);
      expect(done.filter((id) => id === flaky.eventId)).toHaveLength(1);
      expect(await h.deadLetters('flaky')).toEqual([]);
    });

    it(`dead-letters an event after exactly maxDeliveries (${MAX_DELIVERIES}) failed deliveries`, async () => {
      let deliveries = 0;
      const after: string[] = [];
      await subscribe('poison', ['task.#'], async (e) => {
        if (e.type !== 'task.poison.v1') {
          after.push(e.eventId);
          return;
        }
        deliveries += 1;
        throw new Error('always fails');
      });
      const poison = makeEvent('task.poison.v1');
      const healthy = makeEvent('task.created.v1');

      await h.transport.publish([poison, healthy]);
      let dead: DomainEvent[] = [];
      await waitFor(async () => {
        dead = await h.deadLetters('poison');
        return dead.length > 0;
      }, 'the dead letter');
      await waitFor(() => after.includes(healthy.eventId), 'the event behind the poison one');

      expect(deliveries).toBe(MAX_DELIVERIES);
      expect(dead).toEqual([poison]);
    });

    it('counts the dead letters of every subscription it opened: 1 for the one whose handler always throws, 0 for another', async () => {
      await subscribe('counted-poison', ['task.#'], async () => {
        throw new Error('always fails');
      });
      const healthy: string[] = [];
      await subscribe('counted-healthy', ['task.#'], async (e) => void healthy.push(e.eventId));
      expect(await h.stats.deadLetterCounts(2000)).toEqual(
        new Map([
          ['counted-poison', 0],
          ['counted-healthy', 0],
        ]),
      );
      const poison = makeEvent('task.created.v1');

      await h.transport.publish([poison]);
      await waitFor(async () => (await h.stats.deadLetterCounts(2000)).get('counted-poison') === 1, 'the dead letter to be counted');
      await waitFor(() => healthy.includes(poison.eventId), 'the other subscription to handle the event');

      expect(await h.stats.deadLetterCounts(2000)).toEqual(
        new Map([
          ['counted-poison', 1],
          ['counted-healthy', 0],
        ]),
      );
      // What is counted is what an operator finds dead-lettered.
      expect(await h.deadLetters('counted-poison')).toEqual([poison]);
    });

    it('rejects publish after close', async () => {
      await h.transport.close();
      await expect(h.transport.publish([makeEvent('task.created.v1')])).rejects.toThrow(/closed/i);
    });
  });
}

eventTransportContract('InProcessEventTransport', async ({ maxDeliveries }) => {
  const transport = new InProcessEventTransport({ maxDeliveries });
  return {
    transport,
    stats: transport,
    deadLetters: async (name) => transport.deadLetters(name).map((d) => d.event),
    cleanup: () => transport.close(),
  };
});

describeWithService('rabbitmq', 'RabbitMqEventTransport', () => {
  const runId = randomBytes(4).toString('hex');
  let admin: ChannelModel;
  let channel: Channel;
  let harnesses = 0;

  beforeAll(async () => {
    admin = await amqpConnect(SERVICES.rabbitmq);
    channel = await admin.createChannel();
  });

  afterAll(async () => {
    await admin.close();
  });

  /** Drops what a test declared; quorum queues outlive connections, so nobody else will. */
  async function dropTopology(exchange: string, subscriptionNames: Iterable<string>): Promise<void> {
    for (const name of subscriptionNames) {
      await channel.deleteQueue(`${exchange}.${name}`);
      await channel.deleteQueue(`${exchange}.${name}.dead`);
    }
    await channel.deleteExchange(exchange);
    await channel.deleteExchange(`${exchange}.dlx`);
  }

  /** Moves what has reached the `.dead` queue into `into`, which keeps it for later calls. */
  async function takeDeadLetters(exchange: string, name: string, into: DomainEvent[]): Promise<DomainEvent[]> {
    for (;;) {
      const message = await channel.get(`${exchange}.${name}.dead`, { noAck: true });
      if (message === false) return [...into];
      into.push(JSON.parse(message.content.toString('utf8')) as DomainEvent);
    }
  }

  /** A fresh exchange per test, so tests (and concurrent runs) never share a queue. */
  function freshExchange(): string {
    harnesses += 1;
    return `ln.test.${runId}.${harnesses}`;
  }

  eventTransportContract('RabbitMqEventTransport', async ({ maxDeliveries }) => {
    const exchange = freshExchange();
    const transport = new RabbitMqEventTransport({ url: SERVICES.rabbitmq, exchange, maxDeliveries });
    const names = new Set<string>();
    const dead = new Map<string, DomainEvent[]>();
    const tracked: EventTransport = {
      publish: (events) => transport.publish(events),
      subscribe: (name, patterns, handler) => {
        names.add(name);
        return transport.subscribe(name, patterns, handler);
      },
      close: () => transport.close(),
    };
    return {
      transport: tracked,
      stats: transport,
      deadLetters: (name) => {
        const into = dead.get(name) ?? [];
        dead.set(name, into);
        return takeDeadLetters(exchange, name, into);
      },
      cleanup: async () => {
        await transport.close();
        await dropTopology(exchange, names);
      },
    };
  });

  describe('RabbitMQ specifics', () => {
    let exchange: string;
    let transport: RabbitMqEventTransport;
    const names: string[] = [];

    beforeEach(() => {
      exchange = freshExchange();
      transport = new RabbitMqEventTransport({ url: SERVICES.rabbitmq, exchange, maxDeliveries: MAX_DELIVERIES });
    });

    afterEach(async () => {
      await transport.close();
      await dropTopology(exchange, names.splice(0));
    });

    it('resolves publish only once the broker holds the message, with the agreed properties', async () => {
      names.push('parked');
      const subscription = await transport.subscribe('parked', ['task.#'], async () => undefined);
      // Without a consumer the message stays in the queue where we can look at it.
      await subscription.close();
      const event = makeEvent('task.created.v1');

      await transport.publish([event]);

      const message = await channel.get(`${exchange}.parked`, { noAck: true });
      expect(message).not.toBe(false);
      if (message === false) return;
      expect(JSON.parse(message.content.toString('utf8'))).toEqual(event);
      expect(message.fields.routingKey).toBe(event.type);
      expect(message.properties).toMatchObject({
        messageId: event.eventId,
        type: event.type,
        contentType: 'application/json',
        deliveryMode: 2,
        timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
      });
      expect(message.properties.headers).toMatchObject({
        aggregateId: event.aggregateId,
        userId: event.userId,
        version: event.version,
      });
    });

    it('dead-letters a message that is not an event without disturbing the consumer', async () => {
      names.push('garbled');
      const received: string[] = [];
      const errors: string[] = [];
      await transport.close();
      transport = new RabbitMqEventTransport({
        url: SERVICES.rabbitmq,
        exchange,
        maxDeliveries: MAX_DELIVERIES,
        onError: (message) => errors.push(message),
      });
      await transport.subscribe('garbled', ['task.#'], async (e) => void received.push(e.eventId));
      channel.publish(exchange, 'task.created.v1', Buffer.from('{not json'));
      const good = makeEvent('task.created.v1');

      await transport.publish([good]);
      await waitFor(() => received.includes(good.eventId), 'the good event');
      const dead = await waitForMessage(channel, `${exchange}.garbled.dead`);

      expect(dead.content.toString('utf8')).toBe('{not json');
      expect(errors.some((m) => m.includes('not an event'))).toBe(true);
    });

    it('a connection dropped while subscribe() sets up: it waits for the reconnect instead of failing, then delivers', async () => {
      names.push('flaky');
      const { proxy, url: viaProxy } = await TcpProxy.inFrontOf(SERVICES.rabbitmq, 5672);
      const errors: string[] = [];
      const flaky = new RabbitMqEventTransport({
        url: viaProxy,
        exchange,
        maxDeliveries: MAX_DELIVERIES,
        reconnectTimeInSeconds: 0.1,
        onError: (message) => errors.push(message),
      });
      try {
        // The connection drops on the subscription's basic.consume (class 60, method 20, a reserved
        // short, then the queue's name), i.e. while its setup waits for the broker.
        const queueName = Buffer.from(`${exchange}.flaky`);
        const dropped = proxy.dropWhenClientSends(Buffer.concat([Buffer.from([0x00, 0x3c, 0x00, 0x14, 0x00, 0x00, queueName.length]), queueName]));
        const received: string[] = [];
        await flaky.subscribe('flaky', ['task.#'], async (e) => void received.push(e.eventId));
        await dropped;
        expect(errors.some((m) => m.includes('lost'))).toBe(true);
        const event = makeEvent('task.created.v1');
        await transport.publish([event]);
        await waitFor(() => received.includes(event.eventId), 'the event after the reconnect');
      } finally {
        await flaky.close();
        await proxy.close();
      }
    });

    it('a broker refusal while subscribe() sets up (a queue declared with other arguments) fails it at once, not at the setup timeout', async () => {
      names.push('refused');
      const probe = await admin.createChannel();
      probe.on('error', () => undefined);
      await probe.assertQueue(`${exchange}.refused`, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      await probe.close();
      const refused = new RabbitMqEventTransport({ url: SERVICES.rabbitmq, exchange, maxDeliveries: MAX_DELIVERIES, setupTimeoutMs: 20_000 });
      try {
        const started = Date.now();
        await expect(refused.subscribe('refused', ['task.#'], async () => undefined)).rejects.toThrow(/PRECONDITION_FAILED/);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await refused.close();
      }
    });

    it('rejects publish within the publish timeout when the broker is unreachable', async () => {
      const unreachable = new RabbitMqEventTransport({ url: DEAD_PORT_URL, publishTimeoutMs: 500 });
      try {
        const started = Date.now();
        await expect(unreachable.publish([makeEvent('task.created.v1')])).rejects.toThrow(
          /not confirmed within 500 ms/,
        );
        expect(Date.now() - started).toBeLessThan(2500);
      } finally {
        await unreachable.close();
      }
    });

    it('counts dead letters without waiting for a connection: rejects at once while the broker is unreachable', async () => {
      const unreachable = new RabbitMqEventTransport({ url: DEAD_PORT_URL });
      try {
        const started = Date.now();
        await expect(unreachable.deadLetterCounts(2000)).rejects.toThrow(/not connected/);
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        await unreachable.close();
      }
    });

    it('fails the count (rather than reporting 0) when a subscription\'s dead-letter queue is gone, and counts again once it is back', async () => {
      names.push('vanished');
      await transport.subscribe('vanished', ['task.#'], async () => undefined);
      expect(await transport.deadLetterCounts(2000)).toEqual(new Map([['vanished', 0]]));
      await channel.deleteQueue(`${exchange}.vanished.dead`);
      await expect(transport.deadLetterCounts(2000)).rejects.toThrow(/NOT_FOUND/);
      await channel.assertQueue(`${exchange}.vanished.dead`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      expect(await transport.deadLetterCounts(2000)).toEqual(new Map([['vanished', 0]]));
    });

    it('has a readiness probe that passes for the broker and fails for a dead port', async () => {
      await expect(new RabbitMqReadinessProbe(transport, 2000).check()).resolves.toBeUndefined();

      const unreachable = new RabbitMqEventTransport({ url: DEAD_PORT_URL });
      try {
        const probe = new RabbitMqReadinessProbe(unreachable, 500);
        expect(probe.name).toBe('rabbitmq');
        await expect(probe.check()).rejects.toThrow(/not connected within 500 ms/);
      } finally {
        await unreachable.close();
      }
    });
  });
});

let sequence = 0;

function makeEvent(type: string): DomainEvent {
  sequence += 1;
  return {
    eventId: randomUUID(),
    type,
    aggregateType: type.split('.')[0] ?? 'unknown',
    aggregateId: randomUUID(),
    userId: randomUUID(),
    version: sequence,
    occurredAt: new Date(Date.UTC(2030, 0, 1, 12, 0, sequence % 60, 123)).toISOString(),
    correlationId: randomUUID(),
    payload: { title: `event ${sequence}`, nested: { tags: ['a', 'b'], ratio: 1.5, done: false, none: null } },
  };
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function waitForMessage(channel: Channel, queue: string): Promise<GetMessage> {
  const found: GetMessage[] = [];
  await waitFor(async () => {
    const message = await channel.get(queue, { noAck: true });
    if (message !== false) found.push(message);
    return found.length > 0;
  }, `a message on ${queue}`);
  return found[0];
}
