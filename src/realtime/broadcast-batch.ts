import { WebSocket } from 'ws';
import type { RealtimeNotice } from './realtime-notice';

/** A notice for everyone connected, but for one user's own connections (their own presence). */
export interface EveryoneNotice {
  notice: RealtimeNotice;
  exceptUserId?: string;
}

/**
 * The notices for everyone gathered over one broadcast window, delivered to each connection in
 * one write. A notice goes to every connection, so its encoding for a wire format is made once
 * and shared by all the connections speaking it; a connection gets its notices' frames joined.
 */
export class BroadcastBatch {
  private readonly encodings = new Map<string, unknown[]>();

  constructor(readonly entries: readonly EveryoneNotice[]) {}

  /** The notices `userId` gets, in order. */
  noticesFor(userId: string): RealtimeNotice[] {
    return this.entries.filter((entry) => entry.exceptUserId !== userId).map((entry) => entry.notice);
  }

  /**
   * The encodings of the notices `userId` gets, in order. `format` names the encoding, which
   * `encode` makes once per notice for the whole batch (null: the notice says nothing in it).
   */
  encodedFor<T>(userId: string, format: string, encode: (notice: RealtimeNotice) => T | null): T[] {
    let encoded = this.encodings.get(format) as Array<T | null> | undefined;
    if (!encoded) {
      encoded = this.entries.map((entry) => encode(entry.notice));
      this.encodings.set(format, encoded);
    }
    return encoded.filter((item, i): item is T => item !== null && this.entries[i].exceptUserId !== userId);
  }

  /** As encodedFor, for WebSocket frames, joined into one buffer; null when there is nothing to send. */
  framesFor(userId: string, format: string, encode: (notice: RealtimeNotice) => Buffer | null): Buffer | null {
    const frames = this.encodedFor(userId, format, encode);
    return frames.length === 0 ? null : frames.length === 1 ? frames[0] : Buffer.concat(frames);
  }
}

/** One unmasked, uncompressed WebSocket text frame (what a server sends), header and payload. */
export function textFrame(text: string): Buffer {
  const list = (WebSocket as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender.frame(Buffer.from(text), {
    readOnly: false,
    mask: false,
    rsv1: false,
    opcode: 1,
    fin: true,
  });
  return list.length === 1 ? list[0] : Buffer.concat(list);
}
