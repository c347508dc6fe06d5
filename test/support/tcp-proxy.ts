import net from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, to make a real service unreachable for the
 * application under test without stopping the service everyone else uses.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private trap?: { readonly pattern: Buffer; readonly sprung: () => void };

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = net.createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as net.AddressInfo).port)));
    await new Promise((r) => probe.close(r));
    const proxy = new TcpProxy(port, target);
    await proxy.restore();
    return proxy;
  }

  /** A proxy in front of a service's URL, and that URL rewritten to go through it. */
  static async inFrontOf(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
    const target = new URL(url);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || defaultPort) });
    const via = new URL(url);
    via.hostname = '127.0.0.1';
    via.port = String(proxy.port);
    return { proxy, url: via.toString() };
  }

  /** Accepts and forwards connections again. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      // Before the pipe's own listener, so a matching chunk is never forwarded.
      client.on('data', (chunk: Buffer) => {
        const trap = this.trap;
        if (!trap || !chunk.includes(trap.pattern)) return;
        this.trap = undefined;
        client.destroy();
        upstream.destroy();
        trap.sprung();
      });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.server = server;
  }

  /**
   * Drops the connection on which the client next sends `pattern` (unforwarded), once; new
   * connections are accepted as before. Resolves when it has dropped one.
   */
  dropWhenClientSends(pattern: Buffer): Promise<void> {
    return new Promise((sprung) => (this.trap = { pattern, sprung }));
  }

  /** Drops every open connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((r) => server.close(r));
  }

  /**
   * Keeps every open connection open but forwards nothing more, either way, and refuses new ones:
   * a peer that stopped answering (a partition, a paused broker) rather than one that hung up.
   * `close()` (or `cut()`) ends the stalled connections.
   */
  stall(): void {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
    // Not awaited: close() calls back only once every connection has ended.
    server?.close();
  }

  close(): Promise<void> {
    return this.cut();
  }
}
