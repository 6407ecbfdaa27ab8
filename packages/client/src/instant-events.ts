import type { ClientEvent, ServerEvent } from './acks.js';
import type { CallAck } from './calls-events.js';
import type { CallEndedEvent, InstantMentorServerToClientEvents } from './instantmentor-events.js';

/** The instant dialect's call events (CONTRACT.md §8), snake_case. */

export interface InitiateCallPayload {
  to_user_id: string | number;
  call_type: 'video' | 'audio';
  /** (ext) How long the call may last once answered, in seconds. */
  max_duration_s?: number;
}

export interface CallIdMessagePayload {
  call_id: string;
}

export interface RejectCallPayload extends CallIdMessagePayload {
  reason?: string;
}

export interface InstantIncomingCallEvent {
  call_id: string;
  from_user_id: string;
  from_name: string;
  from_role: string;
  call_type: 'video' | 'audio';
}

export interface InstantClientToServerEvents {
  initiate_call: ClientEvent<InitiateCallPayload, CallAck>;
  accept_call: ClientEvent<CallIdMessagePayload, CallAck>;
  reject_call: ClientEvent<RejectCallPayload, CallAck>;
  end_call: ClientEvent<CallIdMessagePayload, CallAck>;
}

/** `call_accepted`, `call_rejected` and `call_ended` carry the InstantMentor app's field names too (`callId`, `acceptedBy` ...). */
export interface InstantServerToClientEvents {
  incoming_call: ServerEvent<InstantIncomingCallEvent>;
  call_accepted: InstantMentorServerToClientEvents['call_accepted'];
  call_rejected: InstantMentorServerToClientEvents['call_rejected'];
  /** `reason`: `cancelled`, `missed`, or the call's end reason. */
  call_ended: ServerEvent<CallEndedEvent>;
  current_call: InstantMentorServerToClientEvents['current_call'];
  participant_reconnecting: InstantMentorServerToClientEvents['participant_reconnecting'];
  participant_reconnected: InstantMentorServerToClientEvents['participant_reconnected'];
  call_time_warning: InstantMentorServerToClientEvents['call_time_warning'];
  call_extension_requested: InstantMentorServerToClientEvents['call_extension_requested'];
  call_extended: InstantMentorServerToClientEvents['call_extended'];
  call_extension_declined: InstantMentorServerToClientEvents['call_extension_declined'];
}
