import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import { InProcessEventTransport } from '@ln/kernel/adapters/messaging/in-process-event-transport.adapter';
import { OutboxRelay } from '@ln/kernel/adapters/messaging/outbox-relay';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { appendToOutbox } from '@ln/kernel/adapters/persistence/outbox.writer';
import { OutboxPruner } from '@ln/kernel/adapters/persistence/outbox-pruner';
import { SqlEventLog } from '@ln/live/adapters/sql-event-log.adapter';
import { NotifyStreamWakeups } from '@ln/live/adapters/notify-stream-wakeups.adapter';
import { openMigratedDatabase } from '../../support/app';
import { describeWithService } from '../../support/services';

/** Events of one user, numbered in their order (`version`), of a streamed type unless told. */
function userEvents(userId: string, count: number, type = 'task.edited.v1', from = 1): DomainEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    type,
    aggregateType: 'task',
    aggregateId: userId,
    userId,
    version: from + i,
    occurredAt: new Date().toISOString(),
    payload: { n: from + i },
  }));
}

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The outbox as each user's event log (ADR 28), on both engines: the relay stamps stream_seq in
 * position order before it publishes, announces each owner on ln_stream when the stamps commit; the log reader reads
 * after per-user cursors in one statement; pruning keeps a window and an exact watermark.
 */
