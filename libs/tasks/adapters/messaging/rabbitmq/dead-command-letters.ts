import { type CommandEnvelope } from '../../../application/queued-writes/ports/command-queue.port';
import type { Channel, ChannelModel, Message } from 'amqplib';
import { type RabbitMqErrorSink, type RabbitMqLink } from '@ln/kernel/adapters/messaging/rabbitmq-link';
import { type CommandTopology, decodeEnvelope, publishOptions } from './command-topology';

/** A dead-lettered command as an operator sees it. */
export interface DeadCommandLetter {
  readonly commandId: string | null;
  readonly type: string | null;
  readonly userId: string | null;
  /** Why and how often RabbitMQ dead-lettered it (from `x-death`), when it says. */
  readonly reason: string | null;
  readonly deliveries: number | null;
  readonly body: string;
}

/** The dead-letter queue of the command queue, for an operator: list and replay. */
export class DeadCommandLetters {
  constructor(
    private readonly link: RabbitMqLink,
    private readonly topology: CommandTopology,
    private readonly setupTimeoutMs: number,
    private readonly report: RabbitMqErrorSink,
  ) {}

  /**
   * The dead-lettered commands (up to `limit`), for an operator to inspect. They are put back
   * untouched; their order in the dead-letter queue may rotate.
   */
  async list(limit: number): Promise<DeadCommandLetter[]> {
    const channel = await this.open((connection) => connection.createChannel());
    const taken: Message[] = [];
    try {
      while (taken.length < limit) {
        const message = await channel.get(this.topology.deadQueue, { noAck: false });
        if (!message) break;
        taken.push(message);
      }
      return taken.map(describeDead);
    } finally {
      for (const message of taken) channel.nack(message, false, true);
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Sends dead-lettered commands (up to `limit`) back to their user's partition, each confirmed by
   * the broker before it leaves the dead-letter queue, so a replay loses nothing. Replaying a
   * command that had in fact been applied is harmless: the worker's inbox skips it. A message that
   * is not a command envelope stays where it is, and the replay stops there. Returns how many
   * were sent back.
   */
  async replay(limit: number): Promise<number> {
    const channel = await this.open((connection) => connection.createConfirmChannel());
    const { exchange, deadQueue } = this.topology;
    let replayed = 0;
    try {
      while (replayed < limit) {
        const message = await channel.get(deadQueue, { noAck: false });
        if (!message) break;
        let envelope: CommandEnvelope;
        try {
          envelope = decodeEnvelope(message.content.toString('utf8'));
        } catch (error) {
          channel.nack(message, false, true);
          this.report(`dead letter ${String(message.properties.messageId)} is not a command; left in ${deadQueue}`, error);
          break;
        }
        channel.publish(exchange, this.topology.partitionKey(envelope.userId), message.content, publishOptions(envelope));
        await channel.waitForConfirms();
        channel.ack(message);
        replayed += 1;
      }
      return replayed;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** A channel of its own. The topology is asserted: before any worker ran, no queue may exist (an empty list, not an error). */
  private async open<C extends Channel>(create: (connection: ChannelModel) => Promise<C>): Promise<C> {
    const connection = this.link.manager.connection ?? (await this.link.nextConnection(this.setupTimeoutMs));
    const channel = await create(connection);
    channel.on('error', () => undefined);
    await this.topology.assert(channel);
    return channel;
  }
}

function describeDead(message: Message): DeadCommandLetter {
  const body = message.content.toString('utf8');
  let envelope: Partial<CommandEnvelope> = {};
  try {
    envelope = JSON.parse(body) as Partial<CommandEnvelope>;
  } catch {
    // Not JSON: shown as it is.
  }
  const death = (message.properties.headers?.['x-death'] as { reason?: string; count?: number }[] | undefined)?.[0];
  const delivered = message.properties.headers?.['x-delivery-count'];
  return {
    commandId: typeof envelope.commandId === 'string' ? envelope.commandId : ((message.properties.messageId as string | undefined) ?? null),
    type: typeof envelope.type === 'string' ? envelope.type : null,
    userId: typeof envelope.userId === 'string' ? envelope.userId : null,
    reason: death?.reason ?? null,
    deliveries: typeof delivered === 'number' ? delivered : (death?.count ?? null),
    body,
  };
}
