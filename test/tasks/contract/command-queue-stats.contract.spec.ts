import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { v7 } from 'uuid';
import { partitionOf, type CommandDelivery, type CommandEnvelope, type CommandQueue } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { type CommandQueueStats } from '@ln/tasks/application/queued-writes/ports/command-queue-stats.port';
import { type Subscription } from '@ln/kernel/application/ports/event-transport.port';
import { InProcessCommandQueue } from '@ln/tasks/adapters/messaging/in-process-command-queue.adapter';
import { RabbitMqCommandQueue } from '@ln/tasks/adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter';
import { SERVICES, describeWithService } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';

const PARTITIONS = 3;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A user id whose commands go to `partition`. */
function userOf(partition: number): string {
  for (;;) {
    const id = v7();
    if (partitionOf(id, PARTITIONS) === partition) return id;
  }
}

const envelope = (userId: string): CommandEnvelope => ({
  commandId: v7(),
  userId,
  type: 'task.complete.v1',
  payload: { id: v7() },
  issuedAt: new Date().toISOString(),
});

type Queue = CommandQueue & CommandQueueStats;

function statsContract(name: string, open: (maxDeliveries: number) => Queue, cleanup: () => Promise<void>): void {
  describe(`CommandQueueStats: ${name}`, () => {
    const queues: Queue[] = [];
    const subscriptions: Subscription[] = [];
    const make = (maxDeliveries = 3) => {
      const q = open(maxDeliveries);
      queues.push(q);
      return q;
    };
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await Promise.all(queues.splice(0).map((q) => q.close()));
      await cleanup();
    });

    it('counts, per partition, the commands published and not yet consumed; a drained queue counts 0', async () => {
      const q = make();
      const sent = [3, 0, 2];
      for (let p = 0; p < PARTITIONS; p++) {
        const user = userOf(p);
        for (let i = 0; i < sent[p]; i++) await q.send(envelope(user));
      }
      expect(await q.depths(2000)).toEqual({ partitions: sent, deadLetters: 0 });

      const applied: string[] = [];
      subscriptions.push(
        await q.consume(
          async (batch: readonly CommandDelivery[]) => {
            for (const d of batch) {
              applied.push(d.envelope.commandId);
              await d.ack();
            }
          },
          { maxBatch: 10, maxWaitMs: 5 },
        ),
      );
      await waitFor('every command to be consumed', () => applied.length === 5);
      await waitFor('the depths to drop to 0', async () => (await q.depths(2000)).partitions.every((n) => n === 0));
      expect(await q.depths(2000)).toEqual({ partitions: [0, 0, 0], deadLetters: 0 });
    });

    it('counts the dead-lettered commands', async () => {
      const q = make(1);
      subscriptions.push(
        await q.consume(
          async (batch: readonly CommandDelivery[]) => {
            for (const d of batch) await d.retry();
          },
          { maxBatch: 10, maxWaitMs: 5 },
        ),
      );
      await q.send(envelope(userOf(0)));
      await q.send(envelope(userOf(2)));
      await waitFor('two dead letters', async () => (await q.depths(2000)).deadLetters === 2);
      expect((await q.depths(2000)).partitions).toEqual([0, 0, 0]);
    });
  });
}

statsContract(
  'in-process',
  (maxDeliveries) => new InProcessCommandQueue({ partitions: PARTITIONS, maxDeliveries }),
  async () => undefined,
);

describeWithService('rabbitmq', 'command queue depths on RabbitMQ', () => {
  const prefixes: string[] = [];
  statsContract(
    'RabbitMQ',
    (maxDeliveries) => {
      const prefix = `ln.test.stats.${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      return new RabbitMqCommandQueue({ url: SERVICES.rabbitmq, prefix, partitions: PARTITIONS, maxDeliveries });
    },
    async () => {
      const conn = await amqp.connect(SERVICES.rabbitmq);
      try {
        const ch = await conn.createChannel();
        for (const prefix of prefixes.splice(0)) {
          for (let p = 0; p < PARTITIONS; p++) await ch.deleteQueue(`${prefix}.p${p}`);
          await ch.deleteQueue(`${prefix}.dead`);
          await ch.deleteExchange(prefix);
          await ch.deleteExchange(`${prefix}.dlx`);
        }
        await ch.close();
      } finally {
        await conn.close();
      }
    },
  );

  it('rejects (does not wait for a reconnect) while the broker is unreachable, and counts again once it is back', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(SERVICES.rabbitmq).port || 5672) });
    const url = new URL(SERVICES.rabbitmq);
    url.port = String(proxy.port);
    const prefix = `ln.test.stats.${randomBytes(4).toString('hex')}`;
    const q = new RabbitMqCommandQueue({ url: url.toString(), prefix, partitions: PARTITIONS, reconnectTimeInSeconds: 0.2 });
    try {
      await q.send(envelope(userOf(1)));
      expect(await q.depths(2000)).toEqual({ partitions: [0, 1, 0], deadLetters: 0 });
      await proxy.cut();
      await waitFor('the queue to notice', async () => {
        try {
          await q.depths(500);
          return false;
        } catch {
          return true;
        }
      });
      await proxy.restore();
      await waitFor('counts once the broker is back', async () => {
        try {
          return (await q.depths(500)).partitions[1] === 1;
        } catch {
          return false;
        }
      });
    } finally {
      await q.close();
      await proxy.close();
      const conn = await amqp.connect(SERVICES.rabbitmq);
      const ch = await conn.createChannel();
      for (let p = 0; p < PARTITIONS; p++) await ch.deleteQueue(`${prefix}.p${p}`);
      await ch.deleteQueue(`${prefix}.dead`);
      await ch.deleteExchange(prefix);
      await ch.deleteExchange(`${prefix}.dlx`);
      await conn.close();
    }
  });
});
