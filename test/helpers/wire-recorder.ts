import type { DocumentedOperation } from './asyncapi';
import { PayloadSchemas } from './asyncapi';
import type { Surface } from './contract-events';
import { HEARD_FROM_OTHERS } from './dialect-words';
import { RawClient } from './raw-ws';
import { connectSocket, emitRaw, TestSocket, untyped } from './sockets';

export type SocketIoDialect = 'calls' | 'webrtc' | 'instant' | 'instantmentor';
type RawSurface = Exclude<Surface, 'socketIo'>;

/** The document tags each dialect's events with the dialect's name; connection, chat and community events reach every dialect. */
const DIALECT_TAG: Record<SocketIoDialect, string> = {
  calls: 'calls',
  webrtc: 'webrtc',
  instant: 'instant',
  instantmentor: 'instantmentor',
};
const SHARED_TAGS = ['connection', 'chat', 'community'];

const RAW_PATH: Record<RawSurface, string> = { wsCall: '/ws/call/', wsSignaling: '/ws/signaling/' };
/** What names a raw message: /ws/call/ clients send `action`; everything else is keyed by `type`. */
const RAW_CLIENT_KEY: Record<RawSurface, string> = { wsCall: 'action', wsSignaling: 'type' };

const shown = (payload: unknown) => {
  const json = JSON.stringify(payload) ?? 'undefined';
  return json.length > 300 ? `${json.slice(0, 300)}…` : json;
};

/**
 * The test clients' side of the wire, held to the AsyncAPI document: every payload a client sends
 * is checked before it goes; every message a client receives and every acknowledgement is checked
 * as it arrives; and each documented operation (and Socket.IO acknowledgement) the traffic
 * exercises is ticked off.
 */
export class WireRecorder {
  /** Received messages and acks that broke their documented schema, or reached the wrong dialect. */
  readonly problems: string[] = [];
  /** Received messages the document does not describe. */
  readonly undocumented: string[] = [];
  private readonly exercised = new Set<string>();
  /** Server payloads are checked closed: no property the document does not list. */
  private readonly schemas = new PayloadSchemas(true);

  constructor(private readonly operations: DocumentedOperation[]) {}

  /** A Socket.IO client whose every incoming event is recorded. */
  socket(baseUrl: string, options: { token?: string; dialect?: SocketIoDialect } = {}): TestSocket {
    const socket = connectSocket(baseUrl, options);
    untyped(socket).onAny((event: string, payload: unknown) => this.received('socketIo', event, payload, options.dialect));
    return socket;
  }

  /** Emits a documented event whose payload the document allows, and checks the acknowledgement. */
  async emit<T extends object = Record<string, unknown>>(
    socket: TestSocket,
    event: string,
    payload: unknown,
  ): Promise<T & { ok: boolean }> {
    const operation = this.clientOperation('socketIo', event);
    this.expectAllowed(operation, payload);
    return this.acknowledged<T>(operation, await emitRaw(socket, event, payload));
  }

  /** Emits without an acknowledgement callback: a failure then comes back as an `error` event. */
  emitWithoutAck(socket: TestSocket, event: string, payload: unknown, expect: 'allowed' | 'refused' = 'allowed'): void {
    const operation = this.clientOperation('socketIo', event);
    if (expect === 'allowed') this.expectAllowed(operation, payload);
    else this.expectRefused(operation, payload);
    untyped(socket).emit(event, payload);
  }

  /** Emits a payload the document refuses (a refusal test), and checks the acknowledgement. */
  async emitRefused(socket: TestSocket, event: string, payload: unknown): Promise<{ ok: boolean; error?: { code: string } }> {
    const operation = this.clientOperation('socketIo', event);
    this.expectRefused(operation, payload);
    return this.acknowledged(operation, await emitRaw(socket, event, payload));
  }

