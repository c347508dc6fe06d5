// The live streams of `npm run chaos`: each user holds `GET /v1/events` streams open while it
// writes; a stream that breaks (its api SIGKILLed) reconnects with `Last-Event-ID`, as a browser's
// EventSource would (but it also retries after a non-200, which EventSource gives up on). After
// the drain every stream's list of ids must be exactly its user's streamed outbox rows, from where
// the stream started: none missing, none twice, in stream_seq order, no `reset` (ADR 28).
import http from 'node:http';
import { sleep } from './infra.mjs';

/** The outbox rows a stream carries (libs/live/adapters/sql-event-log.adapter.ts, STREAMED_TYPES). */
const STREAMED_TYPES = ['task.%', 'command.%', 'coach.plan-%'];
/** No byte (not even a heartbeat, every 15 s) for this long: the connection is taken as dead. */
const IDLE_MS = Number(process.env.CHAOS_STREAM_IDLE_MS ?? 45_000);
const FIRST_BACKOFF_MS = 200;

export class StreamClient {
  /**
   * @param {object} o
   * @param {() => string} o.base   api base URL (nginx with several apis)
   * @param {import('./workload.mjs').UserClient} o.user   whose token it uses (and renews on 401)
   * @param {number} o.n   the stream's number within its user
   */
  constructor({ base, user, n }) {
    this.base = base;
    this.user = user;
    this.n = n;
    this.name = `user ${user.index} stream ${n}`;
    /** Every event in arrival order: { id, eventId, type, conn, lagMs } (lagMs: occurredAt -> received). */
    this.received = [];
    this.resets = [];
    this.ends = [];
    /** 200s after the first: resumes. */
    this.reconnects = 0;
    /** Attempts that got no stream (refused, 502, 429, ...), by result. */
    this.failedAttempts = {};
    /** Resumes sent without Last-Event-ID (broke before its first event). */
    this.freshResumes = 0;
    /** Every attempt: [at, result, events received during it]. */
    this.attempts = [];
    this.lastId = undefined;
    this.retryMs = 2000;
    this.stopped = false;
  }

  /** Starts the reconnect loop; resolves once the first stream is open (its starting point is fixed). */
  start(timeoutMs = 30_000) {
    const opened = new Promise((resolve, reject) => {
      this.onFirstOpen = resolve;
      setTimeout(() => reject(new Error(`${this.name}: not open within ${timeoutMs} ms (${JSON.stringify(this.failedAttempts)})`)), timeoutMs).unref();
    });
    this.running = this.loop();
    return opened;
  }

  async stop() {
    this.stopped = true;
    this.request?.destroy();
    await this.running;
  }

  async loop() {
    let backoff = FIRST_BACKOFF_MS;
    while (!this.stopped) {
      const before = this.received.length;
      const at = Date.now();
      const r = await this.connectOnce();
      this.attempts.push([at, r.status ?? r.code, this.received.length - before]);
      if (this.stopped) break;
      if (r.status === 200) backoff = FIRST_BACKOFF_MS;
      else {
        const what = r.status ? String(r.status) : r.code;
        this.failedAttempts[what] = (this.failedAttempts[what] ?? 0) + 1;
        if (r.status === 401) await this.user.login().catch(() => undefined);
      }
      // EventSource waits `retry` (the server's 2 s) every time; a shorter first wait makes the
      // resume race the restart more often, which is the point here.
      const wait = r.retryAfterMs ?? Math.min(backoff, this.retryMs);
      backoff = Math.min(backoff * 2, this.retryMs);
      await sleep(wait + Math.random() * 50);
    }
  }

