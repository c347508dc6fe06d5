// A loopback TCP proxy that can be paused: while paused it accepts and holds connections and
// buffers what either side sends, forwarding nothing, as a stalled server would look to its
// clients (no error, no reset: just no answer). Resumed, it delivers what it held, in order.
// The bench puts it in front of the shared PostgreSQL so it can "stop" PostgreSQL for its own
// processes only.
import net from 'node:net';

export async function startPausableProxy(target) {
  const pairs = new Set();
  let paused = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    const pair = { client, upstream, held: [] };
    pairs.add(pair);
    const forward = (from, to) =>
      from.on('data', (chunk) => {
        if (paused) pair.held.push([to, chunk]);
        else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const pair of pairs) for (const [to, chunk] of pair.held.splice(0)) to.write(chunk);
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
