import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback to a port on loopback whose open connections can be silenced: from then
 * on their bytes are dropped both ways and nothing is closed, as when a host vanishes without a
 * reset (a crashed VM, a dropped NAT entry). Connections made afterwards go through, as to a
 * replica that took the address over.
 */
export class SilencingProxy {
  private readonly open = new Set<{ silenced: boolean; sockets: Socket[] }>();
  /** Connections made while this is set are silent from the start, as to a Redis that accepts but does not answer. */
  silenceNew = false;

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<SilencingProxy> {
    const server = createServer();
    const proxy = new SilencingProxy(server);
    server.on('connection', (client) => proxy.pipe(client, createConnection(targetPort, '127.0.0.1')));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Every connection open now goes silent, for good. */
  silenceAll(): void {
    for (const connection of this.open) connection.silenced = true;
  }

  async close(): Promise<void> {
    for (const { sockets } of this.open) sockets.forEach((socket) => socket.destroy());
    await new Promise((closed) => this.server.close(closed));
  }

  /** Resolves once `count` more connections have been made to the proxy. */
  nextConnections(count: number): Promise<void> {
    return new Promise((made) => {
      let left = count;
      const counted = () => {
        if (--left > 0) return;
        this.server.off('connection', counted);
        made();
      };
      this.server.on('connection', counted);
    });
  }

  /** How many connections are open through the proxy now. */
  get openConnections(): number {
    return this.open.size;
  }

  private pipe(client: Socket, upstream: Socket): void {
    const connection = { silenced: this.silenceNew, sockets: [client, upstream] };
    this.open.add(connection);
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => connection.silenced || to.write(chunk));
      from.on('error', () => to.destroy());
      from.on('close', () => (to.destroy(), this.open.delete(connection)));
    };
    forward(client, upstream);
    forward(upstream, client);
  }
}