  /** One connection, until it ends: { status } (200 once it was a stream), or { code } when none was answered. */
  connectOnce() {
    return new Promise((resolve) => {
      const headers = { accept: 'text/event-stream', authorization: `Bearer ${this.user.token}` };
      if (this.lastId !== undefined) headers['last-event-id'] = String(this.lastId);
      let conn;
      let settled = false;
      const done = (r) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        resolve(r);
      };
      let stream = false;
      let lastByte = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - lastByte > IDLE_MS) request.destroy(new Error('idle'));
      }, 1000);
      const request = http.get(`${this.base()}/v1/events`, { headers }, (response) => {
        if (response.statusCode !== 200) {
          const ra = Number(response.headers['retry-after']);
          response.resume();
          response.on('close', () => done({ status: response.statusCode, retryAfterMs: Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 2000) : undefined }));
          return;
        }
        stream = true;
        // Counted here, not when it ends: the last one is ended by stop().
        if (this.opened) this.reconnects += 1;
        if (this.opened && !headers['last-event-id']) this.freshResumes += 1;
        conn = this.reconnects + 1;
        if (!this.opened) {
          this.opened = true;
          this.onFirstOpen();
        }
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          lastByte = Date.now();
          buffer += chunk;
          let end;
          // Only whole messages count (an EventSource drops a half-received one when the connection breaks).
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.dispatch(buffer.slice(0, end), conn);
            buffer = buffer.slice(end + 2);
          }
        });
        response.on('error', () => undefined);
        response.on('close', () => done({ status: 200 }));
      });
      this.request = request;
      request.on('error', (error) => done(stream ? { status: 200 } : { code: error.code ?? error.message }));
    });
  }

  dispatch(block, conn) {
    let event = 'message';
    let id;
    let retry;
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') event = value;
      else if (name === 'id') id = value;
      else if (name === 'data') data.push(value);
      else if (name === 'retry') retry = Number(value);
    }
    if (Number.isFinite(retry)) this.retryMs = retry;
    if (id !== undefined) this.lastId = id;
    if (data.length === 0) return;
    const body = JSON.parse(data.join('\n'));
    if (event === 'reset') this.resets.push({ id: Number(id), reason: body.reason, conn });
    else if (event === 'end') this.ends.push(body.reason);
    else this.received.push({ id: Number(id), eventId: body.eventId, type: event, conn, lagMs: Date.now() - Date.parse(body.occurredAt) });
  }
}

/** The user's streamed rows, in stream order. */
async function streamedRows(db, userId, after = 0) {
  const { rows } = await db.query(
    `SELECT stream_seq::text AS seq, event_id, event_type FROM outbox
      WHERE user_id = $1 AND stream_seq IS NOT NULL AND stream_seq > $2 AND event_type LIKE ANY($3::text[])
      ORDER BY stream_seq`,
    [userId, String(after), STREAMED_TYPES],
  );
  return rows.map((r) => ({ seq: Number(r.seq), eventId: r.event_id, type: r.event_type }));
}

/** The user's newest streamed seq now (0 if none): taken before a stream's first write, where it starts. */
export async function newestStreamed(db, userId) {
  const { rows } = await db.query(`SELECT max(stream_seq)::text AS seq FROM outbox WHERE user_id = $1 AND stream_seq IS NOT NULL AND event_type LIKE ANY($2::text[])`, [
    userId,
    STREAMED_TYPES,
  ]);
  return Number(rows[0].seq ?? 0);
}

/**
 * Waits (up to `ms`) until every row of these users is stamped and every stream has received its
 * user's newest streamed row, then stops the streams. Returns how long the streams took to catch up.
 */
export async function settleStreams(db, streams, ms) {
  const userIds = [...new Set(streams.map((st) => st.user.userId))];
  const end = Date.now() + ms;
  const started = Date.now();
  let unstamped = null;
  while (Date.now() < end) {
    unstamped = Number((await db.query(`SELECT count(*) AS n FROM outbox WHERE user_id = ANY($1::uuid[]) AND stream_seq IS NULL`, [userIds])).rows[0].n);
    if (unstamped === 0) break;
    await sleep(250);
  }
  let behind = streams.length;
  while (Date.now() < end) {
    const newest = new Map();
    for (const u of userIds) newest.set(u, await newestStreamed(db, u));
    behind = streams.filter((st) => (st.received.at(-1)?.id ?? 0) < newest.get(st.user.userId)).length;
    if (behind === 0) break;
    await sleep(250);
  }
  await Promise.all(streams.map((st) => st.stop()));
  return { unstamped, behind, settleMs: Date.now() - started };
}

/**
 * Each stream against the database: what it received must be exactly its user's streamed rows
 * after `startSeq` (the user's newest streamed seq when the stream opened, before any write), in
 * order, each with the row's event id. `perStream` (in CHAOS_OUT) has every stream's attempts.
 */
