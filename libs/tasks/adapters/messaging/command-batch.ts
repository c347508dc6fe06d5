import { type CommandDelivery, type CommandEnvelope } from '../../application/queued-writes/ports/command-queue.port';

export type BatchHandler = (batch: readonly CommandDelivery[]) => Promise<void>;

/** Logger-shaped sink for what goes wrong on a consumer's schedule, not in a caller's call. */
export type CommandQueueErrorSink = (message: string, error: unknown) => void;

/** A command as a queue adapter holds it while it is in a batch. */
export interface BatchedCommand {
  /** The envelope as it went over the wire; every delivery decodes a fresh copy. */
  readonly body: string;
  readonly commandId: string;
  /** What the handler is told of the command's deliveries so far. */
  readonly deliveryCount: number;
}

export interface BatchHooks<T extends BatchedCommand> {
  readonly handler: BatchHandler;
  /** Reports read `<label>: <why>; retrying N unsettled command(s)`. */
  readonly label: string;
  readonly report: CommandQueueErrorSink;
  /** The handler acked the command. */
  ack(command: T): void;
  /** The handler retried the command, left it unsettled, or (`abandoned`) its batch was abandoned. */
  giveBack(command: T, abandoned: boolean): void;
  /**
   * What abandoning the batch does with its unsettled commands: `give back` (reported, each with
   * `abandoned`), or `leave` them to whatever is about to return them (a closing channel).
   */
  readonly onAbandon: 'give back' | 'leave';
  /** Calls the handler on a later tick, like any broker delivery, instead of at once. */
  readonly laterTick?: boolean;
}

/** A batch handed to the handler. */
export interface RunningBatch {
  /** Settles when the handler (and the settling after it) does, or when the batch is abandoned. */
  readonly done: Promise<void>;
  /** Ends the batch as if its consumer had died (its close timed out): later ack/retry calls reject. */
  abandon(): void;
}

type DeliveryState = 'open' | 'acked' | 'retried';

/**
 * Hands `commands` to the handler as deliveries, each settled once (ack or retry); what the handler
 * leaves open when it resolves or throws is given back.
 */
export function runBatch<T extends BatchedCommand>(commands: readonly T[], hooks: BatchHooks<T>): RunningBatch {
  const flights = commands.map((command) => ({ command, state: 'open' as DeliveryState }));
  let over = false;
  const deliveries = flights.map((flight): CommandDelivery => {
    const settle = async (action: 'acked' | 'retried'): Promise<void> => {
      if (flight.state === action) return;
      if (flight.state !== 'open' || over) {
        throw new Error(
          `Command ${flight.command.commandId} was already ${flight.state === 'open' ? 'given back (its batch is over)' : flight.state}; cannot mark it ${action}`,
        );
      }
      flight.state = action;
      if (action === 'acked') hooks.ack(flight.command);
      else hooks.giveBack(flight.command, false);
    };
    return Object.freeze({
      envelope: JSON.parse(flight.command.body) as CommandEnvelope,
      deliveryCount: flight.command.deliveryCount,
      ack: () => settle('acked'),
      retry: () => settle('retried'),
    });
  });

  const giveBackOpen = (why: string, error: unknown, abandoned = false): void => {
    const open = flights.filter((f) => f.state === 'open');
    if (open.length > 0) {
      hooks.report(`${hooks.label}: ${why}; retrying ${open.length} unsettled command(s)`, error);
    }
    for (const flight of open) {
      flight.state = 'retried';
      hooks.giveBack(flight.command, abandoned);
    }
    over = true;
  };

  let abandon!: () => void;
  const abandoned = new Promise<void>((resolve) => {
    abandon = () => {
      if (over) return;
      if (hooks.onAbandon === 'give back') {
        giveBackOpen('a batch was abandoned on close', undefined, true);
      } else {
        for (const flight of flights) if (flight.state === 'open') flight.state = 'retried';
        over = true;
      }
      resolve();
    };
  });
  const handled = (async () => {
    if (hooks.laterTick) await Promise.resolve();
    try {
      await hooks.handler(deliveries);
      if (!over) giveBackOpen('the handler resolved without settling every delivery', undefined);
    } catch (error: unknown) {
      if (!over) giveBackOpen('the handler threw', error);
    }
  })();
  return { done: Promise.race([handled, abandoned]), abandon };
}

/** Waits up to `ms` for the batch in progress; past that, calls `late` (to report it) and abandons the batch. */
export async function settleOrAbandon(batch: RunningBatch, ms: number, late: () => void): Promise<void> {
  if (!(await settlesWithin(batch.done, ms))) {
    late();
    batch.abandon();
  }
}

/** true when `promise` settled within `ms`; never rejects. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The checks both command queues make of their constructor options. */
export function checkQueueOptions(options: { partitions: number; maxDeliveries: number }): void {
  if (!Number.isInteger(options.partitions) || options.partitions < 1) {
    throw new Error(`partitions must be a positive integer, got ${options.partitions}`);
  }
  if (!Number.isInteger(options.maxDeliveries) || options.maxDeliveries < 1) {
    throw new Error(`maxDeliveries must be a positive integer, got ${options.maxDeliveries}`);
  }
}
