/**
 * How the InstantMentor app says what it sends (CONTRACT.md §8, "The InstantMentor app"). It
 * emits the reference server's camelCase fields either flat (`{receiverId, callType}`) or wrapped
 * in the envelope its second service sends (`{id, event, data: {...}, senderId, receiverId,
 * timestamp}`, with extras the reference ignored: timestamps, `callData`). Several event names
 * are also section 8's (`initiate_call {to_user_id}` ...): a payload is in the app's words when it
 * is an envelope or has one of the fields that tell that event's two vocabularies apart.
 */

type Payload = Record<string, unknown>;

interface AppEvent {
  /** The fields read out of an envelope. */
  fields: readonly string[];
  /** Fields whose presence says "the app's words"; none: the event is the app's alone. */
  marks: readonly string[];
  /** What the envelope calls a field: `{type: 'messageType'}`. */
  aliases?: Readonly<Record<string, string>>;
  /** Says nothing of which words the sender speaks (a heartbeat, a presence announcement). */
  neutral?: true;
}

const SIGNAL: AppEvent = { fields: ['callId', 'payload', 'targetUserId'], marks: [] };
const SESSION: AppEvent = { fields: ['sessionId'], marks: [] };
const NEUTRAL: AppEvent = { fields: [], marks: [], neutral: true };
const CALL_ID: AppEvent = { fields: ['callId', 'reason'], marks: ['callId'] };
const STATUS: AppEvent = { fields: ['statusMessage'], marks: ['statusMessage'] };
const TYPING: AppEvent = { fields: ['receiverId'], marks: ['receiverId'] };

const APP_EVENTS = new Map<string, AppEvent>(
  Object.entries<AppEvent>({
    initiate_call: { fields: ['receiverId', 'callType', 'callerName', 'maxDurationS'], marks: ['receiverId', 'callType'] },
    accept_call: { fields: ['callId'], marks: ['callId'] },
    reject_call: CALL_ID,
    end_call: CALL_ID,
    webrtc_offer: SIGNAL,
    webrtc_answer: SIGNAL,
    webrtc_ice_candidate: SIGNAL,
    webrtc_hangup: SIGNAL,
    webrtc_restart: SIGNAL,
    mentor_available: STATUS,
    mentor_busy: STATUS,
    // The envelope names the mentor asked as its receiver.
    student_request_help: {
      fields: ['mentorId', 'subject', 'message', 'urgency'],
      marks: ['mentorId', 'subject'],
      aliases: { mentorId: 'receiverId' },
    },
    send_message: { fields: ['receiverId', 'content', 'type'], marks: ['receiverId', 'content'], aliases: { type: 'messageType' } },
    user_typing: TYPING,
    user_stopped_typing: TYPING,
    join_session: SESSION,
    leave_session: SESSION,
    ping: NEUTRAL,
    // Presence is the connection's own; the app's announcements of it are taken and ignored.
    user_online: NEUTRAL,
    user_offline: NEUTRAL,
  }),
);

const isObject = (value: unknown): value is Payload => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The app's second service wraps every event: the fields are in `data`, the addressee beside it. */
function unwrap(payload: Payload): Payload | undefined {
  if (typeof payload.event !== 'string' || !isObject(payload.data)) return undefined;
  return { receiverId: payload.receiverId, ...payload.data };
}

/** An event in the app's words: its payload as the gateway validates it, and whether it shows the sender speaks them. */
export interface AppWords {
  payload: unknown;
  speaks: boolean;
}

/**
 * `event`'s payload in the app's words, or undefined when it is not (section 8's words, or an
 * event the app does not have). An envelope is read into the flat fields the gateway validates,
 * and what the app adds besides them is ignored, as the reference did; a flat payload is
 * validated as it is.
 */
export function readAppWords(event: string, payload: unknown): AppWords | undefined {
  // A Map: an event named like an Object member (`constructor`) is no event of the app's.
  const words = APP_EVENTS.get(event);
  if (!words) return undefined;
  const speaks = !words.neutral;
  if (words.neutral) return { payload: {}, speaks };
  const unwrapped = isObject(payload) ? unwrap(payload) : undefined;
  if (unwrapped) return { payload: fieldsOf(words, unwrapped), speaks };
  if (words.marks.length === 0) return { payload, speaks };
  return isObject(payload) && words.marks.some((field) => payload[field] !== undefined) ? { payload, speaks } : undefined;
}

function fieldsOf(words: AppEvent, unwrapped: Payload): Payload {
  const read: Payload = {};
  for (const field of words.fields) {
    const value = unwrapped[field] ?? unwrapped[words.aliases?.[field] ?? field];
    if (value !== undefined) read[field] = value;
  }
  return read;
}
