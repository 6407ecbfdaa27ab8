import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { AppError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { FrameGuard } from './frame-guard';

/**
 * What Socket.IO writes before a packet's JSON: its type, attachments if binary (`5<n>-`), its
 * namespace if not the main one (`/chat,`) and its ack id: `21-/chat,17[…`.
 */
const HEADER = /^(\d)(?:(\d+)-)?(?:(\/[^,[]*),)?(\d*)(?=\[)/;
const EVENT = 2;
const BINARY_EVENT = 5;
/** The event's name at the start of its JSON, read without parsing the rest. */
const EVENT_NAME = /^\[\s*("(?:[^"\\]|\\.){0,100}")/;
/** Attachments one packet may announce (socket.io-parser's own default, passed to it). */
const MAX_ATTACHMENTS = 10;

/**
 * Socket.IO's own packet format, with each connection's frames passing its FrameGuard before
 * they are parsed. An event that fails reaches the handlers as `[name, AppError]` without its
 * payload ever being parsed, and is answered with that error; its binary attachments, if any, are
 * dropped as they arrive. Attachments of an event let through count against the allowance too.
 * Any other packet that fails (a handshake or an ack) is unreadable, which closes the connection
 * as Socket.IO does.
 */
export function guardedParser(config: Pick<AppConfig, 'limits' | 'calls'>) {
  class GuardedDecoder extends Decoder {
    readonly guard = new FrameGuard(config);
    private attachmentsToDrop = 0;

    constructor() {
      super({ maxAttachments: MAX_ATTACHMENTS });
    }

    override add(chunk: unknown): void {
      if (typeof chunk !== 'string') {
        // Read, so it counts, whether its event was admitted or it is read only to be dropped.
        this.guard.debit(byteLengthOf(chunk));
        if (this.attachmentsToDrop === 0) return super.add(chunk);
        this.attachmentsToDrop -= 1;
        return;
      }
      const refusal = this.guard.charge(Buffer.byteLength(chunk)) ?? this.guard.checkNesting(chunk);
      if (!refusal) return super.add(chunk);
      // Only a refused packet's header is read here; an admitted one is Socket.IO's to read.
      const header = HEADER.exec(chunk);
      const type = Number(header?.[1]);
      const binary = type === BINARY_EVENT;
      if (!header || (type !== EVENT && !binary)) throw new Error(refusal.message);
      if (binary) {
        const attachments = Number(header[2]);
        if (!(attachments >= 1 && attachments <= MAX_ATTACHMENTS)) throw new Error('too many attachments');
        this.attachmentsToDrop = attachments;
      }
      const [, , , nsp, id] = header;
      const packet: Packet = {
        type: PacketType.EVENT,
        nsp: nsp ?? '/',
        ...(id ? { id: Number(id) } : {}),
        data: [eventNameOf(chunk.slice(header[0].length, header[0].length + 256)), refusal],
      };
      this.emitReserved('decoded', packet);
    }
  }
  return { Encoder, Decoder: GuardedDecoder };
}

function byteLengthOf(chunk: unknown): number {
  return chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk) ? chunk.byteLength : 0;
}

function eventNameOf(jsonStart: string): string {
  const quoted = EVENT_NAME.exec(jsonStart)?.[1];
  try {
    return quoted ? (JSON.parse(quoted) as string) : '';
  } catch {
    return '';
  }
}

/** The guard of a Socket.IO connection's frames (Socket.IO keeps a decoder per connection). */
export function frameGuardOf(socket: { client: object }): FrameGuard | undefined {
  const decoder = (socket.client as { decoder?: { guard?: unknown } }).decoder;
  return decoder?.guard instanceof FrameGuard ? decoder.guard : undefined;
}

/** The error an event was refused with before it was parsed, if it was (it stands in for the payload). */
export function refusedBeforeParsing(payload: unknown): AppError | undefined {
  return payload instanceof AppError ? payload : undefined;
}
