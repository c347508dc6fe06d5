import { partitionOf, type CommandEnvelope } from '../../../application/queued-writes/ports/command-queue.port';
import type { Channel, Options } from 'amqplib';
import { amqpTimestamp, assertDeadLetterQueue, assertQuorumQueue } from '@ln/kernel/adapters/messaging/rabbitmq-link';

/**
 * The command queue's exchanges and queues, and the message format on them. Why: ADR 9,
 * "RabbitMQ topology".
 */
export class CommandTopology {
  /** The direct exchange commands are sent to, and the prefix of every queue. */
  readonly exchange: string;
  readonly deadLetterExchange: string;
  readonly deadQueue: string;
  /** A plain queue every consuming worker registers on (nothing is sent to it): its consumer count is the number of workers. */
  readonly presenceQueue: string;

  constructor(
    prefix: string,
    readonly partitions: number,
    /** `x-delivery-limit` + 1: the broker's safety net (ADR 9, "Poison limit"). */
    private readonly brokerDeliveryLimit: number,
  ) {
    this.exchange = prefix;
    this.deadLetterExchange = `${prefix}.dlx`;
    this.deadQueue = `${prefix}.dead`;
    this.presenceQueue = `${prefix}.workers`;
  }

  /** Routing key (and queue suffix) of a user's partition. */
  partitionKey(userId: string): string {
    return `p${partitionOf(userId, this.partitions)}`;
  }

  /** The partition queues, `<prefix>.p<n>`, by partition. */
  queues(): string[] {
    return Array.from({ length: this.partitions }, (_, n) => `${this.exchange}.p${n}`);
  }

  async assert(channel: Channel): Promise<void> {
    await channel.assertExchange(this.exchange, 'direct', { durable: true });
    await assertDeadLetterQueue(channel, this.deadLetterExchange, this.deadQueue, 'dead');
    for (const [n, queue] of this.queues().entries()) {
      await assertQuorumQueue(channel, queue, {
        singleActiveConsumer: true,
        deliveries: this.brokerDeliveryLimit,
        deadLetterExchange: this.deadLetterExchange,
        deadLetterRoutingKey: 'dead',
      });
      await channel.bindQueue(queue, this.exchange, `p${n}`);
    }
  }
}

export function publishOptions(envelope: CommandEnvelope): Options.Publish {
  return {
    persistent: true,
    messageId: envelope.commandId,
    type: envelope.type,
    contentType: 'application/json',
    timestamp: amqpTimestamp(envelope.issuedAt),
  };
}

export function decodeEnvelope(body: string): CommandEnvelope {
  const parsed: unknown = JSON.parse(body);
  const fields = parsed as Partial<Record<keyof CommandEnvelope, unknown>> | null;
  if (
    typeof parsed !== 'object' ||
    fields === null ||
    typeof fields.commandId !== 'string' ||
    typeof fields.userId !== 'string' ||
    typeof fields.type !== 'string' ||
    typeof fields.payload !== 'object' ||
    fields.payload === null
  ) {
    throw new Error('body is JSON but not a command envelope (string commandId, userId, type and an object payload)');
  }
  return parsed as CommandEnvelope;
}
