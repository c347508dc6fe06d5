import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ChannelModel, ConfirmChannel, Message } from 'amqplib';

/** Logger-shaped sink, e.g. `(message, error) => logger.error(message, error)`. */
export type RabbitMqErrorSink = (message: string, error: unknown) => void;

/**
 * A sink that writes one line per report: the message, then what the error said when there is one
 * (a failing handler's exception, a connection error), so a log shows why and not only what.
 */
export function lineSink(write: (line: string) => void): RabbitMqErrorSink {
  return (message, error) => write(error === undefined ? message : `${message}: ${errorText(error)}`);
}

/** A consumer (subscription) on a link: `ready` once it consumes, `closed` once it has closed. */
export interface RabbitMqConsumer {
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Whether the broker refused an operation on a channel (a soft error: 311, 313, 403-406, e.g. a
 * queue declared with other arguments), which retrying will not mend, rather than the channel or
 * connection going away under it (no reply code, or a connection-level one), which a reconnect
 * does. A consumer fails its setup at once on the first and waits for the next connection on the
 * second, within its setup timeout.
 */
export function refusedByBroker(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 311 || code === 313 || (typeof code === 'number' && code >= 403 && code <= 406);
}

/**
 * One reconnecting connection to the broker and what every adapter on it needs: fault reports
 * that never throw, bounded waits for a connection, a ping that proves the broker answers, the
 * confirm channels publishers use, the consumers' setup, queue counts for monitoring, and closing
 * it all in order.
 * Shared by the event transport and the command queue so both behave alike under faults.
 */
export class RabbitMqLink {
  readonly manager: AmqpConnectionManager;
  /** The URL without its password, for messages. */
  readonly where: string;
  private readonly report: RabbitMqErrorSink;
  private readonly publishers: ChannelWrapper[] = [];
  private readonly consumers = new Set<RabbitMqConsumer>();
  /** A plain channel kept for messageCounts(); dropped when it closes or stops answering. */
  private statsChannel?: Promise<Channel>;
  private lastConnectError: unknown;

  constructor(
    url: string,
    options: { reconnectTimeInSeconds?: number; connectTimeoutMs: number; report: RabbitMqErrorSink; blockedEffect: string },
  ) {
    this.where = redactUrl(url);
    this.report = options.report;
    const report = this.report;
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
  watch(channel: Channel, what: string): void {
    channel.on('error', (error: unknown) => this.report(`RabbitMQ ${what} channel closed by the broker`, error));
  }

  /**
   * A confirm channel for publishing, whose `setup` (which asserts the topology) the manager re-runs
   * on every new channel, i.e. after each reconnect, so a broker restart or a deleted queue heals.
   */
  publisher(name: string, what: string, setup: (channel: ConfirmChannel) => Promise<void>): ChannelWrapper {
    const publisher = this.manager.createChannel({
      name,
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.watch(channel, what);
        await setup(channel);
      },
    });
    // ChannelWrapper is an EventEmitter: an 'error' nobody listens to would crash the process.
    publisher.on('error', (error: unknown) => this.report(`RabbitMQ ${what} channel failed`, error));
    this.publishers.push(publisher);
    return publisher;
  }

  /**
   * Why a publish through a `publisher()` with the wrapper's per-message `timeout` failed, for the
   * caller's message. Why that timeout: ADR 10, "Publish timeouts".
   */
  publishFailure(error: unknown, timeoutMs: number): string {
    return error instanceof Error && error.message === 'timeout'
      ? `not confirmed within ${timeoutMs} ms; is RabbitMQ at ${this.where} reachable?${this.lastConnectErrorText()}`
      : error instanceof Error && error.message === 'message nacked'
        ? 'nacked by the broker'
        : `failed: ${errorText(error)}`;
  }

  /**
   * Keeps `consumer` (for close()) until it closes, and waits (bounded) until it is set up; if it
   * is not, closes it and rejects with `<what> <why>`.
   */
  async setUp<T extends RabbitMqConsumer>(consumer: T, timeoutMs: number, what: string): Promise<T> {
    this.consumers.add(consumer);
    void consumer.closed.then(() => this.consumers.delete(consumer));
    try {
      await withTimeout(
        consumer.ready,
        timeoutMs,
        () => `not set up within ${timeoutMs} ms; is RabbitMQ at ${this.where} reachable?${this.lastConnectErrorText()}`,
      );
    } catch (error: unknown) {
      await consumer.close();
      throw new Error(`${what} ${errorText(error)}`, { cause: error });
    }
    return consumer;
  }