export async function verifyStreams(db, streams) {
  const problems = [];
  const lags = [];
  const figures = { streams: streams.length, events: 0, expected: 0, lost: 0, doubled: 0, outOfOrder: 0, unknown: 0, eventIdMismatch: 0, resets: 0, reconnects: 0, freshResumes: 0, failedAttempts: {}, ends: {} };
  for (const st of streams) {
    const rows = await streamedRows(db, st.user.userId, st.startSeq);
    const bySeq = new Map(rows.map((r) => [r.seq, r]));
    const got = st.received;
    figures.events += got.length;
    figures.expected += rows.length;
    figures.resets += st.resets.length;
    figures.reconnects += st.reconnects;
    figures.freshResumes += st.freshResumes;
    for (const [k, v] of Object.entries(st.failedAttempts)) figures.failedAttempts[k] = (figures.failedAttempts[k] ?? 0) + v;
    for (const reason of st.ends) figures.ends[reason] = (figures.ends[reason] ?? 0) + 1;
    const seen = new Map();
    const doubled = [];
    const outOfOrder = [];
    const unknown = [];
    const mismatched = [];
    for (let i = 0; i < got.length; i++) {
      const e = got[i];
      lags.push(e.lagMs);
      seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
      if (seen.get(e.id) > 1) doubled.push(`${e.id} (connection ${e.conn})`);
      else if (i > 0 && e.id < got[i - 1].id) outOfOrder.push(`${e.id} after ${got[i - 1].id}`);
      const row = bySeq.get(e.id);
      if (!row) unknown.push(e.id);
      else if (row.eventId !== e.eventId || row.type !== e.type) mismatched.push(`${e.id}: got ${e.type} ${e.eventId}, row is ${row.type} ${row.eventId}`);
    }
    const lost = rows.filter((r) => !seen.has(r.seq));
    figures.lost += lost.length;
    figures.doubled += doubled.length;
    figures.outOfOrder += outOfOrder.length;
    figures.unknown += unknown.length;
    figures.eventIdMismatch += mismatched.length;
    (figures.perStream ??= []).push({ name: st.name, received: got.length, rows: rows.length, reconnects: st.reconnects, attempts: st.attempts });
    const who = `${st.name} (user ${st.user.userId}, from seq ${st.startSeq}, ${got.length} received, ${rows.length} in the log, ${st.reconnects} resumes)`;
    if (lost.length) {
      // Where the hole is: what arrived around the first missing row, and on which connection.
      const at = got.findIndex((e) => e.id > lost[0].seq);
      const around = got.slice(Math.max(0, at - 2), at < 0 ? undefined : at + 2).map((e) => `${e.id} (connection ${e.conn})`).join(', ');
      problems.push(`STREAM LOST ${who}: ${lost.length} rows never received: ${lost.slice(0, 15).map((r) => `${r.seq} ${r.type} ${r.eventId}`).join(', ')}; received around the first: ${around}`);
    }
    if (doubled.length) problems.push(`STREAM DOUBLED ${who}: ${doubled.slice(0, 15).join(', ')}`);
    if (outOfOrder.length) problems.push(`STREAM ORDER ${who}: ${outOfOrder.slice(0, 15).join(', ')}`);
    if (unknown.length) problems.push(`STREAM UNKNOWN ${who}: ids matching no streamed row: ${unknown.slice(0, 15).join(', ')}`);
    if (mismatched.length) problems.push(`STREAM EVENT-ID ${who}: ${mismatched.slice(0, 5).join('; ')}`);
    if (st.resets.length) problems.push(`STREAM RESET ${who}: ${st.resets.map((r) => `${r.reason} at id ${r.id} (connection ${r.conn})`).join(', ')}`);
  }
  lags.sort((a, b) => a - b);
  const pct = (q) => (lags.length ? lags[Math.min(lags.length - 1, Math.ceil(q * lags.length) - 1)] : null);
  // Replays after a resume count from when the event happened: the tail is the outages.
  figures.lagP50Ms = pct(0.5);
  figures.lagP99Ms = pct(0.99);
  return { figures, problems };
}
