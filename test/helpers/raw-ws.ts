import { ClientOptions, WebSocket } from 'ws';

/** A raw-WebSocket test client that queues every JSON message it receives. */
export class RawClient {
  private readonly queue: any[] = [];
  private readonly waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const waiter = this.waiters.find((w) => w.match(message));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      } else {
        this.queue.push(message);
      }
    });
    this.closed = new Promise((done) => socket.on('close', (code, reason) => done({ code, reason: reason.toString() })));
  }

  /** Opens `path` with `?token=`; rejects with the HTTP status when the upgrade is refused. */
  static connect(baseUrl: string, path: string, token?: string, options: ClientOptions = {}): Promise<RawClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const socket = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new RawClient(socket)));
      socket.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message of `type` (already received or still to come). */
  next(type: string, timeoutMs = 5000): Promise<any> {
    const match = (m: any) => m.type === type;
    const index = this.queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (m: any) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`No ${type} message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Messages received and not yet taken by next(). */
  pending(): any[] {
    return [...this.queue];
  }

  /** Takes every message received and not yet taken by next(). */
  drain(): any[] {
    return this.queue.splice(0);
  }

  close(): void {
    this.socket.close();
  }
}
