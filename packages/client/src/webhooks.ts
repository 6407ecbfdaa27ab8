import type { ExtensionRequestView } from './calls-events.js';
import type { CallEndReason, CallFeedbackView, CallStatus, HelpRequestRecord, HelpRequestStatus } from './models.js';

/**
 * What the platform's webhook (PLATFORM_WEBHOOK_URL) receives (ext): one event per POST, signed as
 * Standard Webhooks sign (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers), delivered
 * at least once and, for one call or one help request, in the order it happened. De-duplicate on `id`.
 */
export interface WebhookEnvelope<Type extends string, Data> {
  /** The event's id: the same on every attempt and replay (also the `webhook-id` header). */
  id: string;
  type: Type;
  /** When it happened (ISO-8601); the `webhook-timestamp` header is when it was sent. */
  timestamp: string;
  data: Data;
}

/** A call as it stood right after the move an event reports. */
export interface WebhookCall {
  id: string;
  hostUserId: string;
  recipientUserId: string | null;
  status: CallStatus;
  hasVideo: boolean;
  title: string | null;
  roomName: string | null;
  endReason: CallEndReason | null;
  /** (ext) The call's length limit in seconds, with agreed extensions; null: none. */
  maxDurationS: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** `call.calling` (it rings), `call.active`, `call.ended`, `call.cancelled`, `call.declined`, `call.missed`. */
export interface CallMoveWebhookData {
  call: WebhookCall;
  /** Null when the call was created in this status. */
  previousStatus: CallStatus | null;
  /** Who made the move; null for the server's own (a timeout, a lost connection). */
  actorUserId: string | null;
  /** hangup, timeout, offline, connection_lost ... */
  reason: string | null;
  /** How long it rang: set once it stopped ringing. */
  ringingMs: number | null;
  /** How long the parties talked: set on `call.ended`. */
  talkMs: number | null;
}

/**
 * `help_request.waiting` (asked, or back in its queue after a reservation lapsed or its call failed:
 * `previousStatus` is then `accepted`), `.accepted`, `.fulfilled`, `.cancelled`, `.expired`; also
 * `help_request.escalated` (offered to every available mentor of its type) and
 * `help_request.message_left` (the student left a message after it expired), which move no status.
 */
export interface HelpRequestWebhookData {
  request: HelpRequestRecord;
  previousStatus: HelpRequestStatus | null;
}

/** `call.time_warning`: both parties were warned that the call ends in `secondsLeft`. */
export interface CallTimeWarningWebhookData {
  callId: string;
  secondsLeft: number;
  endsAt: string;
}

/** `call.extension_requested`: a party asked for `extraS` more seconds, as `requestExtension` answers it. */
export type CallExtensionRequestedWebhookData = ExtensionRequestView;

/** `call.extended` / `call.extension_declined`: the other party (`byUserId`) granted or refused it. */
export interface CallExtensionAnsweredWebhookData {
  callId: string;
  byUserId: string;
  accepted: boolean;
  extraS: number;
  /** The call's limit after the answer. */
  maxDurationS: number | null;
}

export type CallMoveWebhookType = `call.${Lowercase<CallStatus>}`;
export type HelpRequestWebhookType = `help_request.${HelpRequestStatus}` | 'help_request.escalated' | 'help_request.message_left';

export type WebhookEvent =
  | WebhookEnvelope<CallMoveWebhookType, CallMoveWebhookData>
  | WebhookEnvelope<HelpRequestWebhookType, HelpRequestWebhookData>
  /** A party rated a call (POST /calls/:id/feedback). */
  | WebhookEnvelope<'call.feedback', CallFeedbackView>
  | WebhookEnvelope<'call.time_warning', CallTimeWarningWebhookData>
  | WebhookEnvelope<'call.extension_requested', CallExtensionRequestedWebhookData>
  | WebhookEnvelope<'call.extended' | 'call.extension_declined', CallExtensionAnsweredWebhookData>;

export type WebhookEventType = WebhookEvent['type'];

/** One POST of an event, as `GET /admin/webhooks/deliveries` lists it. */
export interface WebhookAttemptView {
  at: string;
  durationMs: number;
  /** The platform's HTTP status; absent when it could not be reached. */
  statusCode?: number;
  /** Why the attempt failed; absent when it succeeded. */
  error?: string;
}

/** An event and its delivery: `GET /admin/webhooks/deliveries` (administrators). */
export interface WebhookDeliveryView {
  id: string;
  type: WebhookEventType;
  /** The call's or the help request's id: its events are delivered one at a time, in order. */
  orderingKey: string;
  status: 'pending' | 'delivered' | 'failed';
  /** Attempts since it was written or last replayed. */
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attemptLog: WebhookAttemptView[];
  event: WebhookEvent;
}
