import http from 'node:http';

export interface SseMessage {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * A Server-Sent Events client for tests (what EventSource does, minus reconnecting): parses the
 * stream as it arrives, keeps every message and comment, and can stop reading (`pause`) to play a
 * slow client.
 */
export class SseStream {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  /** The last `id:` received, with or without data: what EventSource sends as Last-Event-ID. */
  lastEventId: string | undefined;
  /** Resolves when the server closes the stream (or it breaks). */
  readonly closed: Promise<void>;
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly response: http.IncomingMessage,
    private readonly request: http.ClientRequest,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.feed(chunk));
    this.closed = new Promise((resolve) => {
      response.on('close', resolve);
      response.on('error', () => resolve());
    });
  }

  /** The events (not comments, not `retry`) of a given type, or all. */
  events(type?: string): SseMessage[] {
    return type ? this.messages.filter((m) => m.event === type) : this.messages;
  }

  /** Waits until `predicate` holds over what has arrived; fails after `ms` naming what did. */
  async until(predicate: (s: SseStream) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream condition not met in ${ms} ms; received: ${JSON.stringify(this.messages.map((m) => [m.event, m.id]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.request.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'event') event = value;
        else if (name === 'id') id = value;
        else if (name === 'data') data.push(value);
        else continue;
        fields += 1;
      }
      if (id !== undefined) this.lastEventId = id;
      // As EventSource: a block without data (an id alone, `retry`) dispatches no message.
      if (fields > 0 && data.length > 0) this.messages.push({ event, id, data: data.join('\n') });
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** The answer to a GET that was not a stream (a refusal): status, headers and body. */
export interface Refused {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** GETs `url` with `Accept: text/event-stream`; a 200 becomes a live `SseStream`, anything else is read whole. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream | Refused> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      if (response.statusCode !== 200) {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => (body += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        return;
      }
      resolve(new SseStream(200, response.headers, response, request));
    });
    request.on('error', reject);
  });
}

/** Opens a stream that must be one (fails with the refusal otherwise). */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const res = await openSse(url, headers);
  if (!(res instanceof SseStream)) throw new Error(`expected a stream, got ${res.status}: ${res.body}`);
  return res;
}
