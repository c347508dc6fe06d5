import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ChannelModel } from 'amqplib';

/** Logger-shaped sink, e.g. `(message, error) => logger.error(message, error)`. */
export type RabbitMqErrorSink = (message: string, error: unknown) => void;

/**
 * One reconnecting connection to the broker and what every adapter on it needs: fault reports
 * that never throw, bounded waits for a connection, and a ping that proves the broker answers.
 * Shared by the event transport and the command queue so both behave alike under faults.
 */
export class RabbitMqLink {
  readonly manager: AmqpConnectionManager;
  /** The URL without its password, for messages. */
  readonly where: string;
  private lastConnectError: unknown;

  constructor(
    url: string,
    options: { reconnectTimeInSeconds?: number; connectTimeoutMs: number; report: RabbitMqErrorSink; blockedEffect: string },
  ) {
    this.where = redactUrl(url);
    const report = options.report;
    this.manager = connect([url], {
      reconnectTimeInSeconds: options.reconnectTimeInSeconds,
      connectionOptions: { timeout: options.connectTimeoutMs },
    });
    this.manager.on('connect', () => {
      this.lastConnectError = undefined;
    });
    this.manager.on('connectFailed', ({ err }) => {
      this.lastConnectError = err;
      report(`RabbitMQ connection to ${this.where} failed; retrying`, err);
    });
    this.manager.on('disconnect', ({ err }) => {
      report(`RabbitMQ connection to ${this.where} lost; reconnecting`, err);
    });
    this.manager.on('blocked', ({ reason }) => {
      report(`RabbitMQ blocked publishing (${reason}); ${options.blockedEffect} will time out until it unblocks`, undefined);
    });
  }

  /** A channel the broker closes emits 'error'; unheard, amqplib would rethrow it and crash. */
  watch(channel: Channel, what: string, report: RabbitMqErrorSink): void {
    channel.on('error', (error: unknown) => report(`RabbitMQ ${what} channel closed by the broker`, error));
  }

  nextConnection(timeoutMs: number): Promise<ChannelModel> {
    return new Promise((resolve, reject) => {
      // The event's payload is typed as amqplib's bare Connection; the manager's getter has the model.
      const onConnect = () => {
        const connection = this.manager.connection;
        if (!connection) return;
        cleanup();
        resolve(connection);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`RabbitMQ at ${this.where} not connected within ${timeoutMs} ms.${this.lastConnectErrorText()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.manager.removeListener('connect', onConnect);
      };
      this.manager.on('connect', onConnect);
    });
  }

  lastConnectErrorText(): string {
    return this.lastConnectError === undefined ? '' : ` Last connect error: ${errorText(this.lastConnectError)}`;
  }

  /**
   * Proves the broker answers, not just that a socket is open: waits (bounded) for a connection,
   * then opens and closes a channel on it.
   */
  async ping(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const connection = this.manager.connection ?? (await this.nextConnection(timeoutMs));
    const opening = connection.createChannel();
    const channel = await withTimeout(opening, Math.max(deadline - Date.now(), 1), () => {
      // If it opens after all, do not leak it.
      opening.then((late) => late.close()).catch(() => undefined);
      return `RabbitMQ at ${this.where} did not open a channel within ${timeoutMs} ms`;
    });
    channel.on('error', () => undefined);
    await channel.close();
  }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable url)';
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
