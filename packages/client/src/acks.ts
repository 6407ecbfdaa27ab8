import type { ErrorBody } from './errors.js';

/** Every acknowledgement: `{ok: true, ...data}`, or `{ok: false, error}`. */
export type AckReply<Data extends object = object> = ({ ok: true } & Data) | { ok: false; error: ErrorBody };

/** The callback a client passes as an event's last argument. */
export type AckCallback<Data extends object = object> = (reply: AckReply<Data>) => void;

/**
 * A client event: its payload, then the acknowledgement. The server acknowledges every event; the
 * callback is declared required so that socket.io-client types `emitWithAck`'s reply (with an
 * optional one it infers `any`). To send without waiting, `void socket.emitWithAck(event, payload)`.
 */
export type ClientEvent<Payload, Data extends object = object> = (payload: Payload, ack: AckCallback<Data>) => void;

/** A server event: one payload. */
export type ServerEvent<Payload> = (payload: Payload) => void;
