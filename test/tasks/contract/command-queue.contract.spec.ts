import { randomBytes, randomUUID } from 'node:crypto';
import { partitionOf, type CommandBatchOptions, type CommandDelivery, type CommandEnvelope, type CommandQueue } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { InProcessCommandQueue } from '@ln/tasks/adapters/messaging/in-process-command-queue.adapter';
import { RabbitMqCommandQueue } from '@ln/tasks/adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter';
import { connect as amqpConnect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { describeWithService, SERVICES } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';

const PARTITIONS = 4;
const MAX_DELIVERIES = 3;
/** How long a test's consumer close waits for a hung handler before it "dies". */
const CLOSE_TIMEOUT_MS = 300;
const DEAD_PORT_URL = 'amqp://guest:guest@127.0.0.1:5699';

/** What a contract test needs from one queue implementation under test. */
interface Harness {
  /** Sends the test's commands; it lives for the whole test. */
  readonly sender: CommandQueue;
  /**
   * A queue object to consume from, as a worker process would hold. On RabbitMQ every call is a
   * new object with its own connection; in-process it is the sender itself (same partitions).
   */
  consumerQueue(): Promise<CommandQueue>;
  /**
   * The consumer dies holding its deliveries, none acked. RabbitMQ: the queue object closes (its
   * hung batch is abandoned after CLOSE_TIMEOUT_MS) and with it its connection. In-process: the
   * subscription closes the same way.
   */
  kill(queue: CommandQueue, subscription: Subscription): Promise<void>;
  /** Every command dead-lettered so far, wherever the implementation keeps them. */
  deadLetters(): Promise<CommandEnvelope[]>;
  cleanup(): Promise<void>;
}

type MakeHarness = () => Promise<Harness>;

interface Seen {
  readonly commandId: string;
  readonly userId: string;
  readonly deliveryCount: number;
  readonly consumer: string;
}

export function commandQueueContract(name: string, make: MakeHarness): void {
  describe(`CommandQueue contract: ${name}`, () => {
    let h: Harness;
    const subscriptions: Subscription[] = [];
    /** Handlers parked on purpose; released after each test so nothing dangles. */
    const parked: Array<() => void> = [];

    const consume = async (
      queue: CommandQueue,
      handler: (batch: readonly CommandDelivery[]) => Promise<void>,
      options: CommandBatchOptions,
    ) => {
      const subscription = await queue.consume(handler, options);
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      h = await make();
    });

    afterEach(async () => {
      for (const release of parked.splice(0)) release();
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await h.cleanup();
    });

    it('delivers a sent command once, intact, with deliveryCount 1', async () => {
      const seen: Seen[] = [];
      const envelopes: CommandEnvelope[] = [];
      const queue = await h.consumerQueue();
      await consume(
        queue,
        async (batch) => {
          for (const d of batch) {
            seen.push(record(d, 'c'));
            envelopes.push(d.envelope);
            await d.ack();
          }
        },
        { maxBatch: 10, maxWaitMs: 20 },
      );
      const command = makeCommand(randomUUID(), 'task.create.v1');
      const before = structuredClone(command);

      await h.sender.send(command);
      await waitFor(() => seen.length === 1, 'the command');
      // A later command of the same user arriving proves nothing else came before it.
      const sentinel = makeCommand(command.userId, 'zz.sentinel.v1');
      await h.sender.send(sentinel);
      await waitFor(() => seen.some((s) => s.commandId === sentinel.commandId), 'the sentinel');

      expect(envelopes[0]).toEqual(before);
      expect(envelopes[0]).not.toBe(command);
      expect(seen.map((s) => [s.commandId, s.deliveryCount])).toEqual([
        [command.commandId, 1],
        [sentinel.commandId, 1],
      ]);
    });

    it('keeps per-user order: 200 commands of 10 users sent concurrently, each user sequentially', async () => {
      const seen: Seen[] = [];
      const queue = await h.consumerQueue();
      await consume(queue, acking(seen), { maxBatch: 25, maxWaitMs: 20 });
      const users = Array.from({ length: 10 }, () => randomUUID());
      const sent = new Map<string, string[]>(users.map((u) => [u, []]));

      await Promise.all(
        users.map(async (user) => {
          for (let i = 0; i < 20; i++) {
            const command = makeCommand(user, 'task.update.v1', { i });
            sent.get(user)!.push(command.commandId);
            await h.sender.send(command);
          }
        }),
      );
      await waitFor(() => seen.length >= 200, 'all 200 commands');

      for (const user of users) {
        expect(seen.filter((s) => s.userId === user).map((s) => s.commandId)).toEqual(sent.get(user));
      }
      expect(new Set(seen.map((s) => s.commandId)).size).toBe(200);
      expect(seen.every((s) => s.deliveryCount === 1)).toBe(true);
    });

    it('batches: at most maxBatch per batch, full ones first, the partial one after maxWaitMs', async () => {
      const maxWaitMs = 400;
      const users = Array.from({ length: 7 }, () => randomUUID());
      const sent: CommandEnvelope[] = [];
      const startedSending = Date.now();
      for (let i = 0; i < 35; i++) {
        const command = makeCommand(users[i % users.length], 'task.update.v1', { i });
        sent.push(command);
        await h.sender.send(command);
      }
      const batches: Array<{ at: number; ids: string[] }> = [];
      const queue = await h.consumerQueue();
      await consume(
        queue,
        async (batch) => {
          batches.push({ at: Date.now(), ids: batch.map((d) => d.envelope.commandId) });
          for (const d of batch) await d.ack();
        },
        { maxBatch: 10, maxWaitMs },
      );

      await waitFor(() => batches.flatMap((b) => b.ids).length >= 35, 'all 35 commands');

      const sizes = batches.map((b) => b.ids.length);
      expect(sizes.every((n) => n >= 1 && n <= 10)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(35);
      // Everything was waiting, so the first batch is full; 35 is not a multiple of 10, so the
      // last is partial, and a partial batch only closes maxWaitMs after its first command.
      expect(sizes[0]).toBe(10);
      const partial = batches.find((b) => b.ids.length < 10)!;
      expect(partial).toBe(batches[batches.length - 1]);
      expect(partial.at - startedSending).toBeGreaterThanOrEqual(maxWaitMs - 5);
      const order = batches.flatMap((b) => b.ids);
      for (const user of users) {
        const mine = new Set(sent.filter((c) => c.userId === user).map((c) => c.commandId));
        expect(order.filter((id) => mine.has(id))).toEqual(sent.filter((c) => c.userId === user).map((c) => c.commandId));
      }
    });

    it('closes a partial batch maxWaitMs after its first command arrived, not before', async () => {
      const maxWaitMs = 300;
      const batches: Array<{ at: number; size: number }> = [];
      const queue = await h.consumerQueue();
      await consume(
        queue,
        async (batch) => {
          batches.push({ at: Date.now(), size: batch.length });
          for (const d of batch) await d.ack();
        },
        { maxBatch: 10, maxWaitMs },
      );
      const started = Date.now();

      await Promise.all([1, 2, 3].map(() => h.sender.send(makeCommand(randomUUID(), 'task.create.v1'))));
      await waitFor(() => batches.reduce((n, b) => n + b.size, 0) >= 3, 'the three commands');

      expect(batches.map((b) => b.size)).toEqual([3]);
      expect(batches[0].at - started).toBeGreaterThanOrEqual(maxWaitMs - 5);
      expect(batches[0].at - started).toBeLessThan(maxWaitMs + 2000);
    });

    it('does not redeliver what was acked, neither later nor to the next consumer', async () => {
      const first: Seen[] = [];
      const user = randomUUID();
      const queue = await h.consumerQueue();
      const subscription = await consume(queue, acking(first), { maxBatch: 10, maxWaitMs: 20 });
      const commands = Array.from({ length: 5 }, (_, i) => makeCommand(user, 'task.update.v1', { i }));
      for (const c of commands) await h.sender.send(c);
      await waitFor(() => first.length >= 5, 'the five commands');

      // Same user, sent later: anything redelivered would have to come before it.
      const sentinel = makeCommand(user, 'zz.sentinel.v1');
      await h.sender.send(sentinel);
      await waitFor(() => first.some((s) => s.commandId === sentinel.commandId), 'the first sentinel');
      await subscription.close();

      const second: Seen[] = [];
      await consume(await h.consumerQueue(), acking(second), { maxBatch: 10, maxWaitMs: 20 });
      const sentinel2 = makeCommand(user, 'zz.sentinel.v1');
      await h.sender.send(sentinel2);
      await waitFor(() => second.some((s) => s.commandId === sentinel2.commandId), 'the second sentinel');

      expect(first.map((s) => s.commandId)).toEqual([...commands.map((c) => c.commandId), sentinel.commandId]);
      expect(second.map((s) => s.commandId)).toEqual([sentinel2.commandId]);
    });

    it('redelivers a retried command, with deliveryCount 2, before any later command of its user', async () => {
      const seen: Seen[] = [];
      const user = randomUUID();
      const commands = Array.from({ length: 3 }, (_, i) => makeCommand(user, 'task.update.v1', { i }));
      // Queued before consuming, so the broker has the later ones prefetched by the retry.
      for (const c of commands) await h.sender.send(c);
      const queue = await h.consumerQueue();
      await consume(
        queue,
        async (batch) => {
          for (const d of batch) {
            seen.push(record(d, 'c'));
            if (d.envelope.commandId === commands[0].commandId && d.deliveryCount === 1) await d.retry();
            else await d.ack();
          }
        },
        { maxBatch: 1, maxWaitMs: 0 },
      );

      await waitFor(() => seen.length >= 4, 'four deliveries');

      expect(seen.map((s) => [s.commandId, s.deliveryCount])).toEqual([
        [commands[0].commandId, 1],
        [commands[0].commandId, 2],
        [commands[1].commandId, 1],
        [commands[2].commandId, 1],
      ]);
    });

    it('gives the unsettled deliveries of a batch whose handler threw back, in order', async () => {
      const batches: Seen[][] = [];
      const user = randomUUID();
      const commands = Array.from({ length: 3 }, (_, i) => makeCommand(user, 'task.update.v1', { i }));
      for (const c of commands) await h.sender.send(c);
      let thrown = false;
      const queue = await h.consumerQueue();
      await consume(
        queue,
        async (batch) => {
          batches.push(batch.map((d) => record(d, 'c')));
          if (!thrown) {
            thrown = true;
            // The first command is done; the handler fails before settling the rest.
            await batch[0].ack();
            throw new Error('handler failed mid-batch');
          }
          for (const d of batch) await d.ack();
        },
        { maxBatch: 10, maxWaitMs: 100 },
      );

      await waitFor(() => batches.length >= 2, 'the batch after the failure');
      const sentinel = makeCommand(user, 'zz.sentinel.v1');
      await h.sender.send(sentinel);
      await waitFor(() => batches.flat().some((s) => s.commandId === sentinel.commandId), 'the sentinel');

      expect(batches[0].map((s) => [s.commandId, s.deliveryCount])).toEqual(commands.map((c) => [c.commandId, 1]));
      expect(batches[1].map((s) => [s.commandId, s.deliveryCount])).toEqual([
        [commands[1].commandId, 2],
        [commands[2].commandId, 2],
      ]);
      // The acked one never came back.
      expect(batches.flat().filter((s) => s.commandId === commands[0].commandId)).toHaveLength(1);
    });

    it(`dead-letters a command retried on delivery ${MAX_DELIVERIES} of ${MAX_DELIVERIES} and never delivers it again`, async () => {
      const seen: Seen[] = [];
      const user = randomUUID();
      const poison = makeCommand(user, 'task.poison.v1');
      const healthy = makeCommand(user, 'task.update.v1');
      const queue = await h.consumerQueue();
      await consume(
        queue,
        async (batch) => {
          for (const d of batch) {
            seen.push(record(d, 'c'));
            if (d.envelope.type === 'task.poison.v1') await d.retry();
            else await d.ack();
          }
        },
        // One per batch: a worker retries a whole batch, which would retry the healthy one too.
        { maxBatch: 1, maxWaitMs: 0 },
      );

      await h.sender.send(poison);
      await h.sender.send(healthy);
      let dead: CommandEnvelope[] = [];
      await waitFor(async () => {
        dead = await h.deadLetters();
        return dead.length > 0;
      }, 'the dead letter');
      await waitFor(() => seen.some((s) => s.commandId === healthy.commandId), 'the command behind the poison one');
      const sentinel = makeCommand(user, 'zz.sentinel.v1');
      await h.sender.send(sentinel);
      await waitFor(() => seen.some((s) => s.commandId === sentinel.commandId), 'the sentinel');

      expect(seen.filter((s) => s.commandId === poison.commandId).map((s) => s.deliveryCount)).toEqual(
        Array.from({ length: MAX_DELIVERIES }, (_, i) => i + 1),
      );
      // Order holds through the retries: the healthy command only after the poison one gave up.
      expect(seen.map((s) => s.commandId)).toEqual([
        ...Array.from({ length: MAX_DELIVERIES }, () => poison.commandId),
        healthy.commandId,
        sentinel.commandId,
      ]);
      expect(dead).toEqual([poison]);
    });

    it('redelivers, in order, what a consumer held unacked when it died, to the next consumer', async () => {
      const user = randomUUID();
      const commands = Array.from({ length: 5 }, (_, i) => makeCommand(user, 'task.update.v1', { i }));
      for (const c of commands) await h.sender.send(c);
      const held: Seen[] = [];
      const dying = await h.consumerQueue();
      const dyingSubscription = await consume(
        dying,
        async (batch) => {
          held.push(...batch.map((d) => record(d, 'dying')));
          // Never settles: the consumer "hangs" until it is killed.
          await new Promise<void>((resolve) => parked.push(resolve));
        },
        { maxBatch: 10, maxWaitMs: 100 },
      );
      await waitFor(() => held.length === 5, 'the dying consumer to hold all five');

      await h.kill(dying, dyingSubscription);
      const next: Seen[] = [];
      await consume(await h.consumerQueue(), acking(next, 'next'), { maxBatch: 10, maxWaitMs: 20 });
      await waitFor(() => next.length >= 5, 'the redeliveries');

      expect(next.map((s) => s.commandId)).toEqual(commands.map((c) => c.commandId));
      // The dead consumer's delivery counts (as RabbitMQ 3.10 quorum queues count it).
      expect(next.map((s) => s.deliveryCount)).toEqual([2, 2, 2, 2, 2]);
    });

    it(`consumers dying ${MAX_DELIVERIES + 2} times while holding commands do not dead-letter them: only a command's own failures count`, async () => {
      const user = randomUUID();
      const commands = Array.from({ length: 3 }, (_, i) => makeCommand(user, 'task.update.v1', { i }));
      for (const c of commands) await h.sender.send(c);
      for (let death = 0; death < MAX_DELIVERIES + 2; death++) {
        const held: Seen[] = [];
        const dying = await h.consumerQueue();
        const subscription = await consume(
          dying,
          async (batch) => {
            held.push(...batch.map((d) => record(d, 'dying')));
            await new Promise<void>((resolve) => parked.push(resolve));
          },
          { maxBatch: 10, maxWaitMs: 20 },
        );
        await waitFor(() => held.length === 3, `consumer ${death} to hold all three`);
        await h.kill(dying, subscription);
      }
      const next: Seen[] = [];
      await consume(await h.consumerQueue(), acking(next, 'next'), { maxBatch: 10, maxWaitMs: 20 });
      await waitFor(() => next.length >= 3, 'the survivors');
      expect(next.map((s) => s.commandId)).toEqual(commands.map((c) => c.commandId));
      expect(await h.deadLetters()).toEqual([]);
    });

    it('has one active consumer per partition; the other takes over when it closes', async () => {
      const seen: Seen[] = [];
      const a = await consume(await h.consumerQueue(), acking(seen, 'a'), { maxBatch: 10, maxWaitMs: 20 });
      await consume(await h.consumerQueue(), acking(seen, 'b'), { maxBatch: 10, maxWaitMs: 20 });
      const users = usersCoveringAllPartitions(PARTITIONS, 3);
      const sendRound = () =>
        Promise.all(
          users.map(async (user) => {
            for (let i = 0; i < 3; i++) await h.sender.send(makeCommand(user, 'task.update.v1', { i }));
          }),
        );

      await sendRound();
      const round = users.length * 3;
      await waitFor(() => seen.length >= round, 'the first round');
      const consumersOf = new Map<number, Set<string>>();
      for (const s of seen) {
        const p = partitionOf(s.userId, PARTITIONS);
        consumersOf.set(p, (consumersOf.get(p) ?? new Set()).add(s.consumer));
      }
      expect([...consumersOf.keys()].sort()).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
      for (const [p, consumers] of consumersOf) expect({ p, consumers: [...consumers] }).toEqual({ p, consumers: [expect.any(String)] });
      // The first to consume is the one RabbitMQ activates (and the in-process queue too).
      expect(seen.every((s) => s.consumer === 'a')).toBe(true);

      await a.close();
      await sendRound();
      await waitFor(() => seen.length >= 2 * round, 'the second round');

      expect(seen.slice(round).every((s) => s.consumer === 'b')).toBe(true);
      expect(new Set(seen.map((s) => s.commandId)).size).toBe(2 * round);
    });

    it('rejects send after close', async () => {
      await h.sender.close();
      await expect(h.sender.send(makeCommand(randomUUID(), 'task.create.v1'))).rejects.toThrow(/closed/i);
    });
  });
}

commandQueueContract('InProcessCommandQueue', async () => {
  const queue = new InProcessCommandQueue({
    partitions: PARTITIONS,
    maxDeliveries: MAX_DELIVERIES,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
  });
  return {
    sender: queue,
    consumerQueue: async () => queue,
    kill: (_queue, subscription) => subscription.close(),
    deadLetters: async () => queue.deadLetters().map((d) => d.envelope),
    cleanup: () => queue.close(),
  };
});

describe('InProcessCommandQueue specifics', () => {
  it('hands out deadLetters() as a copy', async () => {
    const queue = new InProcessCommandQueue({ maxDeliveries: 1 });
    try {
      const command = makeCommand(randomUUID(), 'task.poison.v1');
      const subscription = await queue.consume(async (batch) => {
        for (const d of batch) await d.retry();
      }, { maxBatch: 1, maxWaitMs: 0 });
      await queue.send(command);
      await waitFor(() => queue.deadLetters().length === 1, 'the dead letter');
      await subscription.close();

      const list = queue.deadLetters() as unknown as unknown[];
      list.pop();
      expect(queue.deadLetters()).toEqual([{ envelope: command, deliveries: 1 }]);
      expect(Object.isFrozen(queue.deadLetters()[0])).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it('rejects a settle that contradicts an earlier one', async () => {
    const queue = new InProcessCommandQueue();
    const outcomes: string[] = [];
    try {
      await queue.consume(async (batch) => {
        await batch[0].ack();
        await batch[0].ack();
        await batch[0].retry().catch((error: Error) => outcomes.push(error.message));
      }, { maxBatch: 1, maxWaitMs: 0 });
      await queue.send(makeCommand(randomUUID(), 'task.create.v1'));
      await waitFor(() => outcomes.length === 1, 'the contradicting retry');
      expect(outcomes[0]).toMatch(/already acked/);
    } finally {
      await queue.close();
    }
  });
});

describeWithService('rabbitmq', 'RabbitMqCommandQueue', () => {
  const runId = randomBytes(4).toString('hex');
  let admin: ChannelModel;
  let channel: Channel;
  let harnesses = 0;

  beforeAll(async () => {
    admin = await amqpConnect(SERVICES.rabbitmq);
    channel = await admin.createChannel();
    // A refused operation closes the channel with an 'error' event, which unheard would crash the run.
    channel.on('error', () => undefined);
  });

  afterAll(async () => {
    await admin.close();
  });

  /** A fresh prefix per test, so tests (and concurrent runs) never share a queue. */
  function freshPrefix(): string {
    harnesses += 1;
    return `ln.test.cmd.${runId}.${harnesses}`;
  }

  /** Drops what a test declared; quorum queues outlive connections, so nobody else will. */
  async function dropTopology(prefix: string): Promise<void> {
    for (let n = 0; n < PARTITIONS; n++) await channel.deleteQueue(`${prefix}.p${n}`);
    await channel.deleteQueue(`${prefix}.dead`);
    await channel.deleteQueue(`${prefix}.workers`);
    await channel.deleteExchange(prefix);
    await channel.deleteExchange(`${prefix}.dlx`);
  }

  async function takeDeadLetters(prefix: string, into: CommandEnvelope[]): Promise<CommandEnvelope[]> {
    for (;;) {
      const message = await channel.get(`${prefix}.dead`, { noAck: true });
      if (message === false) return [...into];
      into.push(JSON.parse(message.content.toString('utf8')) as CommandEnvelope);
    }
  }

  const make = (prefix: string, extra: { publishTimeoutMs?: number; onError?: (m: string) => void; shareLanesEveryMs?: number; closeTimeoutMs?: number; setupTimeoutMs?: number } = {}) =>
    new RabbitMqCommandQueue({
      url: SERVICES.rabbitmq,
      prefix,
      partitions: PARTITIONS,
      maxDeliveries: MAX_DELIVERIES,
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
      ...extra,
    });

  commandQueueContract('RabbitMqCommandQueue', async () => {
    const prefix = freshPrefix();
    const sender = make(prefix);
    const others: RabbitMqCommandQueue[] = [];
    const dead: CommandEnvelope[] = [];
    return {
      sender,
      consumerQueue: async () => {
        const queue = make(prefix);
        others.push(queue);
        return queue;
      },
      kill: (queue) => queue.close(),
      deadLetters: () => takeDeadLetters(prefix, dead),
      cleanup: async () => {
        await Promise.all([sender, ...others].map((q) => q.close()));
        await dropTopology(prefix);
      },
    };
  });

  describe('RabbitMQ specifics', () => {
    let prefix: string;
    let queue: RabbitMqCommandQueue;

    beforeEach(() => {
      prefix = freshPrefix();
      queue = make(prefix);
    });

    afterEach(async () => {
      await queue.close();
      await dropTopology(prefix);
    });

    it('parallel lanes: batches of other partitions run while one is held, each partition in one lane, per-user order kept (#13)', async () => {
      const consumer = make(prefix);
      const seen: { userId: string; i: number; lane: number }[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const inFlight = new Set<number>();
      let maxInFlight = 0;
      const users = Array.from({ length: 12 }, () => randomUUID());
      const partitionsOf = (batch: readonly CommandDelivery[]) => new Set(batch.map((d) => partitionOf(d.envelope.userId, PARTITIONS)));
      const blocker = users.find((u) => partitionOf(u, PARTITIONS) % 2 === 0)!;
      const subscription = await consumer.consume(
        async (batch) => {
          const lanes = new Set([...partitionsOf(batch)].map((p) => p % 2));
          // A batch never mixes partitions of two lanes.
          expect(lanes.size).toBe(1);
          const lane = [...lanes][0]!;
          inFlight.add(lane);
          maxInFlight = Math.max(maxInFlight, inFlight.size);
          if (batch.some((d) => d.envelope.userId === blocker && (d.envelope.payload as { i: number }).i === 0)) await held;
          for (const d of batch) {
            seen.push({ userId: d.envelope.userId, i: (d.envelope.payload as { i: number }).i, lane });
            await d.ack();
          }
          inFlight.delete(lane);
        },
        { maxBatch: 5, maxWaitMs: 10, parallel: 2 },
      );
      try {
        await queue.send(makeCommand(blocker, 'task.update.v1', { i: 0 }));
        await waitFor(() => inFlight.has(0), 'the held batch');
        // Lane 0 is held: the other lane's users are applied meanwhile; lane 0's wait.
        const others = users.filter((u) => partitionOf(u, PARTITIONS) % 2 === 1);
        expect(others.length).toBeGreaterThan(0);
        for (const u of users) for (let i = 1; i <= 3; i++) await queue.send(makeCommand(u, 'task.update.v1', { i }));
        await waitFor(() => others.every((u) => seen.filter((x) => x.userId === u).length === 3), "the other lane's commands");
        expect(seen.filter((x) => x.lane === 0)).toEqual([]);
        expect(maxInFlight).toBe(2);
        release();
        await waitFor(() => seen.length === users.length * 3 + 1, 'every command');
        for (const u of users) {
          const order = seen.filter((x) => x.userId === u).map((x) => x.i);
          expect(order).toEqual(u === blocker ? [0, 1, 2, 3] : [1, 2, 3]);
        }
      } finally {
        release();
        await subscription.close();
        await consumer.close();
      }
    });

    it('two workers with lanes share the partitions: the first to consume hands the lanes past its share to the other; nothing lost, per-user order kept (docs/scaling.md)', async () => {
      const first = make(prefix, { shareLanesEveryMs: 200, closeTimeoutMs: 10_000 });
      const second = make(prefix, { shareLanesEveryMs: 200, closeTimeoutMs: 10_000 });
      const seen: (Seen & { i: number })[] = [];
      const handler = (consumer: string) => async (batch: readonly CommandDelivery[]) => {
        for (const d of batch) {
          seen.push({ ...record(d, consumer), i: (d.envelope.payload as { i: number }).i });
          await d.ack();
        }
      };
      const users = usersCoveringAllPartitions(PARTITIONS, 2);
      let rounds = 0;
      const sendRound = async () => {
        for (const u of users) await queue.send(makeCommand(u, 'task.update.v1', { i: rounds }));
        rounds += 1;
      };
      try {
        await first.consume(handler('first'), { maxBatch: 10, maxWaitMs: 10, parallel: PARTITIONS });
        await second.consume(handler('second'), { maxBatch: 10, maxWaitMs: 10, parallel: PARTITIONS });
        // Single active consumer: the first to register takes every partition (it hands lanes over
        // only once it is receiving from them, so the first delivery is always its own)...
        await sendRound();
        await waitFor(() => seen.length >= users.length, 'the first round', 30_000);
        expect(seen[0]?.consumer).toBe('first');
        // ...and hands half of them over once it sees two workers and itself receiving from all four lanes.
        await waitFor(async () => {
          await sendRound();
          return seen.some((s) => s.consumer === 'second');
        }, 'the second worker to receive commands', 30_000);
        // Settled: a round after a few more sharing periods goes two partitions to each worker.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const before = seen.length;
        await sendRound();
        await waitFor(() => new Set(seen.map((s) => s.commandId)).size === rounds * users.length, 'every command', 30_000);
        const lastRound = seen.slice(before).filter((s) => s.i === rounds - 1);
        const owners = new Map(lastRound.map((s) => [partitionOf(s.userId, PARTITIONS), s.consumer]));
        expect([...owners.values()].filter((c) => c === 'first')).toHaveLength(PARTITIONS / 2);
        expect([...owners.values()].filter((c) => c === 'second')).toHaveLength(PARTITIONS / 2);
        // Nothing lost, and each user's commands first seen in the order sent (a handover may
        // redeliver what was prefetched and not acked: at least once, the inbox dedupes).
        for (const u of users) {
          const firstSeen = [...new Map(seen.filter((s) => s.userId === u).map((s) => [s.commandId, s.i])).values()];
          expect(firstSeen).toEqual(Array.from({ length: rounds }, (_, k) => k));
        }
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });

    it('resolves send once the broker holds the command, in its partition queue, with the agreed properties', async () => {
      const command = makeCommand(randomUUID(), 'task.create.v1');
      const partition = partitionOf(command.userId, PARTITIONS);

      await queue.send(command);

      // basic.get is refused on single-active-consumer quorum queues (RESOURCE_LOCKED), so a
      // throwaway consumer looks at what waits in the queue.
      const peek = await admin.createChannel();
      const messages: ConsumeMessage[] = [];
      try {
        await peek.consume(`${prefix}.p${partition}`, (m) => m && messages.push(m), { noAck: true });
        await waitFor(() => messages.length > 0, 'the message in its partition queue');
      } finally {
        await peek.close();
      }
      const [message] = messages;
      expect(JSON.parse(message.content.toString('utf8'))).toEqual(command);
      expect(message.fields.exchange).toBe(prefix);
      expect(message.fields.routingKey).toBe(`p${partition}`);
      expect(message.properties).toMatchObject({
        messageId: command.commandId,
        type: command.type,
        contentType: 'application/json',
        deliveryMode: 2,
        timestamp: Math.floor(Date.parse(command.issuedAt) / 1000),
      });
    });

    it('declares the documented topology (re-asserting it with the same arguments succeeds)', async () => {
      await queue.send(makeCommand(randomUUID(), 'task.create.v1'));
      const probe = await admin.createChannel();
      probe.on('error', () => undefined);
      try {
        for (let n = 0; n < PARTITIONS; n++) {
          await probe.assertQueue(`${prefix}.p${n}`, {
            durable: true,
            arguments: {
              'x-queue-type': 'quorum',
              'x-single-active-consumer': true,
              // The broker's safety net for commands that kill their worker: max(50, 10 × attempts).
              'x-delivery-limit': Math.max(50, 10 * MAX_DELIVERIES) - 1,
              'x-dead-letter-exchange': `${prefix}.dlx`,
              'x-dead-letter-routing-key': 'dead',
            },
          });
        }
        await probe.assertQueue(`${prefix}.dead`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        await probe.checkExchange(prefix);
        await probe.checkExchange(`${prefix}.dlx`);
      } finally {
        await probe.close().catch(() => undefined);
      }
    });

    it('dead-letters a message that is not a command without handing it to the handler', async () => {
      const errors: string[] = [];
      await queue.close();
      queue = make(prefix, { onError: (m) => errors.push(m) });
      const seen: string[] = [];
      const subscription = await queue.consume(
        async (batch) => {
          for (const d of batch) {
            seen.push(d.envelope.commandId);
            await d.ack();
          }
        },
        { maxBatch: 10, maxWaitMs: 10 },
      );
      try {
        const good = makeCommand(randomUUID(), 'task.create.v1');
        const key = `p${partitionOf(good.userId, PARTITIONS)}`;
        channel.publish(prefix, key, Buffer.from('{not json'));
        channel.publish(prefix, key, Buffer.from(JSON.stringify({ hello: 'world' })));

        await queue.send(good);
        await waitFor(() => seen.includes(good.commandId), 'the good command');
        const dead: string[] = [];
        await waitFor(async () => {
          const message = await channel.get(`${prefix}.dead`, { noAck: true });
          if (message !== false) dead.push(message.content.toString('utf8'));
          return dead.length >= 2;
        }, 'both bad messages on the dead queue');

        expect(seen).toEqual([good.commandId]);
        expect(dead).toEqual(['{not json', JSON.stringify({ hello: 'world' })]);
        expect(errors.filter((m) => m.includes('not a command'))).toHaveLength(2);
      } finally {
        await subscription.close();
      }
    });

    it('rejects a send the broker cannot route (partition queue deleted)', async () => {
      const command = makeCommand(randomUUID(), 'task.create.v1');
      await queue.send(makeCommand(randomUUID(), 'task.create.v1'));
      await channel.deleteQueue(`${prefix}.p${partitionOf(command.userId, PARTITIONS)}`);

      await expect(queue.send(command)).rejects.toThrow(/unroutable/);
    });

    it('sends made in one turn (published together) each stand alone: an unroutable one fails, the others are confirmed (#13)', async () => {
      const users = Array.from({ length: 40 }, () => randomUUID());
      const lost = users.find((u) => partitionOf(u, PARTITIONS) === 1)!;
      await queue.send(makeCommand(randomUUID(), 'task.create.v1'));
      await channel.deleteQueue(`${prefix}.p1`);
      // All sent in one turn: published together, confirmed (or returned) one by one.
      const commands = users.map((u) => makeCommand(u, 'task.create.v1'));
      const outcomes = await Promise.allSettled(commands.map((c) => queue.send(c)));
      outcomes.forEach((outcome, i) => {
        if (partitionOf(commands[i].userId, PARTITIONS) === 1) expect(outcome).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/unroutable/) }) });
        else expect(outcome).toEqual({ status: 'fulfilled', value: undefined });
      });
      expect(partitionOf(lost, PARTITIONS)).toBe(1);
      // Every confirmed one is in its partition queue.
      for (const p of [0, 2, 3]) {
        const sent = commands.filter((c) => partitionOf(c.userId, PARTITIONS) === p).length;
        await waitFor(async () => (await channel.checkQueue(`${prefix}.p${p}`)).messageCount >= sent, `partition ${p} to hold its ${sent} commands`);
      }
    });

    it('hands over to the standby in order when the active consumer closes with prefetched commands', async () => {
      const user = randomUUID();
      const commands = Array.from({ length: 10 }, (_, i) => makeCommand(user, 'task.update.v1', { i }));
      for (const c of commands) await queue.send(c);
      // Holds 2 per queue, so most of the user's commands are still in the queue, not prefetched.
      const active = new RabbitMqCommandQueue({
        url: SERVICES.rabbitmq,
        prefix,
        partitions: PARTITIONS,
        maxDeliveries: MAX_DELIVERIES,
        prefetch: 2,
      });
      const standby = make(prefix);
      const seen: Seen[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      try {
        const subscription = await active.consume(
          async (batch) => {
            seen.push(...batch.map((d) => record(d, 'active')));
            await held;
            for (const d of batch) await d.ack();
          },
          { maxBatch: 1, maxWaitMs: 0 },
        );
        await standby.consume(acking(seen, 'standby'), { maxBatch: 10, maxWaitMs: 10 });
        await waitFor(() => seen.length === 1, 'the active consumer to take the first command');

        // Closing waits for the batch in progress; the prefetched second command must still
        // reach the standby before the commands behind it.
        const closing = subscription.close();
        setTimeout(release, 100);
        await closing;
        await waitFor(() => seen.length >= 10, 'the rest on the standby');

        expect(seen.map((s) => [s.consumer, s.commandId])).toEqual([
          ['active', commands[0].commandId],
          ...commands.slice(1).map((c) => ['standby', c.commandId]),
        ]);
        // RabbitMQ 3.10 counts the prefetched command handed back by the closed channel.
        expect(seen[1].deliveryCount).toBe(2);
      } finally {
        release();
        await Promise.all([active.close(), standby.close()]);
      }
    });

    it('a connection dropped while consume() sets up: it waits for the reconnect instead of failing, then consumes', async () => {
      const { proxy, url: viaProxy } = await TcpProxy.inFrontOf(SERVICES.rabbitmq, 5672);
      const errors: string[] = [];
      const flaky = new RabbitMqCommandQueue({
        url: viaProxy,
        prefix,
        partitions: PARTITIONS,
        maxDeliveries: MAX_DELIVERIES,
        reconnectTimeInSeconds: 0.1,
        onError: (m) => errors.push(m),
      });
      const seen: Seen[] = [];
      try {
        // The connection drops on the first basic.consume of partition 0 (class 60, method 20, a
        // reserved short, then the queue's name), i.e. while a lane's setup waits for the broker.
        const queueName = Buffer.from(`${prefix}.p0`);
        const dropped = proxy.dropWhenClientSends(Buffer.concat([Buffer.from([0x00, 0x3c, 0x00, 0x14, 0x00, 0x00, queueName.length]), queueName]));
        await flaky.consume(
          async (batch) => {
            seen.push(...batch.map((d) => record(d, 'flaky')));
            for (const d of batch) await d.ack();
          },
          { maxBatch: 10, maxWaitMs: 10, parallel: 2 },
        );
        await dropped;
        expect(errors.some((m) => m.includes('lost'))).toBe(true);
        const commands = usersCoveringAllPartitions(PARTITIONS, 1).map((u) => makeCommand(u, 'task.update.v1'));
        for (const command of commands) await queue.send(command);
        await waitFor(() => seen.length >= commands.length, 'every partition consumed after the reconnect');
        expect(new Set(seen.map((s) => s.commandId))).toEqual(new Set(commands.map((c) => c.commandId)));
      } finally {
        await flaky.close();
        await proxy.close();
      }
    });

    it('a broker refusal while consume() sets up (a queue declared with other arguments) fails it at once, not at the setup timeout', async () => {
      const probe = await admin.createChannel();
      probe.on('error', () => undefined);
      await probe.assertQueue(`${prefix}.p0`, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      await probe.close();
      const refused = make(prefix, { setupTimeoutMs: 20_000 });
      try {
        const started = Date.now();
        await expect(refused.consume(async () => undefined, { maxBatch: 10, maxWaitMs: 10 })).rejects.toThrow(/PRECONDITION_FAILED/);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await refused.close();
      }
    });

    it('survives a cut connection: sends meanwhile reject in time, consumption resumes, unacked is redelivered', async () => {
      const { proxy, url: viaProxy } = await TcpProxy.inFrontOf(SERVICES.rabbitmq, 5672);
      const errors: string[] = [];
      const flaky = new RabbitMqCommandQueue({
        url: viaProxy,
        prefix,
        partitions: PARTITIONS,
        maxDeliveries: MAX_DELIVERIES,
        publishTimeoutMs: 500,
        reconnectTimeInSeconds: 0.1,
        onError: (m) => errors.push(m),
      });
      const seen: Seen[] = [];
      let hold: Promise<void> | undefined;
      let release!: () => void;
      try {
        const user = randomUUID();
        const first = makeCommand(user, 'task.update.v1');
        await flaky.consume(
          async (batch) => {
            seen.push(...batch.map((d) => record(d, 'flaky')));
            if (hold) await hold;
            for (const d of batch) await d.ack();
          },
          { maxBatch: 10, maxWaitMs: 10 },
        );
        hold = new Promise<void>((resolve) => (release = resolve));
        await flaky.send(first);
        await waitFor(() => seen.length === 1, 'the first command');

        await proxy.cut();
        // Once the client knows, a send waits for a reconnect: bounded by publishTimeoutMs.
        await waitFor(() => errors.some((m) => m.includes('lost')), 'the client to notice');
        const started = Date.now();
        const lost = makeCommand(user, 'task.update.v1');
        await expect(flaky.send(lost)).rejects.toThrow(/not confirmed within 500 ms/);
        expect(Date.now() - started).toBeLessThan(1500);
        // The batch in progress settles on a channel that is gone: no throw, the broker has it back.
        hold = undefined;
        release();
        await proxy.restore();

        const after = makeCommand(user, 'task.update.v1');
        await waitFor(async () => {
          try {
            await flaky.send(after);
            return true;
          } catch {
            return false;
          }
        }, 'a send after the reconnect');
        await waitFor(() => seen.some((s) => s.commandId === after.commandId), 'the command sent after the reconnect');

        expect(seen.map((s) => [s.commandId, s.deliveryCount])).toEqual([
          [first.commandId, 1],
          // Its ack went nowhere; the broker counted the lost consumer's delivery.
          [first.commandId, 2],
          [after.commandId, 1],
        ]);
      } finally {
        release?.();
        await flaky.close();
        await proxy.close();
      }
    });

    it('heals a deleted partition queue: the consumer re-declares it and consumes again', async () => {
      const errors: string[] = [];
      await queue.close();
      queue = make(prefix, { onError: (m) => errors.push(m) });
      const seen: Seen[] = [];
      const subscription = await queue.consume(acking(seen), { maxBatch: 10, maxWaitMs: 10 });
      try {
        const user = randomUUID();
        const before = makeCommand(user, 'task.update.v1');
        await queue.send(before);
        await waitFor(() => seen.length === 1, 'the first command');

        await channel.deleteQueue(`${prefix}.p${partitionOf(user, PARTITIONS)}`);
        await waitFor(() => errors.some((m) => m.includes('cancelled the consumer')), 'the broker to cancel the consumer');
        const after = makeCommand(user, 'task.update.v1');
        // Unroutable until the reopened channel has declared the queue again.
        await waitFor(async () => {
          try {
            await queue.send(after);
            return true;
          } catch {
            return false;
          }
        }, 'a routable send');
        await waitFor(() => seen.some((s) => s.commandId === after.commandId), 'the command after the healing');

        expect(seen.map((s) => s.commandId)).toEqual([before.commandId, after.commandId]);
      } finally {
        await subscription.close();
      }
    });

    it('rejects send within publishTimeoutMs when the broker is unreachable', async () => {
      const unreachable = new RabbitMqCommandQueue({ url: DEAD_PORT_URL, prefix, publishTimeoutMs: 500 });
      try {
        const started = Date.now();
        await expect(unreachable.send(makeCommand(randomUUID(), 'task.create.v1'))).rejects.toThrow(
          /not confirmed within 500 ms/,
        );
        expect(Date.now() - started).toBeLessThan(1500);
      } finally {
        await unreachable.close();
      }
    });

    it('pings: passes for the broker and fails for a dead port', async () => {
      await expect(queue.ping(2000)).resolves.toBeUndefined();

      const unreachable = new RabbitMqCommandQueue({ url: DEAD_PORT_URL, prefix });
      try {
        await expect(unreachable.ping(500)).rejects.toThrow(
          /not connected within 500 ms/,
        );
      } finally {
        await unreachable.close();
      }
    });
  });
});

/** A handler that records every delivery and acks it. */
function acking(seen: Seen[], consumer = 'c') {
  return async (batch: readonly CommandDelivery[]) => {
    for (const d of batch) {
      seen.push(record(d, consumer));
      await d.ack();
    }
  };
}

function record(d: CommandDelivery, consumer: string): Seen {
  return { commandId: d.envelope.commandId, userId: d.envelope.userId, deliveryCount: d.deliveryCount, consumer };
}

let sequence = 0;

function makeCommand(userId: string, type: string, payload: Record<string, unknown> = {}): CommandEnvelope {
  sequence += 1;
  return {
    commandId: randomUUID(),
    userId,
    type,
    payload: { ...payload, title: `command ${sequence}`, nested: { tags: ['a', 'b'], ratio: 1.5, none: null } },
    issuedAt: new Date(Date.UTC(2030, 0, 1, 12, 0, sequence % 60, 123)).toISOString(),
  };
}

/** `perPartition` users for every partition. */
function usersCoveringAllPartitions(partitions: number, perPartition: number): string[] {
  const byPartition = new Map<number, string[]>();
  while ([...byPartition.values()].filter((u) => u.length >= perPartition).length < partitions) {
    const user = randomUUID();
    const p = partitionOf(user, partitions);
    const list = byPartition.get(p) ?? [];
    if (list.length < perPartition) list.push(user);
    byPartition.set(p, list);
  }
  return [...byPartition.values()].flat();
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