  /**
   * The messages ready in each of `queues` (passive `queue.declare`s on a channel of their own, kept
   * between calls), for monitoring. Never waits for a connection: when there is none it rejects at
   * once, and a broker that does not answer within `timeoutMs` makes it reject (its channel is
   * dropped). A queue that does not exist (404) rejects it too. `what` names the queues in messages.
   */
  async messageCounts(queues: readonly string[], timeoutMs: number, what: string): Promise<number[]> {
    const connection = this.manager.connection;
    if (!connection) throw new Error(`RabbitMQ at ${this.where} is not connected${this.lastConnectErrorText()}`);
    const opened = (this.statsChannel ??= this.openStatsChannel(connection));
    const counting = (async () => {
      const channel = await opened;
      // amqplib runs one RPC at a time per channel and queues the rest: one round trip each.
      return Promise.all(queues.map(async (queue) => (await channel.checkQueue(queue)).messageCount));
    })();
    try {
      return await withTimeout(counting, timeoutMs, () => `RabbitMQ at ${this.where} did not count ${what} within ${timeoutMs} ms`);
    } catch (error: unknown) {
      // A missing queue (404) has closed the channel already; a stuck one must not be reused.
      if (this.statsChannel === opened) this.statsChannel = undefined;
      counting.catch(() => undefined);
      void opened.then((channel) => channel.close()).catch(() => undefined);
      throw error;
    }
  }

  private openStatsChannel(connection: ChannelModel): Promise<Channel> {
    const opening = connection.createChannel().then((channel) => {
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.statsChannel === opening) this.statsChannel = undefined;
      });
      return channel;
    });
    opening.catch(() => {
      if (this.statsChannel === opening) this.statsChannel = undefined;
    });
    return opening;
  }

  /**
   * Closes the consumers and the counting channel, then the publishers (which rejects whatever
   * still waits for a confirm, so no publish hangs past close) and the connection.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((consumer) => consumer.close()));
    const stats = this.statsChannel;
    this.statsChannel = undefined;
    await stats?.then((channel) => channel.close()).catch(() => undefined);
    for (const publisher of this.publishers) await publisher.close().catch(() => undefined);
    await this.manager.close();
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

/** A dead-letter exchange (direct) and the quorum queue bound to it with `routingKey`. */
export async function assertDeadLetterQueue(channel: Channel, exchange: string, queue: string, routingKey: string): Promise<void> {
  await channel.assertExchange(exchange, 'direct', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(queue, exchange, routingKey);
}

/**
 * A durable quorum queue that RabbitMQ dead-letters a message from once it was delivered
 * `deliveries` times. Why: ADR 10, "Delivery limits".
 */
export async function assertQuorumQueue(
  channel: Channel,
  queue: string,
  options: { deliveries: number; deadLetterExchange: string; deadLetterRoutingKey: string; singleActiveConsumer?: boolean },
): Promise<void> {
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      ...(options.singleActiveConsumer ? { 'x-single-active-consumer': true } : {}),
      // Limit N allows N + 1 deliveries (3.10), and 3.x has no default at all.
      'x-delivery-limit': options.deliveries - 1,
      'x-dead-letter-exchange': options.deadLetterExchange,
      'x-dead-letter-routing-key': options.deadLetterRoutingKey,
    },
  });
}

/** 1 for the first delivery; quorum queues stamp x-delivery-count (returns so far) on redeliveries. */
export function deliveryNumber(message: Message): number {
  const headers = message.properties.headers as Record<string, unknown> | undefined;
  const count = headers?.['x-delivery-count'];
  return (typeof count === 'number' ? count : 0) + 1;
}

/** An AMQP timestamp (whole seconds) for an ISO time, or for now when it does not parse. */
export function amqpTimestamp(iso: string): number {
  const at = Date.parse(iso);
  return Math.floor((Number.isNaN(at) ? Date.now() : at) / 1000);
}

export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Settled from broker callbacks; a rejection nobody awaits yet must not become unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
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
