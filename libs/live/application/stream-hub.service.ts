import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { DomainError } from '@ln/kernel/domain/domain-error.base';
import { EVENT_LOG, type EventLog, type LoggedEvent } from './ports/event-log.port';
import { STREAM_WAKEUPS, type StreamWakeups, type WakeupSubscription } from './ports/stream-wakeups.port';

export const STREAM_SETTINGS = Symbol('StreamSettings');

export interface StreamSettings {
  /** A resume that would replay more than this gets `reset`. */
  readonly maxResumeEvents: number;
  readonly heartbeatMs: number;
  /** Streams one user may have open on this process. */
  readonly streamsPerUser: number;
  readonly streamsPerProcess: number;
  /** Events read per user per tick (a backlog is sent in pages of this). Default 500. */
  readonly pageSize?: number;
  /** Pause before a tick that failed (database down) is tried again. Default 1000. */
  readonly retryMs?: number;
  readonly onError?: (message: string) => void;
  /** Told of every event written to a stream (for the delivery-lag metric). */
  readonly onDelivered?: (event: LoggedEvent) => void;
  /** Told of every stream the server ends, with why. */
  readonly onEnded?: (reason: EndReason) => void;
}

/** Why a stream starts with `reset`: the client must re-read its state instead of resuming. */
export type ResetReason = 'pruned' | 'too_many_missed' | 'unknown_event_id';

/** Why the server ended a stream (the last thing sent, as `event: end`). */
export const END_REASONS = ['token_expired', 'slow_consumer', 'server_shutdown'] as const;
export type EndReason = (typeof END_REASONS)[number];

/**
 * `start`: where a fresh stream begins (an id with no event), so a client that loses the stream
 * before its first event still resumes from there instead of starting afresh past what it missed.
 */
export type StreamMessage =
  | { readonly kind: 'event'; readonly event: LoggedEvent }
  | { readonly kind: 'start'; readonly id: number }
  | { readonly kind: 'reset'; readonly id: number; readonly reason: ResetReason }
  | { readonly kind: 'heartbeat' };

/**
 * What became of a message given to a sink: `sent`; `wait` (sent, but the client's socket is
 * backed up: send nothing more until `onDrain`); `over` (the bytes waiting for the client passed
 * the cap: the hub ends the stream).
 */
export type SendResult = 'sent' | 'wait' | 'over';

/** Where a stream's messages go (the HTTP response). */
export interface StreamSink {
  send(message: StreamMessage): SendResult;
  /** Called once when a backed-up socket has taken what it held. */
  onDrain(callback: () => void): void;
  /** Sends the end and closes. Called once. */
  end(reason: EndReason): void;
}

export interface OpenStreamRequest {
  readonly userId: string;
  /** The last id the client saw: a number, `invalid` (sent but not one of ours), or null (a fresh start). */
  readonly lastEventId: number | 'invalid' | null;
  /** The stream ends (`token_expired`) then. */
  readonly expiresAt: Date;
}

export interface OpenStream {
  /** The client went away. */
  close(): void;
}

export class TooManyStreams extends DomainError {
  readonly kind = 'rate_limited' as const;
  override readonly retryAfterSeconds = 10;
  constructor(
    readonly code: 'too_many_streams' | 'server_streams_full',
    message: string,
  ) {
    super(message);
  }
}

interface Stream {
  readonly userId: string;
  readonly sink: StreamSink;
  /** The highest seq sent (or skipped by a reset); only events above it go out. */
  cursor: number;
  /** False until its starting point is known: ticks pass it by. */
  ready: boolean;
  closed: boolean;
  /** Its socket is backed up: nothing is sent (the events wait in the log) until it drains. */
  congested: boolean;
  /** Heartbeat ticks seen while congested: at the second, the client is taken to have stopped reading. */
  stalledBeats: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The live streams of this process (ADR 28). Each stream has a cursor into its user's event log.
 * A wake-up (the relay's NOTIFY, from any process) marks the user; one tick at a time then reads,
 * in one query for all marked users, the events after each user's lowest cursor, and writes each
 * stream what it has not been sent. Events come only from committed log rows, so a stream gets
 * every event of its user once, in order, whichever process wrote it.
 */
@Injectable()
export class StreamHub implements OnModuleDestroy {
  private readonly byUser = new Map<string, Set<Stream>>();
  private count = 0;
  private readonly woken = new Set<string>();
  private ticking = false;
  private stopped = false;
  private listening: Promise<WakeupSubscription | undefined> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly pageSize: number;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STREAM_WAKEUPS) private readonly wakeups: StreamWakeups,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(STREAM_SETTINGS) private readonly settings: StreamSettings,
  ) {
    this.pageSize = settings.pageSize ?? 500;
  }

