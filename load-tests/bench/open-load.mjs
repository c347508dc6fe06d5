// An open-model load generator: requests start on a fixed schedule whatever the server does, so a
// stalled server shows up as the latency of every request issued while it stalls (a closed-loop
// tool such as autocannon would stop sending and hide it: coordinated omission). Each request's
// start, end, status and latency is kept for the caller to slice by time window.
import http from 'node:http';

export async function openLoad({ url, method = 'POST', headers = {}, tokens, body, rate, seconds, timeoutMs = 30_000, maxInFlight = 2000 }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const records = [];
  let inFlight = 0;
  let skipped = 0;
  const t0 = performance.now();
  let sent = 0;
  const one = () =>
    new Promise((resolve) => {
      // With tokens, each request is the next user's.
      const auth = tokens ? { authorization: `Bearer ${tokens[sent++ % tokens.length]}` } : {};
      const start = performance.now();
      inFlight += 1;
      const done = (status, error) => {
        inFlight -= 1;
        const end = performance.now();
        records.push({ start: start - t0, end: end - t0, ms: end - start, status, error });
        resolve();
      };
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method,
          agent,
          headers: { ...headers, ...auth, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode));
          res.on('error', (e) => done(0, e.code ?? e.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => done(0, e.code ?? e.message));
      req.end(payload);
    });
  const pending = [];
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = (i * 1000) / rate;
    const wait = due - (performance.now() - t0);
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= maxInFlight) {
      skipped += 1;
      continue;
    }
    pending.push(one());
  }
  await Promise.all(pending);
  agent.destroy();
  return { records, skipped, t0 };
}

export function stats(records) {
  const ms = records.map((r) => r.ms).sort((a, b) => a - b);
  const q = (p) => (ms.length ? +ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1) : null);
  const byStatus = {};
  for (const r of records) {
    const key = r.status ? String(r.status) : `error:${r.error}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return { n: records.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: ms.length ? +ms[ms.length - 1].toFixed(1) : null, byStatus };
}