  /** A raw-WebSocket client whose every incoming message is recorded. */
  async raw(baseUrl: string, surface: RawSurface, token: string): Promise<RawClient> {
    const client = await RawClient.connect(baseUrl, RAW_PATH[surface], token);
    // A greeting can arrive with the upgrade, before this listener: RawClient has queued it.
    for (const message of client.pending() as Array<{ type?: unknown }>) this.received(surface, String(message.type), message);
    client.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type?: unknown };
      this.received(surface, String(message.type), message);
    });
    return client;
  }

  /** Sends a raw message the document allows. */
  send(client: RawClient, surface: RawSurface, message: Record<string, unknown>): void {
    this.expectAllowed(this.clientOperation(surface, String(message[RAW_CLIENT_KEY[surface]])), message);
    client.send(message);
  }

  /** Sends a raw message the document refuses (a refusal test). */
  sendRefused(client: RawClient, surface: RawSurface, message: Record<string, unknown>): void {
    this.expectRefused(this.clientOperation(surface, String(message[RAW_CLIENT_KEY[surface]])), message);
    client.send(message);
  }

  /** Documented operations, and Socket.IO acknowledgements, the traffic so far has not exercised. */
  unexercised(): string[] {
    const documented = this.operations.flatMap((op) => [
      op.id,
      ...(op.surface === 'socketIo' ? op.replies.map((reply) => `reply ${reply.key}`) : []),
    ]);
    return [...new Set(documented)].filter((id) => !this.exercised.has(id));
  }

  private clientOperation(surface: Surface, name: string): DocumentedOperation {
    const operation = this.operations.find((op) => op.surface === surface && op.action === 'receive' && op.message.name === name);
    if (!operation) throw new Error(`${surface}: ${name} is not a documented client message`);
    return operation;
  }

  private expectAllowed(operation: DocumentedOperation, payload: unknown): void {
    const errors = this.schemas.check(operation.message, payload, false);
    if (errors.length > 0) throw new Error(`${operation.id}: the document refuses ${shown(payload)}: ${errors.join('; ')}`);
    this.exercised.add(operation.id);
  }

  private expectRefused(operation: DocumentedOperation, payload: unknown): void {
    if (this.schemas.check(operation.message, payload, false).length === 0) {
      throw new Error(`${operation.id}: the document allows ${shown(payload)}, so it is no refusal test`);
    }
  }

  private received(surface: Surface, name: string, payload: unknown, dialect?: SocketIoDialect): void {
    const operation = this.operations.find((op) => op.surface === surface && op.action === 'send' && op.message.name === name);
    if (!operation) {
      this.undocumented.push(`${surface} ${name}: ${shown(payload)}`);
      return;
    }
    this.exercised.add(operation.id);
    for (const error of this.schemas.check(operation.message, payload, true))
      this.problems.push(`${surface} ${name}: ${error} in ${shown(payload)}`);
    const tags = operation.message.tags;
    const heardFromOthers = dialect && HEARD_FROM_OTHERS[dialect].includes(name);
    if (dialect && !heardFromOthers && !tags.includes(DIALECT_TAG[dialect]) && !tags.some((tag) => SHARED_TAGS.includes(tag))) {
      this.problems.push(`${name} (${tags.join(', ')}) reached a socket that declared the ${dialect} dialect`);
    }
  }

  /** The acknowledgement must match exactly one documented reply of the event. */
  private acknowledged<T>(operation: DocumentedOperation, ack: unknown): T & { ok: boolean } {
    const matching = operation.replies.filter((reply) => this.schemas.check(reply, ack, true).length === 0);
    if (matching.length === 1) this.exercised.add(`reply ${matching[0].key}`);
    else {
      const why = operation.replies
        .map((reply) => `${reply.key}: ${this.schemas.check(reply, ack, true).join('; ') || 'matches'}`)
        .join(' | ');
      this.problems.push(`${operation.message.name} ack ${shown(ack)} matches ${matching.length} documented replies (${why})`);
    }
    return ack as T & { ok: boolean };
  }
}