function eventLogContract(open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  let db: Database;
  let close: () => Promise<void>;
  let relay: OutboxRelay;
  let transport: InProcessEventTransport;
  let log: SqlEventLog;
  beforeAll(async () => {
    ({ db, close } = await open());
    transport = new InProcessEventTransport();
    relay = new OutboxRelay(db, transport, { partitions: 2, batchSize: 7, listen: false });
    log = new SqlEventLog(db);
  });
  afterAll(async () => {
    await transport.close();
    await close();
  });

  const write = (events: DomainEvent[]) => db.transaction((m) => appendToOutbox(m, events));
  const relayAll = async () => {
    while ((await relay.relayOnce()) > 0);
  };
  const stamps = async (userId: string) =>
    (
      (await db.run((m) => m.query(`SELECT position, stream_seq FROM outbox WHERE user_id = $1 ORDER BY position`, [userId]))) as {
        position: string;
        stream_seq: string | null;
      }[]
    ).map((r) => ({ position: Number(r.position), seq: r.stream_seq === null ? null : Number(r.stream_seq) }));

  it('stamps stream_seq in position order, across batches and within one (60 rows, batches of 7)', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    // Interleaved writes of two users, one 40-row transaction among them.
    await write(userEvents(a, 5));
    await write(userEvents(b, 3));
    await write(userEvents(a, 40, 'task.edited.v1', 6));
    await write(userEvents(b, 12, 'task.edited.v1', 4));
    expect((await stamps(a)).every((r) => r.seq === null)).toBe(true);
    await relayAll();
    for (const user of [a, b]) {
      const rows = await stamps(user);
      const seqs = rows.map((r) => r.seq!);
      expect(seqs.every((s) => s !== null)).toBe(true);
      // Rows are listed by position: their seqs must rise with it.
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  });

  it('reads each cursor\'s events after it, in seq order, per-user limited, streamed types only, with the watermark', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await write([...userEvents(a, 3), ...userEvents(a, 1, 'user.registered.v1')]);
    await write(userEvents(b, 4));
    await relayAll();
    const aSeqs = (await stamps(a)).map((r) => r.seq!);
    const first = await log.readAfter(
      [
        { userId: a, after: 0 },
        { userId: b, after: 0 },
        { userId: c, after: 0 },
      ],
      3,
    );
    const of = (u: string) => first.events.filter((e) => e.userId === u);
    // The account event is in the log but not in the stream.
    expect(of(a).map((e) => e.event.version)).toEqual([1, 2, 3]);
    expect(of(a).map((e) => e.seq)).toEqual(aSeqs.slice(0, 3));
    expect(of(b).map((e) => e.event.version)).toEqual([1, 2, 3]);
    expect(of(c)).toEqual([]);
    expect(of(a)[0].event).toMatchObject({ type: 'task.edited.v1', userId: a, aggregateId: a });
    const next = await log.readAfter([{ userId: b, after: of(b)[2].seq }], 3);
    expect(next.events.map((e) => e.event.version)).toEqual([4]);
    expect(first.prunedThrough).toBe(await new OutboxPruner(db).watermark());
  });

  it('gives where a stream may resume: the user\'s latest, the head, and the missed events counted up to the cap + 1', async () => {
    const [a, fresh] = [randomUUID(), randomUUID()];
    await write(userEvents(a, 6));
    await relayAll();
    const seqs = (await stamps(a)).map((r) => r.seq!);
    const point = await log.resumePoint(a, seqs[1], 3);
    expect(point.latest).toBe(seqs[5]);
    expect(point.head).toBeGreaterThanOrEqual(seqs[5]);
    expect(point.pending).toBe(4); // 4 missed, counted to cap + 1 = 4
    expect((await log.resumePoint(a, seqs[3], 3)).pending).toBe(2);
    expect((await log.resumePoint(a, null, 3)).pending).toBe(0);
    expect((await log.resumePoint(fresh, null, 3)).latest).toBe(0);
  });

  it('pages a user\'s changes of one aggregate type after a seq, with its latest seq, in one snapshot', async () => {
    const user = randomUUID();
    const planEvent = { ...userEvents(user, 1, 'coach.plan-proposed.v1')[0], aggregateType: 'plan', aggregateId: randomUUID() };
    await write([...userEvents(user, 3), planEvent, ...userEvents(user, 2, 'task.deleted.v1', 4)]);
    await relayAll();
    const seqs = (await stamps(user)).map((r) => r.seq!);
    const first = await log.changesAfter(user, 'task', seqs[0], 2);
    expect(first.changes).toEqual([
      { seq: seqs[1], aggregateId: user, type: 'task.edited.v1' },
      { seq: seqs[2], aggregateId: user, type: 'task.edited.v1' },
    ]);
    expect(first.more).toBe(true);
    expect(first.latest).toBe(seqs[5]);
    // The plan's event is not a task's: skipped, and the page after it holds the deletes.
    const rest = await log.changesAfter(user, 'task', seqs[2], 10);
    expect(rest.changes.map((c) => [c.seq, c.type])).toEqual([
      [seqs[4], 'task.deleted.v1'],
      [seqs[5], 'task.deleted.v1'],
    ]);
    expect(rest.more).toBe(false);
    expect((await log.changesAfter(randomUUID(), 'task', 0, 10)).changes).toEqual([]);
  });

  it('announces each owner on ln_stream when the relay pass commits', async () => {
    const woken: string[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const sub = await new NotifyStreamWakeups(db).listen((u) => woken.push(u), () => listening(), () => undefined);
    try {
      await ready;
      const [a, b] = [randomUUID(), randomUUID()];
      await write([...userEvents(a, 3), ...userEvents(b, 2)]);
      // Written, not yet published: nothing to announce.
      await new Promise((r) => setTimeout(r, 100));
      expect(woken.filter((u) => u === a || u === b)).toEqual([]);
      await relayAll();
      await waitFor(() => woken.includes(a) && woken.includes(b));
    } finally {
      await sub.close();
    }
  });

  it('prunes published rows older than the window, by seq, and raises the watermark exactly', async () => {
    const [old, recent, unsent] = [randomUUID(), randomUUID(), randomUUID()];
    await write(userEvents(old, 4));
    await relayAll();
    await write(userEvents(recent, 2));
    await relayAll();
    await db.run((m) => m.query(`UPDATE outbox SET published_at = now() - interval '2 days' WHERE user_id = $1`, [old]));
    await write(userEvents(unsent, 1));
    await db.run((m) => m.query(`UPDATE outbox SET created_at = now() - interval '2 days' WHERE user_id = $1`, [unsent]));
    const oldSeqs = (await stamps(old)).map((r) => r.seq!);
    const pruner = new OutboxPruner(db, { chunk: 3 });
    const result = await pruner.prune(new Date(Date.now() - 86_400_000));
    // Everything stamped up to the old user's last row is gone (earlier tests' rows too), nothing after.
    expect(result.prunedThrough).toBe(oldSeqs[3]);
    expect(await stamps(old)).toEqual([]);
    expect((await stamps(recent)).length).toBe(2);
    // The relay still owes this one: never pruned, however old.
    expect((await stamps(unsent)).length).toBe(1);
    const left = (await db.run((m) => m.query(`SELECT count(*)::int AS n FROM outbox WHERE stream_seq <= $1`, [result.prunedThrough]))) as { n: number }[];
    expect(left[0].n).toBe(0);
    // The reader sees the watermark with its rows, and resume points report it.
    expect((await log.readAfter([{ userId: recent, after: 0 }], 10)).prunedThrough).toBe(oldSeqs[3]);
    expect((await log.resumePoint(old, null, 10)).prunedThrough).toBe(oldSeqs[3]);
    // A second pass with nothing new keeps the watermark.
    expect((await pruner.prune(new Date(Date.now() - 86_400_000))).prunedThrough).toBe(oldSeqs[3]);
    await relayAll();
  });

  it('never prunes up to a row that is stamped but not yet published (the broker was down)', async () => {
    const [stuck, old] = [randomUUID(), randomUUID()];
    await write(userEvents(stuck, 1));
    // What a pass leaves when its publish fails: the stamp committed, published_at still NULL.
    await db.run((m) => m.query(`UPDATE outbox SET stream_seq = nextval('outbox_stream_seq') WHERE user_id = $1`, [stuck]));
    // Later rows, stamped after it and published (two days ago), as a relay would have done.
    await write(userEvents(old, 3));
    await db.run((m) =>
      m.query(`UPDATE outbox SET stream_seq = nextval('outbox_stream_seq'), published_at = now() - interval '2 days' WHERE user_id = $1`, [old]),
    );
    const [stuckRow] = await stamps(stuck);
    const before = await new OutboxPruner(db).watermark();
    const result = await new OutboxPruner(db).prune(new Date(Date.now() - 86_400_000));
    // The old rows' seqs lie above the stuck row's: they wait with it.
    expect(result.prunedThrough).toBe(before);
    expect(result.prunedThrough).toBeLessThan(stuckRow.seq!);
    expect((await stamps(stuck)).length).toBe(1);
    expect((await stamps(old)).length).toBe(3);
    // Published at last, the stuck row goes the normal way.
    await relayAll();
    await db.run((m) => m.query(`UPDATE outbox SET published_at = now() - interval '2 days' WHERE user_id = ANY($1::uuid[])`, [[stuck, old]]));
    const later = await new OutboxPruner(db).prune(new Date(Date.now() - 86_400_000));
    expect(later.prunedThrough).toBeGreaterThanOrEqual(stuckRow.seq!);
    expect(await stamps(stuck)).toEqual([]);
    expect(await stamps(old)).toEqual([]);
  });
}

