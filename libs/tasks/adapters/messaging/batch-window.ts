import { type CommandBatchOptions } from '../../application/queued-writes/ports/command-queue.port';

/** A command waiting for a batch, in one of the partitions of a `PartitionQueues`. */
export interface Waiting {
  readonly partition: number;
  /** Arrival order; a command handed back keeps it, which puts it back in front of its partition. */
  readonly seq: number;
  /** When it arrived or was handed back: a batch closes maxWaitMs after its oldest command. */
  readyAt: number;
}

/** The commands waiting for a batch: one FIFO per partition, in arrival (`seq`) order. */
export class PartitionQueues<T extends Waiting> {
  private readonly queues: T[][];

  constructor(partitions: number) {
    this.queues = Array.from({ length: partitions }, () => []);
  }

  get size(): number {
    return this.queues.reduce((sum, queue) => sum + queue.length, 0);
  }

  /** How many wait in these partitions (all of them when not given). */
  sizeOf(partitions?: ReadonlySet<number>): number {
    return this.queues.reduce((sum, queue, p) => sum + (!partitions || partitions.has(p) ? queue.length : 0), 0);
  }

  /** How many wait in each partition. */
  depths(): number[] {
    return this.queues.map((queue) => queue.length);
  }

  /** The earliest `readyAt` of all, or of these partitions (Infinity when none waits). */
  oldestReadyAt(partitions?: ReadonlySet<number>): number {
    let oldest = Infinity;
    this.queues.forEach((queue, p) => {
      if (partitions && !partitions.has(p)) return;
      for (const item of queue) oldest = Math.min(oldest, item.readyAt);
    });
    return oldest;
  }

  /** At the back of its partition. */
  push(item: T): void {
    this.queues[item.partition].push(item);
  }

  /** Ready again now, back in its partition by arrival order (so several retries keep theirs). */
  putBack(item: T): void {
    item.readyAt = Date.now();
    const queue = this.queues[item.partition];
    let at = 0;
    while (at < queue.length && queue[at].seq < item.seq) at += 1;
    queue.splice(at, 0, item);
  }

  /** Up to `max` items (of these partitions only, when given), the earliest arrival first across partitions: each partition's order holds. */
  take(max: number, partitions?: ReadonlySet<number>): T[] {
    const taken: T[] = [];
    while (taken.length < max) {
      let best: T[] | undefined;
      for (let p = 0; p < this.queues.length; p++) {
        if (partitions && !partitions.has(p)) continue;
        const queue = this.queues[p];
        if (queue.length > 0 && (!best || queue[0].seq < best[0].seq)) best = queue;
      }
      if (!best) break;
      taken.push(best.shift()!);
    }
    return taken;
  }

  clear(): void {
    for (const queue of this.queues) queue.length = 0;
  }
}

/**
 * When a batch closes: at `maxBatch` waiting commands, or `maxWaitMs` after the oldest one became
 * ready. `close()` hands out the batch when it is due; otherwise it arms a timer that calls `wake`
 * (which should call `close()` again) when it will be.
 */
export class BatchWindow {
  private timer?: { handle: NodeJS.Timeout; due: number };

  constructor(private readonly wake: () => void) {}

  /** Up to maxBatch of the waiting commands if the batch is due; never an empty batch. */
  close<T extends Waiting>(waiting: PartitionQueues<T>, limits: CommandBatchOptions, partitions?: ReadonlySet<number>): T[] | undefined {
    const count = waiting.sizeOf(partitions);
    if (count === 0) return this.stop();
    const due = waiting.oldestReadyAt(partitions) + limits.maxWaitMs;
    if (count >= limits.maxBatch || Date.now() >= due) {
      this.stop();
      return waiting.take(limits.maxBatch, partitions);
    }
    if (this.timer?.due === due) return undefined;
    this.stop();
    this.timer = {
      due,
      handle: setTimeout(() => {
        this.timer = undefined;
        this.wake();
      }, due - Date.now()),
    };
    return undefined;
  }

  /** Disarms the timer (nothing to batch, or no one to hand a batch to). */
  stop(): undefined {
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = undefined;
    return undefined;
  }
}

export function checkBatchOptions(options: CommandBatchOptions): void {
  if (options.parallel !== undefined && (!Number.isInteger(options.parallel) || options.parallel < 1)) {
    throw new Error(`parallel must be a positive integer, got ${options.parallel}`);
  }
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
    throw new Error(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  }
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
    throw new Error(`maxWaitMs must be a non-negative number, got ${options.maxWaitMs}`);
  }
}
