import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { v7 } from 'uuid';
import type { CommandDelivery, CommandEnvelope } from '@ln/tasks/application/queued-writes/ports/command-queue.port';
import { RabbitMqCommandQueue } from '@ln/tasks/adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter';
import { SERVICES, describeWithService } from '../../support/services';

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What an operator does with poison commands: look at them, then send them back once fixed. */
describeWithService('rabbitmq', 'dead-lettered commands: inspect and replay', () => {
  const prefix = `ln.test.dead.${randomBytes(4).toString('hex')}`;
  const queues: RabbitMqCommandQueue[] = [];
  const open = () => {
    const q = new RabbitMqCommandQueue({ url: SERVICES.rabbitmq, prefix, partitions: 2, maxDeliveries: 2 });
    queues.push(q);
    return q;
  };

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    const conn = await amqp.connect(SERVICES.rabbitmq);
    const ch = await conn.createChannel();
    for (const q of [`${prefix}.p0`, `${prefix}.p1`, `${prefix}.dead`]) await ch.deleteQueue(q).catch(() => undefined);
    for (const x of [prefix, `${prefix}.dlx`]) await ch.deleteExchange(x).catch(() => undefined);
    await conn.close();
  });

  it('lists a poison command with why it died, and replays it to a consumer that now accepts it', async () => {
    const envelope: CommandEnvelope = { commandId: v7(), userId: v7(), type: 'task.complete.v1', payload: { id: v7() }, issuedAt: new Date().toISOString() };
    const failing = open();
    const seen: number[] = [];
    const sub = await failing.consume(
      async (batch: readonly CommandDelivery[]) => {
        for (const d of batch) {
          seen.push(d.deliveryCount);
          await d.retry();
        }
      },
      { maxBatch: 10, maxWaitMs: 5 },
    );
    await failing.send(envelope);
    await waitFor('the command to be dead-lettered', async () => (await failing.deadLetters()).length === 1);
    await sub.close();
    expect(seen).toEqual([1, 2]);

    const [letter] = await failing.deadLetters();
    expect(letter).toMatchObject({ commandId: envelope.commandId, type: envelope.type, userId: envelope.userId, reason: expect.any(String) });
    // Listing leaves it where it was.
    expect(await failing.deadLetters()).toHaveLength(1);

    const fixed = open();
    const received: CommandEnvelope[] = [];
    const ok = await fixed.consume(
      async (batch) => {
        for (const d of batch) {
          received.push(d.envelope);
          await d.ack();
        }
      },
      { maxBatch: 10, maxWaitMs: 5 },
    );
    await expect(fixed.replayDeadLetters()).resolves.toBe(1);
    await waitFor('the replayed command', () => received.length === 1);
    expect(received[0]).toEqual(envelope);
    expect(await fixed.deadLetters()).toEqual([]);
    await ok.close();
  }, 30_000);
});