  /** Streams open on this process. */
  get openStreams(): number {
    return this.count;
  }

  /**
   * Opens a stream: refuses past the caps (429), finds where it starts (a reset when the client's
   * id cannot be resumed from), then sends what the log holds after that and everything after.
   */
  async open(request: OpenStreamRequest, sink: StreamSink): Promise<OpenStream> {
    if (this.stopped) throw new TooManyStreams('server_streams_full', 'this server is shutting down; reconnect');
    const mine = this.byUser.get(request.userId);
    if ((mine?.size ?? 0) >= this.settings.streamsPerUser) {
      throw new TooManyStreams('too_many_streams', `at most ${this.settings.streamsPerUser} open event streams per user`);
    }
    if (this.count >= this.settings.streamsPerProcess) throw new TooManyStreams('server_streams_full', 'this server has as many event streams open as it may; retry later');
    // Reserved before the first await, so concurrent opens cannot pass the caps together.
    const stream: Stream = { userId: request.userId, sink, cursor: 0, ready: false, closed: false, congested: false, stalledBeats: 0 };
    this.add(stream);
    try {
      await this.ensureListening();
      const asked = typeof request.lastEventId === 'number' ? request.lastEventId : null;
      const point = await this.log.resumePoint(request.userId, asked, this.settings.maxResumeEvents);
      // A fresh stream starts at the user's newest event: per user, nothing below it can still
      // appear (ADR 28), so nothing is skipped. Never below the watermark.
      const fresh = Math.max(point.latest, point.prunedThrough);
      let reset: ResetReason | undefined;
      if (request.lastEventId === 'invalid' || (asked !== null && asked > point.head)) reset = 'unknown_event_id';
      else if (asked !== null && asked < point.prunedThrough) reset = 'pruned';
      else if (asked !== null && point.pending > this.settings.maxResumeEvents) reset = 'too_many_missed';
      if (stream.closed) return { close: () => undefined };
      stream.cursor = asked === null || reset ? fresh : asked;
      if (reset) sink.send({ kind: 'reset', id: stream.cursor, reason: reset });
      else if (asked === null) sink.send({ kind: 'start', id: stream.cursor });
    } catch (error) {
      this.remove(stream);
      throw error;
    }
    stream.ready = true;
    const ms = request.expiresAt.getTime() - this.clock.now().getTime();
    stream.timer = setTimeout(() => this.end(stream, 'token_expired'), Math.max(0, ms));
    stream.timer.unref?.();
    this.wake(request.userId);
    return { close: () => this.remove(stream) };
  }

  /** The user's log has grown: their streams look at it in the next tick. */
  wake(userId: string): void {
    if (!this.byUser.has(userId)) return;
    this.woken.add(userId);
    this.schedule();
  }

