import type { Channel } from 'amqplib';
import { type RabbitMqConsumer, type RabbitMqErrorSink, type RabbitMqLink, deferred } from '@ln/kernel/adapters/messaging/rabbitmq-link';
import type { RabbitMqCommandConsumer } from './rabbitmq-command-consumer.adapter';

/** Pause before reopening the presence channel after it closed under a live connection. */
const REOPEN_DELAY_MS = 1000;

export interface LaneSharingOptions {
  readonly name: string;
  /** A plain queue every worker consumes (nothing is ever sent to it): its consumer count is the number of workers. */
  readonly presenceQueue: string;
  /** How often to compare the lanes this worker is receiving from with its share. */
  readonly rebalanceMs: number;
  readonly report: RabbitMqErrorSink;
}

interface Lane {
  readonly partitions: readonly number[];
  consumer: RabbitMqCommandConsumer;
}

/**
 * A worker's command consumption as one consumer per lane, each on a channel of its own, so that
 * workers can share the partitions. Every worker registers on every partition (single active
 * consumer: the first registered is active, the others are its standbys, ADR 9); the first worker
 * to start is therefore active everywhere. Every `rebalanceMs` a worker counts the workers (the
 * consumers of the presence queue) and the lanes it is receiving from; past its share
 * (lanes / workers, rounded up) it hands the extra lanes over: it closes that lane's consumer,
 * which waits for the lane's batch in progress and closes its channel (the broker puts what was
 * unacknowledged back in front, in order, and activates the next registered consumer: ADR 9,
 * "Closing a consumer"), then registers again, now behind the others. Why: docs/scaling.md.
 */
export class LaneSharingConsumer implements RabbitMqConsumer {
  private readonly readyDeferred = deferred();
  private readonly closedDeferred = deferred();
  readonly ready = this.readyDeferred.promise;
  readonly closed = this.closedDeferred.promise;
  private readonly lanes: Lane[];
  private readonly onConnect = () => void this.openPresence();
  private presence?: Promise<Channel>;
  private reopenTimer?: NodeJS.Timeout;
  private readonly timer: NodeJS.Timeout;
  private rebalancing = false;
  private stopping = false;
  private closing?: Promise<void>;

  constructor(
    partitionsByLane: readonly (readonly number[])[],
    private readonly make: (partitions: readonly number[]) => RabbitMqCommandConsumer,
    private readonly link: RabbitMqLink,
    private readonly options: LaneSharingOptions,
  ) {
    this.lanes = partitionsByLane.map((partitions) => ({ partitions, consumer: make(partitions) }));
    link.manager.on('connect', this.onConnect);
    void this.openPresence();
    Promise.all(this.lanes.map((lane) => lane.consumer.ready)).then(
      () => this.readyDeferred.resolve(),
      (error: unknown) => this.readyDeferred.reject(error),
    );
    this.timer = setInterval(() => void this.rebalance(), options.rebalanceMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      clearInterval(this.timer);
      clearTimeout(this.reopenTimer);
      this.link.manager.removeListener('connect', this.onConnect);
      this.readyDeferred.reject(new Error('was closed before it was set up'));
      await Promise.all(this.lanes.map((lane) => lane.consumer.close()));
      const presence = this.presence;
      this.presence = undefined;
      await presence?.then((channel) => channel.close()).catch(() => undefined);
      this.closedDeferred.resolve();
    })();
    return this.closing;
  }

  private openPresence(): Promise<Channel> | undefined {
    const connection = this.link.manager.connection;
    if (this.stopping || !connection) return undefined;
    const opening = (async () => {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.presence !== opening) return;
        this.presence = undefined;
        if (!this.stopping) this.reopenTimer = setTimeout(() => void this.openPresence(), REOPEN_DELAY_MS);
      });
      await channel.assertQueue(this.options.presenceQueue, { durable: true, arguments: { 'x-expires': 3_600_000 } });
      await channel.consume(this.options.presenceQueue, () => undefined, { noAck: true });
      return channel;
    })();
    opening.catch((error: unknown) => {
      if (this.presence !== opening) return;
      this.presence = undefined;
      if (!this.stopping) {
        this.options.report(`RabbitMQ ${this.options.name}: could not register on ${this.options.presenceQueue}; trying again`, error);
        this.reopenTimer = setTimeout(() => void this.openPresence(), REOPEN_DELAY_MS);
      }
    });
    this.presence = opening;
    return opening;
  }

  /** Hands over the lanes it receives from beyond its share of them. */
  private async rebalance(): Promise<void> {
    if (this.rebalancing || this.stopping || !this.presence) return;
    this.rebalancing = true;
    try {
      const channel = await this.presence;
      const { consumerCount: workers } = await channel.checkQueue(this.options.presenceQueue);
      if (workers < 2 || this.stopping) return;
      const share = Math.ceil(this.lanes.length / workers);
      const extra = this.lanes.filter((lane) => lane.consumer.receiving).slice(share);
      if (extra.length === 0) return;
      this.options.report(
        `RabbitMQ ${this.options.name}: ${workers} workers, this one receiving from ${share + extra.length} of ${this.lanes.length} lanes; handing over partitions ${extra.map((lane) => lane.partitions.join('+')).join(', ')}`,
        undefined,
      );
      await Promise.all(
        extra.map(async (lane) => {
          await lane.consumer.close();
          if (!this.stopping) lane.consumer = this.make(lane.partitions);
        }),
      );
    } catch {
      // No presence channel, or the broker did not answer: nothing is handed over; next time.
    } finally {
      this.rebalancing = false;
    }
  }
}
