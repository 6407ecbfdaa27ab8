import type { ErrorBody } from './errors';

/** Every acknowledgement: `{ok: true, ...data}`, or `{ok: false, error}`. */
export type AckReply<Data extends object = object> = ({ ok: true } & Data) | { ok: false; error: ErrorBody };

/** The callback a client passes as an event's last argument. */
export type AckCallback<Data extends object = object> = (reply: AckReply<Data>) => void;

/** A client event: its payload, then an optional acknowledgement. */
export type ClientEvent<Payload, Data extends object = object> = (payload: Payload, ack?: AckCallback<Data>) => void;

/** A server event: one payload. */
export type ServerEvent<Payload> = (payload: Payload) => void;
