/** The answer's body was larger than the cap: refused before it is parsed. */
export class ResponseTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`response body over ${maxBytes} bytes`);
    this.name = 'ResponseTooLarge';
  }
}

/**
 * The request was aborted (the client's timeout is the only abort here). Named `AbortError` and
 * made in this realm, so the client reports a timeout whichever realm `fetch` threw from.
 */
export class RequestTimedOut extends Error {
  constructor() {
    super('request timed out');
    this.name = 'AbortError';
  }
}

/** The server answered with a redirect, which is not followed. */
export class RedirectRefused extends Error {
  constructor(readonly status: number) {
    super(`redirect (${status}) not followed`);
    this.name = 'RedirectRefused';
  }
}

type Fetch = typeof globalThis.fetch;

/**
 * A `fetch` that reads the whole body within the request (so the client's timeout, which ends
 * when `fetch` resolves, also covers a body that trickles in) and refuses one over `maxBytes`:
 * by its Content-Length at once, else as soon as the bytes read pass the cap. It never follows a
 * redirect (a 3xx is a RedirectRefused): the request, with the key and the user's task data, goes to
 * the configured LLM_BASE_URL's host and nowhere else.
 */
export function cappedFetch(maxBytes: number, inner: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    try {
      const response = await inner(input, { ...init, redirect: 'manual' });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        throw new RedirectRefused(response.status);
      }
      return await readCapped(response, maxBytes);
    } catch (error) {
      if (init?.signal?.aborted) throw new RequestTimedOut();
      throw error;
    }
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<Response> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLarge(maxBytes);
  }
  if (!response.body) return response;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = Buffer.concat(chunks);
  // The body is already decoded: drop the headers that described the encoded one.
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers });
}
