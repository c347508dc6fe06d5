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
  /** While set, reads wait for it (a read still in flight when something else happens). */
  gate: Promise<void> | undefined;

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

  async readAfter(cursors: readonly LogCursor[], limitPerUser: number) {
    this.reads += 1;
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database down');
    }
    const events = cursors.flatMap((c) => this.events.filter((e) => e.userId === c.userId && e.seq > c.after && e.seq > this.prunedThrough).slice(0, limitPerUser));
    return { events, prunedThrough: this.prunedThrough };
  }

  async resumePoint(userId: string, after: number | null, cap: number): Promise<ResumePoint> {
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
  closed = false;
  async listen(onWake: (userId: string) => void, onListening: () => void) {
    this.onWake = onWake;
    this.onListening = onListening;
    return { close: async () => void (this.closed = true) };
  }
}

class RecordingSink implements StreamSink {
  messages: StreamMessage[] = [];
  ended: EndReason | undefined;
  private drained: (() => void) | undefined;
  /** From message number `from` on, `send` answers `result` (a backed-up socket, or one past the cap). */
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
    expect(sink.messages).toEqual([]);
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
    log.gate = new Promise((r) => (release = r));
    wakeups.onWake(ada);
    await settle();
    // The read after the current stream's cursor (6) is in flight; a resume from 4 becomes ready.
    const behind = new RecordingSink();
    await open(ada, behind, all[3].seq);
    log.gate = undefined;
    release();
    await settle();
    expect(current.seqs).toEqual(next.map((e) => e.seq));
    expect(behind.seqs).toEqual([...all.slice(4), ...next].map((e) => e.seq));
  });

  it('a backed-up stream that drains while a read for its user is in flight gets what lies below that read', async () => {
    const ada = randomUUID();
    const slow = new RecordingSink({ from: 2, result: 'wait' });
    const fine = new RecordingSink();
    await open(ada, slow);
    await open(ada, fine);
    log.append(ada, 3);
    wakeups.onWake(ada);
    await settle();
    expect([slow.seqs, fine.seqs]).toEqual([[1, 2], [1, 2, 3]]);
    log.append(ada, 2);
    let release!: () => void;
    log.gate = new Promise((r) => (release = r));
    wakeups.onWake(ada);
    await settle();
    // The read after the fine stream's cursor (3) is in flight when the slow one drains at 2.
    slow.drain();
    log.gate = undefined;
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
    expect(sink.messages.map((m) => (m.kind === 'event' ? m.event.seq : m.kind))).toEqual(['reset', 3]);
  });

  it('refuses past the caps per user and per process (429 codes), and a closed stream frees its place', async () => {
    const [ada, bob, cy] = [randomUUID(), randomUUID(), randomUUID()];
    const first = await open(ada, new RecordingSink());
    await open(ada, new RecordingSink());
    await expect(open(ada, new RecordingSink())).rejects.toMatchObject({ code: 'too_many_streams', kind: 'rate_limited' });
    await open(bob, new RecordingSink());
    await expect(open(cy, new RecordingSink())).rejects.toBeInstanceOf(TooManyStreams);
    await expect(open(cy, new RecordingSink())).rejects.toMatchObject({ code: 'server_streams_full' });
    first.close();
    expect(hub.openStreams).toBe(2);
    await open(cy, new RecordingSink());
    expect(hub.openStreams).toBe(3);
  });

  it('ends a stream whose waiting bytes pass the cap (slow_consumer) and frees its place; the others go on', async () => {
    const ada = randomUUID();
    const slow = new RecordingSink({ from: 3, result: 'over' });
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
    const sink = new RecordingSink({ from: 2, result: 'wait' });
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
    log.append(ada, 1);
    log.append(bob, 1);
    wakeups.onListening();
    await settle();
    expect([a.seqs, b.seqs]).toEqual([[1], [2]]);
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
    await expect(open(ada, new RecordingSink())).rejects.toBeInstanceOf(TooManyStreams);
  });
});