  /** Ends every stream (`server_shutdown`: clients reconnect to another replica) and stops listening. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    for (const streams of [...this.byUser.values()]) for (const s of [...streams]) this.end(s, 'server_shutdown');
    const subscription = await this.listening;
    await subscription?.close();
  }

  private ensureListening(): Promise<WakeupSubscription | undefined> {
    this.listening ??= this.wakeups
      .listen(
        (userId) => this.wake(userId),
        () => this.wakeAll(),
        (message) => this.settings.onError?.(`live streams: ${message}`),
      )
      .then((subscription) => {
        this.heartbeat = setInterval(() => this.beat(), this.settings.heartbeatMs);
        this.heartbeat.unref?.();
        return subscription;
      });
    return this.listening;
  }

  private wakeAll(): void {
    for (const userId of this.byUser.keys()) this.woken.add(userId);
    this.schedule();
  }

  private schedule(): void {
    if (this.ticking || this.stopped || this.woken.size === 0 || this.retry) return;
    this.ticking = true;
    setImmediate(() => void this.tick());
  }

  /** One query for every woken user, then the writes; again while users are woken. */
  private async tick(): Promise<void> {
    try {
      while (this.woken.size > 0 && !this.stopped) {
        const cursors: { userId: string; after: number }[] = [];
        for (const userId of this.woken) {
          // A backed-up stream is read for again when it drains, from its own cursor.
          const streams = [...(this.byUser.get(userId) ?? [])].filter((s) => s.ready && !s.congested);
          if (streams.length > 0) cursors.push({ userId, after: Math.min(...streams.map((s) => s.cursor)) });
        }
        this.woken.clear();
        if (cursors.length === 0) break;
        let page: Awaited<ReturnType<EventLog['readAfter']>>;
        try {
          page = await this.log.readAfter(cursors, this.pageSize);
        } catch (error) {
          // Looked at again after a pause: the rows are still in the log.
          for (const c of cursors) this.woken.add(c.userId);
          this.settings.onError?.(`live streams: reading the event log failed (${(error as Error).message}); retrying`);
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.schedule();
          }, this.settings.retryMs ?? 1000);
          this.retry.unref?.();
          break;
        }
        this.deliver(cursors, page.events, page.prunedThrough);
      }
    } finally {
      this.ticking = false;
    }
    this.schedule();
  }

  private deliver(cursors: readonly { userId: string; after: number }[], events: readonly LoggedEvent[], prunedThrough: number): void {
    const byUser = new Map<string, LoggedEvent[]>();
    for (const e of events) {
      const list = byUser.get(e.userId);
      if (list) list.push(e);
      else byUser.set(e.userId, [e]);
    }
    for (const { userId, after } of cursors) {
      const mine = byUser.get(userId) ?? [];
      for (const stream of [...(this.byUser.get(userId) ?? [])]) {
        if (!stream.ready || stream.closed || stream.congested) continue;
        // Became ready (a resume) or drained while the page was read: the page starts above its
        // cursor, and sending it would skip what lies between. Read again, from its own cursor.
        if (stream.cursor < after) {
          this.woken.add(userId);
          continue;
        }
        // Fell behind the window while connected (the read cannot prove it missed nothing).
        if (stream.cursor < prunedThrough) {
          stream.cursor = prunedThrough;
          if (!this.sendTo(stream, { kind: 'reset', id: prunedThrough, reason: 'pruned' })) continue;
        }
        for (const event of mine) {
          if (event.seq <= stream.cursor) continue;
          stream.cursor = event.seq;
          // What it was not sent stays in the log; it is read again once the socket drains.
          const sent = this.sendTo(stream, { kind: 'event', event });
          this.settings.onDelivered?.(event);
          if (!sent) break;
        }
      }
      // A full page: there may be more.
      if (mine.length >= this.pageSize) this.woken.add(userId);
    }
  }

  /** false: nothing more may go to this stream now (backed up, or ended for passing the cap). */
  private sendTo(stream: Stream, message: StreamMessage): boolean {
    const result = stream.sink.send(message);
    if (result === 'sent') return true;
    if (result === 'over') {
      this.end(stream, 'slow_consumer');
      return false;
    }
    stream.congested = true;
    stream.sink.onDrain(() => {
      stream.congested = false;
      stream.stalledBeats = 0;
      this.wake(stream.userId);
    });
    return false;
  }

  private beat(): void {
    for (const streams of [...this.byUser.values()]) {
      for (const stream of [...streams]) {
        if (!stream.ready) continue;
        // A socket that has not drained for a whole heartbeat interval: the client stopped reading.
        if (stream.congested) {
          stream.stalledBeats += 1;
          if (stream.stalledBeats >= 2) this.end(stream, 'slow_consumer');
          continue;
        }
        this.sendTo(stream, { kind: 'heartbeat' });
      }
    }
  }

  private end(stream: Stream, reason: EndReason): void {
    if (stream.closed) return;
    this.remove(stream);
    stream.sink.end(reason);
    this.settings.onEnded?.(reason);
  }

  private add(stream: Stream): void {
    const set = this.byUser.get(stream.userId);
    if (set) set.add(stream);
    else this.byUser.set(stream.userId, new Set([stream]));
    this.count += 1;
  }

  private remove(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    clearTimeout(stream.timer);
    const set = this.byUser.get(stream.userId);
    if (set?.delete(stream)) {
      this.count -= 1;
      if (set.size === 0) this.byUser.delete(stream.userId);
    }
  }
}