describe('event log [pglite]', () => eventLogContract(() => openMigratedDatabase('pglite')));
describeWithService('postgres', 'event log', () => eventLogContract(() => openMigratedDatabase('postgres')));

/**
 * Transactions side by side, PostgreSQL only (PGlite runs transactions one at a time).
 * - The ordering argument of ADR 28 on the case it exists for: a row inserted first (lower
 *   position) whose transaction commits after a later row was published. Stamped at insert it
 *   would sit below a seq a client has already seen, and a resume from that seq would miss it.
 *   Stamped by the relay it comes after.
 * - A live stream waits for the stamp's short transaction, not for the broker: the relay stamps a
 *   partition's new rows and announces their owners before it publishes them.
 */
describeWithService('postgres', 'event log: concurrent transactions', () => {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase('postgres'));
  });
  afterAll(() => close());

  it('is read after the events published before it: a cursor taken meanwhile misses nothing', async () => {
    const user = randomUUID();
    const [lateEvent, earlyEvent] = userEvents(user, 2);
    const transport = new InProcessEventTransport();
    const relay = new OutboxRelay(db, transport, { partitions: 1, listen: false });
    const log = new SqlEventLog(db);
    let commit!: () => void;
    let inserted!: () => void;
    const gate = new Promise<void>((r) => (commit = r));
    const insertedP = new Promise<void>((r) => (inserted = r));
    const held = db.transaction(async (m) => {
      await appendToOutbox(m, [lateEvent]);
      inserted();
      await gate;
    });
    await insertedP;
    await db.transaction((m) => appendToOutbox(m, [earlyEvent]));
    await relay.relayOnce();
    // A client follows the stream and has seen the published row.
    const seen = await log.readAfter([{ userId: user, after: 0 }], 100);
    expect(seen.events.map((e) => e.event.eventId)).toEqual([earlyEvent.eventId]);
    const cursor = seen.events[0].seq;
    commit();
    await held;
    await relay.relayOnce();
    const rows = (await db.run((m) => m.query(`SELECT event_id, position, stream_seq FROM outbox WHERE user_id = $1 ORDER BY position`, [user]))) as {
      event_id: string;
      position: string;
      stream_seq: string;
    }[];
    // Inserted first (lower position), stamped later (higher seq).
    expect(rows.map((r) => r.event_id)).toEqual([lateEvent.eventId, earlyEvent.eventId]);
    expect(Number(rows[0].stream_seq)).toBeGreaterThan(Number(rows[1].stream_seq));
    const after = await log.readAfter([{ userId: user, after: cursor }], 100);
    expect(after.events.map((e) => e.event.eventId)).toEqual([lateEvent.eventId]);
    await transport.close();
  });

  it('stamps and announces a row while its publish still waits for the broker, and publishes only stamped rows', async () => {
    const user = randomUUID();
    let confirm!: () => void;
    const confirmed = new Promise<void>((r) => (confirm = r));
    let publishing!: () => void;
    const publishStarted = new Promise<void>((r) => (publishing = r));
    const published: string[] = [];
    const inner = new InProcessEventTransport();
    const slow = Object.assign(Object.create(inner) as InProcessEventTransport, {
      async publish(events: DomainEvent[]): Promise<void> {
        publishing();
        await confirmed;
        published.push(...events.map((e) => e.eventId));
      },
    });
    const relay = new OutboxRelay(db, slow, { partitions: 1, listen: false });
    const log = new SqlEventLog(db);
    const woken: string[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const sub = await new NotifyStreamWakeups(db).listen((u) => woken.push(u), () => listening(), () => undefined);
    try {
      await ready;
      const events = userEvents(user, 3);
      await db.transaction((m) => appendToOutbox(m, events));
      const pass = relay.relayOnce();
      await publishStarted;
      // The broker has not confirmed: the rows are on the user's log and the stream was woken.
      const seen = await log.readAfter([{ userId: user, after: 0 }], 100);
      expect(seen.events.map((e) => e.event.eventId)).toEqual(events.map((e) => e.eventId));
      await waitFor(() => woken.includes(user));
      expect(published).toEqual([]);
      confirm();
      expect(await pass).toBe(3);
      expect(published).toEqual(events.map((e) => e.eventId));
      const rows = (await db.run((m) => m.query(`SELECT count(*)::int AS n FROM outbox WHERE user_id = $1 AND published_at IS NOT NULL`, [user]))) as { n: number }[];
      expect(rows[0].n).toBe(3);
    } finally {
      await sub.close();
      await inner.close();
    }
  });
});
