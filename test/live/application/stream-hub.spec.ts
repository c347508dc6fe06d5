import { randomUUID } from 'node:crypto';
import type { EventLog, LogCursor, LoggedEvent, ResumePoint } from '@ln/live/application/ports/event-log.port';
import type { StreamWakeups } from '@ln/live/application/ports/stream-wakeups.port';
import { type EndReason, type SendResult, type StreamMessage, type StreamSettings, type StreamSink, StreamHub, TooManyStreams } from '@ln/live/application/stream-hub.service';
import { FixedClock } from '../../support/fakes';

/** The log as the SQL adapter keeps it: events by seq, a watermark, the sequence's head. */
class MemoryEventLog implements EventLog {
  events: LoggedEvent[] = [];
  prunedThrough = 0;
  head = 0;
  failNext = 0;
  reads = 0;
  append(userId: string, n = 1): LoggedEvent[] {
    const added: LoggedEvent[] = [];
    for (let i = 0; i < n; i++) {
      this.head += 1;
      const e = { seq: this.head, userId, event: { eventId: randomUUID(), type: 'task.edited.v1', aggregateType: 'task', aggregateId: userId, userId, version: this.head, occurredAt: '2026-03-01T09:00:00.000Z', payload: {} } };
      this.events.push(e);
      added.push(e);
    }
    return added;
  }

  /** Every read's cursors and page size, in order. */
  readArgs: { cursors: LogCursor[]; limit: number }[] = [];
  /** The `after` of every resumePoint call. */
  resumeArgs: (number | null)[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** While set, reads (or resume points) wait for it. */
  readGate: Promise<void> | undefined;
  resumeGate: Promise<void> | undefined;
  failResume = false;

  async readAfter(cursors: readonly LogCursor[], limitPerUser: number) {
    this.reads += 1;
    this.readArgs.push({ cursors: [...cursors], limit: limitPerUser });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.readGate;
    } finally {
      this.inFlight -= 1;
    }
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database down');
    }
    const events = cursors.flatMap((c) => this.events.filter((e) => e.userId === c.userId && e.seq > c.after && e.seq > this.prunedThrough).slice(0, limitPerUser));
    return { events, prunedThrough: this.prunedThrough };
  }

  async resumePoint(userId: string, after: number | null, cap: number): Promise<ResumePoint> {
    this.resumeArgs.push(after);
    await this.resumeGate;
    if (this.failResume) throw new Error('database down');
    const mine = this.events.filter((e) => e.userId === userId && e.seq > this.prunedThrough);
    return {
      prunedThrough: this.prunedThrough,
      latest: mine.length > 0 ? mine[mine.length - 1].seq : 0,
      head: this.head,
      pending: after === null ? 0 : Math.min(cap + 1, mine.filter((e) => e.seq > after).length),
    };
  }
}

class ManualWakeups implements StreamWakeups {
  onWake: (userId: string) => void = () => undefined;
  onListening: () => void = () => undefined;
  onError: (message: string) => void = () => undefined;
  closed = false;
  async listen(onWake: (userId: string) => void, onListening: () => void, onError: (message: string) => void) {
    this.onWake = onWake;
    this.onListening = onListening;
    this.onError = onError;
    return { close: async () => void (this.closed = true) };
  }
}

