import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an OpenAI-compatible chat-completions endpoint (node:http on 127.0.0.1, a
 * random port), told how to behave: answer well, or misbehave in the ways a real server or model
 * does. It records every request (body and headers) and counts hits and requests in flight.
 */
export type FakeBehaviour =
  /** Titles for exactly the steps asked about (`Fake step i: <minutes> min`). */
  | 'ok'
  /** Like `ok`, after `slowMs` (past the client's timeout). */
  | 'slow'
  /** Like `ok`, once `release()` is called (or the client gives up): an LLM as slow as a test needs. */
  | 'hold'
  | '500'
  | '429'
  /** 429 with `Retry-After: 60`. */
  | '429-wait'
  /** 200 with message content that is not JSON. */
  | 'invalid-json'
  /** 200 whose HTTP body itself is not JSON. */
  | 'garbage-body'
  /** 200 with JSON that is not the schema (a wrong count and an extra key). */
  | 'off-schema'
  /** 200 with a body of several megabytes. */
  | 'oversized'
  /** A model that obeys text inside the task's data: 50 steps when told to. */
  | 'gullible'
  /** The right count, but some titles bad (multi-line, blank, over 200 characters) and the rest good. */
  | 'some-bad-titles'
  /** 307 to `location` (behave's option): a base URL that sends the client on elsewhere. */
  | 'redirect';

export interface RecordedRequest {
  readonly body: any;
  readonly headers: IncomingMessage['headers'];
  /** The JSON between <task_data> and </task_data> in the user message, parsed. */
  readonly data: any;
}

export interface FakeLlmServer {
  /** The base URL to configure (`http://127.0.0.1:<port>/v1`). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Requests received. */
  hits(): number;
  /** The most requests in flight at once. */
  maxInFlight(): number;
  /** Requests in flight now. */
  inFlight(): number;
  /** Lets every held request (`hold`) answer. */
  release(): void;
  behave(behaviour: FakeBehaviour, options?: { slowMs?: number; location?: string }): void;
  /** A sequence: the first hits behave as listed, later ones as the last. */
  behaveInTurn(behaviours: readonly FakeBehaviour[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeLlmServer(): Promise<FakeLlmServer> {
  let behaviours: FakeBehaviour[] = ['ok'];
  let slowMs = 2_000;
  let location = 'http://127.0.0.1:9/v1/chat/completions';
  let hits = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const held = new Set<() => void>();

  /** Waits `ms`, or less when the client goes away (so an abandoned request is no longer in flight). */
  const wait = (ms: number, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        timers.delete(t);
        resolve();
      };
      const t = setTimeout(done, ms);
      timers.add(t);
      res.once('close', done);
    });

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const behaviour = behaviours[Math.min(hits, behaviours.length - 1)]!;
    hits += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const user = (body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content ?? '';
      const inner = /<task_data>\n([\s\S]*)\n<\/task_data>/.exec(user)?.[1];
      const data = inner ? JSON.parse(inner) : null;
      requests.push({ body, headers: req.headers, data });
      const count: number = data?.steps?.length ?? 0;
      const good = Array.from({ length: count }, (_, i) => `Fake step ${i + 1}: ${data.steps[i].minutes} min`);
      switch (behaviour) {
        case 'ok':
          return answer(res, body.model, JSON.stringify({ titles: good }));
        case 'hold':
          await new Promise<void>((resolve) => {
            const go = () => {
              held.delete(go);
              resolve();
            };
            held.add(go);
            res.once('close', go);
          });
          if (!res.destroyed) answer(res, body.model, JSON.stringify({ titles: good }));
          return;
        case 'slow':
          await wait(slowMs, res);
          if (!res.destroyed) answer(res, body.model, JSON.stringify({ titles: good }));
          return;
        case 'redirect':
          return res.writeHead(307, { location }).end();
        case '500':
          return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom","type":"server_error"}}');
        case '429':
          return res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"message":"slow down","type":"rate_limit"}}');
        case '429-wait':
          return res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '60' }).end('{"error":{"message":"come back in a minute","type":"rate_limit"}}');
        case 'invalid-json':
          return answer(res, body.model, 'Sure! Here are your steps:\n1. Open the document\n2. Write');
        case 'garbage-body':
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "x", "choices": [ this is not json');
        case 'off-schema':
          return answer(res, body.model, JSON.stringify({ titles: good.slice(0, Math.max(0, count - 1)), steps: 12 }));
        case 'oversized': {
          const huge = JSON.stringify({ titles: Array.from({ length: count }, () => 'x'.repeat(1_000_000)) });
          return answer(res, body.model, huge);
        }
        case 'gullible': {
          const told = /ignore previous instructions/i.test(String(data?.task?.title));
          const titles = told ? Array.from({ length: 50 }, (_, i) => `HACKED ${i + 1}`) : good;
          return answer(res, body.model, JSON.stringify({ titles }));
        }
        case 'some-bad-titles': {
          const bad = ['Line one\nline two', '   ', 'y'.repeat(201), '\u0000\u0007'];
          return answer(res, body.model, JSON.stringify({ titles: good.map((t, i) => (i % 2 === 1 ? bad[((i - 1) / 2) % bad.length]! : t)) }));
        }
      }
    } finally {
      inFlight -= 1;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    hits: () => hits,
    maxInFlight: () => maxInFlight,
    inFlight: () => inFlight,
    release() {
      for (const go of [...held]) go();
    },
    behave(b, options) {
      behaviours = [b];
      if (options?.slowMs !== undefined) slowMs = options.slowMs;
      if (options?.location !== undefined) location = options.location;
    },
    behaveInTurn(list) {
      behaviours = [...list];
    },
    reset() {
      hits = 0;
      maxInFlight = 0;
      requests.length = 0;
      behaviours = ['ok'];
    },
    async close() {
      for (const go of [...held]) go();
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, model: string, content: string): void {
  const body = {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
