import { io, Socket } from 'socket.io-client';
import type {
  InstantMentorClientToServerEvents,
  InstantMentorServerToClientEvents,
  SharedServerToClientEvents,
} from '@call-signaling/client';
import type { RegisteredUser } from './users';

type Heard = InstantMentorServerToClientEvents & SharedServerToClientEvents;
type HeardName = Extract<keyof Heard, string>;
type HeardPayload<E extends HeardName> = Parameters<Heard[E]>[0];
type Sent = InstantMentorClientToServerEvents;
type SentName = Extract<keyof Sent, string>;

/**
 * A client as the InstantMentor app's Flutter service is written: it connects with `{userId,
 * userRole}` in the handshake `auth` and the `user-id`/`user-role` headers (here with a token
 * added, the one change the contract asks of it), emits without acknowledgements, and learns
 * everything from events. `envelope` sends as its second service does, wrapping the fields.
 */
export class InstantMentorApp {
  readonly socket: Socket<Heard, Sent>;
  /** Every event heard, in order: a test can check what did not come. */
  readonly heard: Array<[string, unknown]> = [];

  constructor(
    baseUrl: string,
    readonly user: RegisteredUser,
    claimed: { userId: string; userRole: string } = { userId: user.id, userRole: user.role },
  ) {
    this.socket = io(baseUrl, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { ...claimed, token: user.token },
      extraHeaders: { 'user-id': claimed.userId, 'user-role': claimed.userRole },
    });
    this.socket.onAny((event: string, payload: unknown) => this.heard.push([event, payload]));
  }

  /** Connected and authenticated. */
  async ready(): Promise<this> {
    await this.next('authenticated');
    return this;
  }

  emit<E extends SentName>(event: E, payload: Parameters<Sent[E]>[0]): void {
    (this.socket as unknown as Socket).emit(event, payload);
  }

  /** Any event and payload, as no app would send them (bad input on purpose). */
  emitAny(event: string, payload: unknown): void {
    (this.socket as unknown as Socket).emit(event, payload);
  }

  /** A section 8 event with an acknowledgement (the app has no words for taking a help request). */
  emitWithAck(event: string, payload: unknown): Promise<{ ok: boolean; error?: { code: string } }> {
    return (this.socket as unknown as Socket).timeout(5000).emitWithAck(event, payload) as Promise<{
      ok: boolean;
      error?: { code: string };
    }>;
  }

  /** As the app's `WebSocketMessage.toJson()`: `{id, event, data, senderId, receiverId, timestamp}`. */
  envelope(event: string, appEvent: string, data: Record<string, unknown>, receiverId?: string): void {
    const timestamp = new Date().toISOString();
    (this.socket as unknown as Socket).emit(event, {
      id: String(Date.now()),
      event: appEvent,
      data,
      senderId: this.user.id,
      receiverId,
      timestamp,
    });
  }

  /** The next `event` whose payload `match` accepts. */
  next<E extends HeardName>(
    event: E,
    match: (payload: HeardPayload<E>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<HeardPayload<E>> {
    const plain = this.socket as unknown as Socket;
    const name: string = event;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        plain.off(name, onEvent);
        reject(new Error(`${this.user.displayName}: no ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onEvent = (received: unknown) => {
        const payload = received as HeardPayload<E>;
        if (!match(payload)) return;
        clearTimeout(timer);
        plain.off(name, onEvent);
        resolve(payload);
      };
      plain.on(name, onEvent);
    });
  }

  /** The payloads of `event` heard so far. */
  heardOf(event: string): unknown[] {
    return this.heard.filter(([name]) => name === event).map(([, payload]) => payload);
  }

  close(): void {
    this.socket.disconnect();
  }
}