class RecordingSink implements StreamSink {
  messages: StreamMessage[] = [];
  ended: EndReason | undefined;
  private drained: (() => void) | undefined;
  /**
   * From message number `from` on, `send` answers `result` (a backed-up socket, or one past the
   * cap). A fresh stream's first message is its `start`.
   */
  constructor(private readonly limit: { from: number; result: SendResult } = { from: Infinity, result: 'sent' }) {}
  send(message: StreamMessage): SendResult {
    this.messages.push(message);
    return this.messages.length >= this.limit.from ? this.limit.result : 'sent';
  }
  onDrain(callback: () => void): void {
    this.drained = callback;
  }
  /** The socket took what it held; from now on everything flows. */
  drain(): void {
    (this.limit as { from: number }).from = Infinity;
    const callback = this.drained;
    this.drained = undefined;
    callback?.();
  }
  end(reason: EndReason): void {
    if (this.ended) throw new Error('ended twice');
    this.ended = reason;
  }
  get seqs(): number[] {
    return this.messages.flatMap((m) => (m.kind === 'event' ? [m.event.seq] : []));
  }
  get resets() {
    return this.messages.filter((m) => m.kind === 'reset');
  }
}

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Lets every scheduled tick (setImmediate) and its awaited reads run. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe('StreamHub', () => {
  let log: MemoryEventLog;
  let wakeups: ManualWakeups;
  let clock: FixedClock;
  let hub: StreamHub;
  const settings: StreamSettings = { maxResumeEvents: 5, heartbeatMs: 3_600_000, streamsPerUser: 2, streamsPerProcess: 3, pageSize: 4, retryMs: 1 };
  const later = () => new Date(clock.now().getTime() + 3_600_000);
  const open = (userId: string, sink: StreamSink, lastEventId: number | 'invalid' | null = null, expiresAt = later()) =>
    hub.open({ userId, lastEventId, expiresAt }, sink);

  beforeEach(() => {
    log = new MemoryEventLog();
    wakeups = new ManualWakeups();
    clock = new FixedClock();
    hub = new StreamHub(log, wakeups, clock, settings);
  });
  afterEach(() => hub.onModuleDestroy());

  it('a fresh stream starts after the user\'s newest event and gets each later one once, in order', async () => {
    const [ada, bob] = [randomUUID(), randomUUID()];
    log.append(ada, 2);
    const sink = new RecordingSink();
    await open(ada, sink);
    await settle();
    expect(sink.messages).toEqual([{ kind: 'start', id: 2 }]);
    const fresh = log.append(ada, 3);
    log.append(bob, 2);
    wakeups.onWake(ada);
    wakeups.onWake(ada);
    await settle();
    expect(sink.seqs).toEqual(fresh.map((e) => e.seq));
    // Woken again with nothing new: nothing sent twice.
    wakeups.onWake(ada);
    await settle();
    expect(sink.seqs).toEqual(fresh.map((e) => e.seq));
  });

  it('a resume gets exactly what came after its id, in pages; two streams of one user at different places each get theirs', async () => {
    const ada = randomUUID();
    const all = log.append(ada, 9);
    const behind = new RecordingSink();
    const current = new RecordingSink();
    await open(ada, current);
    await open(ada, behind, all[3].seq);
    await settle();
    // Pages of 4: the backlog of 5 takes two reads, and the current stream gets none of it.
    expect(behind.seqs).toEqual(all.slice(4).map((e) => e.seq));
    expect(current.seqs).toEqual([]);
    const next = log.append(ada, 1);
    wakeups.onWake(ada);
    await settle();
    expect(behind.seqs.slice(-1)).toEqual([next[0].seq]);
    expect(current.seqs).toEqual([next[0].seq]);
    expect(behind.resets).toEqual([]);
  });

  it.each([
    ['an id it never handed out', 'invalid' as const, 'unknown_event_id'],
    ['an id from the future', 1000, 'unknown_event_id'],
    ['an id below the prune watermark', 2, 'pruned'],
    ['more missed than a resume replays (5)', 3, 'too_many_missed'],
  ])('%s: the stream starts with reset, at the user\'s newest event', async (_, lastEventId, reason) => {
    const ada = randomUUID();
    log.append(ada, 12);
    log.prunedThrough = 3;
    const sink = new RecordingSink();
    await open(ada, sink, lastEventId);
    await settle();
    expect(sink.messages).toEqual([{ kind: 'reset', id: 12, reason }]);
    log.append(ada, 1);
    wakeups.onWake(ada);
    await settle();
    expect(sink.seqs).toEqual([13]);
  });

  // Found by the chaos run (api-sigkill-streams, two apis): a stream resuming on the api where
  // its twin was ahead skipped the events between the two cursors.
  it('a stream that resumes while a read for its user is in flight gets what lies below that read', async () => {
    const ada = randomUUID();
    const all = log.append(ada, 6);
    const current = new RecordingSink();
    await open(ada, current);
    const next = log.append(ada, 2);
    let release!: () => void;
    log.readGate = new Promise((r) => (release = r));
    wakeups.onWake(ada);
    await settle();
    // The read after the current stream's cursor (6) is in flight; a resume from 4 becomes ready.
    const behind = new RecordingSink();
    await open(ada, behind, all[3].seq);
    log.readGate = undefined;
    release();
    await settle();
    expect(current.seqs).toEqual(next.map((e) => e.seq));
    expect(behind.seqs).toEqual([...all.slice(4), ...next].map((e) => e.seq));
  });

  it('a backed-up stream that drains while a read for its user is in flight gets what lies below that read', async () => {
    const ada = randomUUID();
    const slow = new RecordingSink({ from: 3, result: 'wait' });
    const fine = new RecordingSink();
    await open(ada, slow);
    await open(ada, fine);
    log.append(ada, 3);
    wakeups.onWake(ada);
    await settle();
    expect([slow.seqs, fine.seqs]).toEqual([[1, 2], [1, 2, 3]]);
    log.append(ada, 2);
    let release!: () => void;
    log.readGate = new Promise((r) => (release = r));
    wakeups.onWake(ada);
    await settle();
    // The read after the fine stream's cursor (3) is in flight when the slow one drains at 2.
    slow.drain();
    log.readGate = undefined;
    release();
    await settle();
    expect(fine.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(slow.seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it('resumes without reset when the missed events are exactly the cap', async () => {
    const ada = randomUUID();
    log.append(ada, 10);
    const sink = new RecordingSink();
    await open(ada, sink, 5);
    await settle();
    expect(sink.resets).toEqual([]);
    expect(sink.seqs).toEqual([6, 7, 8, 9, 10]);
  });

  it('a connected stream that falls below the watermark is told reset before what follows', async () => {
    const ada = randomUUID();
    const sink = new RecordingSink();
    await open(ada, sink);
    log.append(ada, 3);
    log.prunedThrough = 2;
    wakeups.onWake(ada);
    await settle();
    expect(sink.messages.map((m) => (m.kind === 'event' ? m.event.seq : m))).toEqual([{ kind: 'start', id: 0 }, { kind: 'reset', id: 2, reason: 'pruned' }, 3]);
  });

  it('refuses past the caps per user and per process (429 codes), and a closed stream frees its place', async () => {
    const [ada, bob, cy] = [randomUUID(), randomUUID(), randomUUID()];
    const first = await open(ada, new RecordingSink());
    await open(ada, new RecordingSink());
    await expect(open(ada, new RecordingSink())).rejects.toMatchObject({ code: 'too_many_streams', kind: 'rate_limited', message: 'at most 2 open event streams per user' });
    await open(bob, new RecordingSink());
    await expect(open(cy, new RecordingSink())).rejects.toBeInstanceOf(TooManyStreams);
    await expect(open(cy, new RecordingSink())).rejects.toMatchObject({ code: 'server_streams_full', message: 'this server has as many event streams open as it may; retry later' });
    first.close();
    expect(hub.openStreams).toBe(2);
    await open(cy, new RecordingSink());
    expect(hub.openStreams).toBe(3);
  });

  it('ends a stream whose waiting bytes pass the cap (slow_consumer) and frees its place; the others go on', async () => {
    const ada = randomUUID();
    const slow = new RecordingSink({ from: 4, result: 'over' });
    const fine = new RecordingSink();
    await open(ada, slow);
    await open(ada, fine);
    log.append(ada, 4);
    wakeups.onWake(ada);
    await settle();
    expect(slow.ended).toBe('slow_consumer');
    expect(slow.seqs).toEqual([1, 2, 3]);
    expect(fine.seqs).toEqual([1, 2, 3, 4]);
    expect(hub.openStreams).toBe(1);
  });

  it('sends nothing to a backed-up stream until it drains, then the rest from the log: no gap, no double', async () => {
    const ada = randomUUID();
    const sink = new RecordingSink({ from: 3, result: 'wait' });
    await open(ada, sink);
    log.append(ada, 3);
    wakeups.onWake(ada);
    await settle();
    expect(sink.seqs).toEqual([1, 2]);
    log.append(ada, 3);
    wakeups.onWake(ada);
    await settle();
    expect(sink.seqs).toEqual([1, 2]);
    sink.drain();
    await settle();
    expect(sink.seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sink.ended).toBeUndefined();
  });

  it('ends a stream that stays backed up through two heartbeats (the client stopped reading)', async () => {
    const beating = new StreamHub(log, wakeups, clock, { ...settings, heartbeatMs: 5 });
    try {
      const ada = randomUUID();
      const stalled = new RecordingSink({ from: 1, result: 'wait' });
      const reading = new RecordingSink();
      await beating.open({ userId: ada, lastEventId: null, expiresAt: later() }, stalled);
      await beating.open({ userId: ada, lastEventId: null, expiresAt: later() }, reading);
      log.append(ada, 2);
      wakeups.onWake(ada);
      for (let i = 0; i < 200 && !stalled.ended; i++) await new Promise((r) => setTimeout(r, 5));
      expect(stalled.ended).toBe('slow_consumer');
      // Heartbeats went only to the stream that reads, and it is still open.
      expect(stalled.messages.filter((m) => m.kind === 'heartbeat')).toEqual([]);
      expect(reading.messages.some((m) => m.kind === 'heartbeat')).toBe(true);
      expect(reading.ended).toBeUndefined();
      expect(beating.openStreams).toBe(1);
    } finally {
      await beating.onModuleDestroy();
    }
  });

  it('ends the stream when its token expires (token_expired)', async () => {
    const ada = randomUUID();
    const sink = new RecordingSink();
    await open(ada, sink, null, clock.now());
    await new Promise((r) => setTimeout(r, 5));
    expect(sink.ended).toBe('token_expired');
    expect(hub.openStreams).toBe(0);
  });

  it('retries a failed read and delivers what it would have', async () => {
    const ada = randomUUID();
    const sink = new RecordingSink();
    await open(ada, sink);
    const fresh = log.append(ada, 2);
    log.failNext = 2;
    wakeups.onWake(ada);
    for (let i = 0; i < 50 && sink.seqs.length < 2; i++) await new Promise((r) => setTimeout(r, 2));
    expect(sink.seqs).toEqual(fresh.map((e) => e.seq));
    expect(log.reads).toBeGreaterThanOrEqual(3);
  });

  it('looks at every open stream when listening (re)starts (wake-ups sent meanwhile are lost)', async () => {
    const [ada, bob] = [randomUUID(), randomUUID()];
    const a = new RecordingSink();
    const b = new RecordingSink();
    await open(ada, a);
    await open(bob, b);
    // The opens' own first reads are done: only the restart can make the hub look again.
    await settle();
    const reads = log.reads;
    log.append(ada, 1);
    log.append(bob, 1);
    wakeups.onListening();
    await settle();
    expect([a.seqs, b.seqs]).toEqual([[1], [2]]);
    expect(log.reads).toBe(reads + 1);
  });

  it('ignores wake-ups for users with no stream here, and ends every stream on shutdown', async () => {
    const ada = randomUUID();
    log.append(randomUUID(), 3);
    wakeups.onWake(randomUUID());
    await settle();
    expect(log.reads).toBe(0);
    const sink = new RecordingSink();
    await open(ada, sink);
    await hub.onModuleDestroy();
    expect(sink.ended).toBe('server_shutdown');
    expect(wakeups.closed).toBe(true);
    await expect(open(ada, new RecordingSink())).rejects.toMatchObject({ code: 'server_streams_full', message: 'this server is shutting down; reconnect' });
  });

  it('reads in pages of 500 when no page size is set', async () => {
    const plain = new StreamHub(log, wakeups, clock, { maxResumeEvents: 5, heartbeatMs: 3_600_000, streamsPerUser: 2, streamsPerProcess: 3 });
    try {
      await plain.open({ userId: randomUUID(), lastEventId: null, expiresAt: later() }, new RecordingSink());
      await settle();
      expect(log.readArgs.map((r) => r.limit)).toEqual([500]);
    } finally {
      await plain.onModuleDestroy();
    }
  });

  it('asks the log for a resume point with the client\'s number only (an id not ours is a fresh start plus reset)', async () => {
    const ada = randomUUID();
    log.append(ada, 3);
    await open(ada, new RecordingSink(), 'invalid');
    await open(ada, new RecordingSink(), 2);
    expect(log.resumeArgs).toEqual([null, 2]);
  });

  it('a fresh stream after a prune starts at the newest event without reset (it has nothing to resume)', async () => {
    const ada = randomUUID();
    log.append(ada, 4);
    log.prunedThrough = 2;
    const sink = new RecordingSink();
    await open(ada, sink);
    await settle();
    expect(sink.messages).toEqual([{ kind: 'start', id: 4 }]);
  });

  it('a resume at the very newest id is no reset: nothing was missed', async () => {
    const ada = randomUUID();
    log.append(ada, 3);
    const sink = new RecordingSink();
    await open(ada, sink, 3);
    await settle();
    expect(sink.messages).toEqual([]);
    log.append(ada, 1);
    wakeups.onWake(ada);
    await settle();
    expect(sink.seqs).toEqual([4]);
  });

  it('a stream whose starting point is not known yet gets neither events nor heartbeats', async () => {
    const beating = new StreamHub(log, wakeups, clock, { ...settings, heartbeatMs: 5 });
    try {
      const ada = randomUUID();
      const first = new RecordingSink();
      await beating.open({ userId: ada, lastEventId: null, expiresAt: later() }, first);
      const slow = gate();
      log.resumeGate = slow.promise;
      const second = new RecordingSink();
      const opening = beating.open({ userId: ada, lastEventId: null, expiresAt: later() }, second);
      log.append(ada, 2);
      wakeups.onWake(ada);
      for (let i = 0; i < 100 && first.seqs.length < 2; i++) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 20));
      expect(first.seqs).toEqual([1, 2]);
      expect(second.messages).toEqual([]);
      log.resumeGate = undefined;
      slow.open();
      await opening;
      log.append(ada, 1);
      wakeups.onWake(ada);
      for (let i = 0; i < 100 && second.seqs.length < 1; i++) await new Promise((r) => setTimeout(r, 2));
      expect(second.seqs).toEqual([3]);
    } finally {
      await beating.onModuleDestroy();
    }
  });

  it('a failed resume point frees the stream\'s place and the error reaches the caller', async () => {
    log.failResume = true;
    await expect(open(randomUUID(), new RecordingSink())).rejects.toThrow('database down');
    expect(hub.openStreams).toBe(0);
  });

  it('a shutdown while a stream is opening ends it once, and nothing is sent after the end', async () => {
    const ada = randomUUID();
    log.append(ada, 3);
    const slow = gate();
    log.resumeGate = slow.promise;
    const sink = new RecordingSink();
    const opening = open(ada, sink, 'invalid');
    await settle();
    await hub.onModuleDestroy();
    slow.open();
    const stream = await opening;
    await settle();
    expect(() => stream.close()).not.toThrow();
    expect(sink.ended).toBe('server_shutdown');
    expect(sink.messages).toEqual([]);
  });

  it('closing one of a user\'s streams leaves the other one fed', async () => {
    const ada = randomUUID();
    const gone = await open(ada, new RecordingSink());
    const stays = new RecordingSink();
    await open(ada, stays);
    await settle();
    gone.close();
    log.append(ada, 2);
    wakeups.onWake(ada);
    await settle();
    expect(stays.seqs).toEqual([1, 2]);
  });

  it('a backed-up stream gets nothing while its user\'s other stream is fed', async () => {
    const ada = randomUUID();
    const backed = new RecordingSink({ from: 1, result: 'wait' });
    const reading = new RecordingSink();
    await open(ada, backed);
    await open(ada, reading);
    await settle();
    log.append(ada, 1);
    wakeups.onWake(ada);
    await settle();
    log.append(ada, 2);
    wakeups.onWake(ada);
    await settle();
    expect(backed.seqs).toEqual([1]);
    expect(reading.seqs).toEqual([1, 2, 3]);
  });

  it('reads only for the woken users that have a stream ready to take events, one query at a time', async () => {
    const [ada, bob] = [randomUUID(), randomUUID()];
    const backed = new RecordingSink({ from: 1, result: 'wait' });
    await open(ada, backed);
    await open(bob, new RecordingSink());
    await settle();
    log.append(ada, 1);
    wakeups.onWake(ada);
    await settle();
    // ada's only stream is backed up: a wake for her alone reads nothing.
    const reads = log.reads;
    log.append(ada, 1);
    wakeups.onWake(ada);
    await settle();
    expect(log.reads).toBe(reads);
    // A read in progress: wake-ups meanwhile wait for it, then go in one query.
    const slow = gate();
    log.readGate = slow.promise;
    log.append(bob, 1);
    wakeups.onWake(bob);
    await settle();
    wakeups.onWake(bob);
    wakeups.onWake(ada);
    await settle();
    expect(log.inFlight).toBe(1);
    log.readGate = undefined;
    slow.open();
    await settle();
    expect(log.maxInFlight).toBe(1);
    expect(log.readArgs.slice(reads).map((r) => r.cursors)).toEqual([[{ userId: bob, after: 0 }], [{ userId: bob, after: 3 }]]);
  });

  it('a failed read is tried again after the pause, not at the next wake-up; the failure is reported', async () => {
    const errors: string[] = [];
    const pausing = new StreamHub(log, wakeups, clock, { ...settings, retryMs: 60, onError: (m) => errors.push(m) });
    try {
      const ada = randomUUID();
      const sink = new RecordingSink();
      await pausing.open({ userId: ada, lastEventId: null, expiresAt: later() }, sink);
      await settle();
      const reads = log.reads;
      log.append(ada, 1);
      log.failNext = 1;
      wakeups.onWake(ada);
      await settle();
      wakeups.onWake(ada);
      await settle();
      expect(log.reads).toBe(reads + 1);
      expect(errors).toEqual(['live streams: reading the event log failed (database down); retrying']);
      for (let i = 0; i < 100 && sink.seqs.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
      expect(sink.seqs).toEqual([1]);
      wakeups.onError('connection lost');
      expect(errors[1]).toBe('live streams: connection lost');
    } finally {
      await pausing.onModuleDestroy();
    }
  });

  it('a wake-up source\'s error without an onError setting is dropped, not thrown', async () => {
    await open(randomUUID(), new RecordingSink());
    expect(() => wakeups.onError('connection lost')).not.toThrow();
  });

  it('ends a backed-up stream at its second heartbeat, not its first', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const beating = new StreamHub(log, wakeups, clock, { ...settings, heartbeatMs: 1000 });
    try {
      const ada = randomUUID();
      const stalled = new RecordingSink({ from: 1, result: 'wait' });
      await beating.open({ userId: ada, lastEventId: null, expiresAt: later() }, stalled);
      await settle();
      log.append(ada, 1);
      wakeups.onWake(ada);
      await settle();
      expect(stalled.seqs).toEqual([1]);
      jest.advanceTimersByTime(1000);
      expect(stalled.ended).toBeUndefined();
      jest.advanceTimersByTime(1000);
      expect(stalled.ended).toBe('slow_consumer');
    } finally {
      await beating.onModuleDestroy();
      jest.useRealTimers();
    }
  });
});
