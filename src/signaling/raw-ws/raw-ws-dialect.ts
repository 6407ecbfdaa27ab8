import type { ErrorBody } from '../../common/errors';
import type { NoticeRenderers, RealtimeNotice } from '../../realtime/realtime-notice';
import type { RawWsConnection } from './raw-ws-connection';

/** One raw-WebSocket dialect: its path, how it reads messages and how it writes the core's notices. */
export interface RawWsDialect {
  readonly name: string;
  /** Upgrade paths it answers on, e.g. `/ws/call/` (with or without the trailing slash). */
  readonly path: string;
  /** Sent once the connection is authenticated and registered. */
  greeting?(connection: RawWsConnection): object | undefined;
  /**
   * A message that changes nothing and is answered at once (a keep-alive ping): handled as it
   * arrives, even while an earlier message of its connection is still being handled.
   */
  answersAtOnce?(message: Record<string, unknown>): boolean;
  /** After the greeting, before any message of the connection is handled: what its arrival sets in motion. */
  arrived?(connection: RawWsConnection): Promise<void>;
  /**
   * Handles one parsed JSON message: nothing is returned when it was handled at once (the relay's
   * common case), else a promise of its handling. The client's mistakes are thrown, or rejected
   * with, as AppError.
   */
  handle(connection: RawWsConnection, message: Record<string, unknown>): Promise<void> | undefined;
  render(notice: RealtimeNotice): object | null;
  /** The dialect's error message for a failed (or unparseable) message. */
  renderError(error: ErrorBody, message: Record<string, unknown> | undefined): object;
}

/** An error in a protocol's words: the fields the call core names in its details, named as the protocol names them. */
export function inFieldNames(error: ErrorBody, names: Readonly<Record<string, string>>): ErrorBody {
  if (typeof error.details !== 'object' || error.details === null) return error;
  return {
    ...error,
    details: Object.fromEntries(Object.entries(error.details).map(([field, problems]) => [names[field] ?? field, problems])),
  };
}

/**
 * What a client sent where a message name (action, type) belongs, for an error message: a
 * string quoted and cut short, anything else by its kind, so a huge or deeply nested value is
 * neither echoed back nor serialized.
 */
export function describeName(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (value === undefined || value === null) return 'null';
  return `(${Array.isArray(value) ? 'an array' : `a ${typeof value}`})`;
}

/**
 * A user id as the raw-WebSocket protocols show them: a decimal integer (the user ids of an
 * existing backend) as a JSON number, which those clients compare with their own; anything else as
 * the string it is.
 */
export function wireUserId(id: string | null): string | number | null {
  return id !== null && /^(0|[1-9]\d{0,15})$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id;
}

/**
 * (ext) The raw protocols' words for a call's length limit and for the other party's connection
 * mid-call: snake_case, with `/ws/signaling/`'s `call.` before each name.
 */
export function limitAndReconnectWords(prefix: '' | 'call.'): NoticeRenderers<object> {
  return {
    'time-warning': (n) => ({ type: `${prefix}time_warning`, call_id: n.callId, seconds_left: n.secondsLeft, ends_at: n.endsAt }),
    'extension-requested': (n) => ({
      type: `${prefix}extension_requested`,
      call_id: n.callId,
      requested_by: wireUserId(n.byUserId),
      extra_s: n.extraS,
      expires_at: n.expiresAt,
    }),
    'extension-answered': (n) =>
      n.accepted
        ? {
            // `call_extended` on /ws/call/, where the call's other events are `call_…` too.
            type: prefix ? 'call.extended' : 'call_extended',
            call_id: n.callId,
            accepted_by: wireUserId(n.byUserId),
            extra_s: n.extraS,
            ends_at: n.endsAt,
            max_duration_s: n.maxDurationS,
          }
        : { type: `${prefix}extension_declined`, call_id: n.callId, declined_by: wireUserId(n.byUserId), extra_s: n.extraS },
    'participant-reconnecting': (n) => ({
      type: `${prefix}participant_reconnecting`,
      user_id: wireUserId(n.userId),
      call_id: n.callId,
      grace_ms: n.graceMs,
    }),
    'participant-reconnected': (n) => ({ type: `${prefix}participant_reconnected`, user_id: wireUserId(n.userId), call_id: n.callId }),
  };
}
