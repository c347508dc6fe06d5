import 'reflect-metadata';
import { RabbitMqCommandQueue } from '@ln/tasks/adapters/messaging/rabbitmq/rabbitmq-command-queue.adapter';
import { ConfigError, loadConfig } from '@ln/config/config';

/**
 * `npm run dead-letters -- list [N]` prints the dead-lettered commands (one JSON line each);
 * `npm run dead-letters -- replay [N]` sends them back to their partitions (see docs/operations.md).
 */
async function main(): Promise<void> {
  const [command = 'list', count = '100'] = process.argv.slice(2);
  const limit = Number(count);
  if (!['list', 'replay'].includes(command) || !Number.isInteger(limit) || limit < 1) {
    throw new ConfigError(['usage: dead-letters list|replay [N]']);
  }
  const config = loadConfig(process.env);
  if (config.transport.kind !== 'rabbitmq') throw new ConfigError(['AMQP_URL: required (dead letters live in RabbitMQ)']);
  const queue = new RabbitMqCommandQueue({
    url: config.transport.url,
    prefix: config.commands.queueName,
    partitions: config.commands.partitions,
    maxDeliveries: config.commands.deliveryLimit,
  });
  try {
    if (command === 'list') {
      for (const letter of await queue.deadLetters(limit)) process.stdout.write(`${JSON.stringify(letter)}\n`);
    } else {
      process.stdout.write(`replayed ${await queue.replayDeadLetters(limit)}\n`);
    }
  } finally {
    await queue.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
