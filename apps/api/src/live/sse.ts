import type { ServerResponse } from 'node:http';
import type { EndReason, SendResult, StreamMessage, StreamSink } from '@ln/live/application/stream-hub.service';

/** The client's browser reconnects after this long (EventSource's `retry`). */
const RETRY_MS = 2000;
/** A stream ended for being slow is cut off this long after its end was written, if still unread. */
const SLOW_CLOSE_MS = 10_000;

/** One Server-Sent Events message (JSON data never holds a line break, so one `data:` line). */
export function sseFrame(message: StreamMessage): string {
  switch (message.kind) {
    case 'event': {
      const e = message.event.event;
      const data = { eventId: e.eventId, type: e.type, aggregateType: e.aggregateType, aggregateId: e.aggregateId, version: e.version, occurredAt: e.occurredAt, payload: e.payload };
      return `event: ${e.type}\nid: ${message.event.seq}\ndata: ${JSON.stringify(data)}\n\n`;
    }
    case 'start':
      // An id and no data: EventSource takes the id as its Last-Event-ID and dispatches nothing.
      return `id: ${message.id}\n\n`;
    case 'reset':
      return `event: reset\nid: ${message.id}\ndata: ${JSON.stringify({ reason: message.reason, detail: RESET_DETAIL[message.reason] })}\n\n`;
    case 'heartbeat':
      return `: heartbeat\n\n`;
  }
}

const RESET_DETAIL: Record<Extract<StreamMessage, { kind: 'reset' }>['reason'], string> = {
  pruned: 'the events after your Last-Event-ID are older than the window kept; re-read your tasks, then follow this stream',
  too_many_missed: 'more events were missed than a resume replays; re-read your tasks, then follow this stream',
  unknown_event_id: 'the Last-Event-ID is not one this server handed out; re-read your tasks, then follow this stream',
};

export function sseEnd(reason: EndReason): string {
  return `event: end\ndata: ${JSON.stringify({ reason })}\n\n`;
}

/**
 * A stream's HTTP response. Messages are held until `attach` (the hub may produce the first one
 * before the response's head may be written: a refusal must still be able to answer 429).
 * Back-pressure: when `write` says the socket is backed up (past Node's high-water mark), `send`
 * says `wait` and the hub sends nothing more until it drains (the events wait in the log, not in
 * memory); if the bytes waiting ever pass `maxBufferedBytes` (a huge event, or a client that never
 * reads), `send` says `over` and the hub ends the stream; the client resumes by Last-Event-ID.
 */
export class SseResponseSink implements StreamSink {
  private raw: ServerResponse | undefined;
  private held: string[] = [];
  private ended: EndReason | undefined;

  constructor(private readonly maxBufferedBytes: number) {}

  attach(raw: ServerResponse, headers: Record<string, string>): void {
    raw.writeHead(200, headers);
    raw.write(`retry: ${RETRY_MS}\n\n`);
    this.raw = raw;
    for (const chunk of this.held) raw.write(chunk);
    this.held = [];
    if (this.ended) this.finish(this.ended);
  }

  send(message: StreamMessage): SendResult {
    const chunk = sseFrame(message);
    if (!this.raw) {
      this.held.push(chunk);
      return 'sent';
    }
    if (this.raw.destroyed || this.raw.writableEnded) return 'sent';
    const flowing = this.raw.write(chunk);
    if (this.raw.writableLength > this.maxBufferedBytes) return 'over';
    return flowing ? 'sent' : 'wait';
  }

  onDrain(callback: () => void): void {
    if (!this.raw || this.raw.destroyed) return;
    this.raw.once('drain', callback);
  }

  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = reason;
    if (this.raw) this.finish(reason);
  }

  private finish(reason: EndReason): void {
    const raw = this.raw!;
    if (raw.destroyed || raw.writableEnded) return;
    raw.end(sseEnd(reason));
    if (reason === 'slow_consumer') setTimeout(() => raw.destroy(), SLOW_CLOSE_MS).unref();
  }
}
