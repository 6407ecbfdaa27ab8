import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type {
  CallEndReason,
  CallExtensionAnsweredWebhookData,
  CallTimeWarningWebhookData,
  CallMoveWebhookData,
  CallStatus,
  HelpRequestStatus,
  HelpRequestWebhookData,
  WebhookCall,
} from '@call-signaling/client';
import { ExtensionRequestResponse } from '../../calls/dto/call-extension.dto';
import { CallFeedbackResponse } from '../../calls/dto/call.response';
import { dateTime } from '../../common/dto/date-time.property';
import { HELP_REQUEST_STATUSES, HelpRequestRecordResponse } from '../../help/dto/help-request.response';

const CALL_STATUSES: readonly CallStatus[] = ['CALLING', 'ACTIVE', 'ENDED', 'CANCELLED', 'DECLINED', 'MISSED'];
const END_REASONS: readonly CallEndReason[] = ['hangup', 'last_participant_left', 'connection_lost', 'ended_by_api', 'time_limit'];

/** A call as it stood right after the move an event reports. */
export class WebhookCallResponse implements WebhookCall {
  @ApiProperty()
  id: string;

  @ApiProperty()
  hostUserId: string;

  @ApiProperty({ type: String, nullable: true })
  recipientUserId: string | null;

  @ApiProperty({ enum: CALL_STATUSES, enumName: 'CallStatus' })
  status: CallStatus;

  @ApiProperty()
  hasVideo: boolean;

  @ApiProperty({ type: String, nullable: true })
  title: string | null;

  @ApiProperty({ type: String, nullable: true })
  roomName: string | null;

  @ApiProperty({ enum: END_REASONS, enumName: 'CallEndReason', nullable: true })
  endReason: CallEndReason | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Its length limit in seconds, with agreed extensions; null: none' })
  maxDurationS: number | null;

  @ApiProperty(dateTime('When it started ringing'))
  createdAt: string;

  @ApiProperty(dateTime('When it was answered', true))
  startedAt: string | null;

  @ApiProperty(dateTime('When it ended, or stopped ringing unanswered', true))
  endedAt: string | null;
}

export class CallMoveWebhookDataResponse implements CallMoveWebhookData {
  @ApiProperty({ type: () => WebhookCallResponse })
  call: WebhookCallResponse;

  @ApiProperty({
    enum: CALL_STATUSES,
    enumName: 'CallStatus',
    nullable: true,
    description: 'Null when the call was created in this status',
  })
  previousStatus: CallStatus | null;

  @ApiProperty({ type: String, nullable: true, description: "Who made the move; null for the server's own (a timeout, a lost connection)" })
  actorUserId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'hangup, timeout, offline, connection_lost …' })
  reason: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'How long it rang; set once it stopped ringing' })
  ringingMs: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'How long the parties talked; set on call.ended' })
  talkMs: number | null;
}

export class HelpRequestWebhookDataResponse implements HelpRequestWebhookData {
  @ApiProperty({ type: () => HelpRequestRecordResponse })
  request: HelpRequestRecordResponse;

  @ApiProperty({ enum: HELP_REQUEST_STATUSES, enumName: 'HelpRequestStatus', nullable: true })
  previousStatus: HelpRequestStatus | null;
}

export class CallTimeWarningWebhookDataResponse implements CallTimeWarningWebhookData {
  @ApiProperty()
  callId: string;

  @ApiProperty({ type: 'integer', description: 'Seconds left until the limit' })
  secondsLeft: number;

  @ApiProperty(dateTime('When the call ends'))
  endsAt: string;
}

export class CallExtensionAnsweredWebhookDataResponse implements CallExtensionAnsweredWebhookData {
  @ApiProperty()
  callId: string;

  @ApiProperty({ description: 'The party who answered' })
  byUserId: string;

  @ApiProperty()
  accepted: boolean;

  @ApiProperty({ type: 'integer', description: 'Seconds asked for' })
  extraS: number;

  @ApiProperty({ type: 'integer', nullable: true, description: "The call's limit after the answer" })
  maxDurationS: number | null;
}

abstract class WebhookEnvelopeResponse {
  @ApiProperty({ description: 'The id to de-duplicate on: the same on every attempt and replay (also the `webhook-id` header)' })
  id: string;

  @ApiProperty(dateTime('When it happened (the `webhook-timestamp` header is when it was sent)'))
  timestamp: string;
}

export class CallMoveWebhookEvent extends WebhookEnvelopeResponse {
  @ApiProperty({ enum: CALL_STATUSES.map((status) => `call.${status.toLowerCase()}`) })
  type: string;

  @ApiProperty({ type: () => CallMoveWebhookDataResponse })
  data: CallMoveWebhookDataResponse;
}

export class HelpRequestWebhookEvent extends WebhookEnvelopeResponse {
  @ApiProperty({
    enum: [...HELP_REQUEST_STATUSES.map((status) => `help_request.${status}`), 'help_request.escalated', 'help_request.message_left'],
  })
  type: string;

  @ApiProperty({ type: () => HelpRequestWebhookDataResponse })
  data: HelpRequestWebhookDataResponse;
}

export class CallFeedbackWebhookEvent extends WebhookEnvelopeResponse {
  @ApiProperty({ enum: ['call.feedback'] })
  type: 'call.feedback';

  @ApiProperty({ type: () => CallFeedbackResponse })
  data: CallFeedbackResponse;
}

export class CallTimeWarningWebhookEvent extends WebhookEnvelopeResponse {
  @ApiProperty({ enum: ['call.time_warning'] })
  type: 'call.time_warning';

  @ApiProperty({ type: () => CallTimeWarningWebhookDataResponse })
  data: CallTimeWarningWebhookDataResponse;
}

export class CallExtensionRequestedWebhookEvent extends WebhookEnvelopeResponse {
  @ApiProperty({ enum: ['call.extension_requested'] })
  type: 'call.extension_requested';

  @ApiProperty({ type: () => ExtensionRequestResponse })
  data: ExtensionRequestResponse;
}

export class CallExtensionAnsweredWebhookEvent extends WebhookEnvelopeResponse {
  @ApiProperty({ enum: ['call.extended', 'call.extension_declined'] })
  type: 'call.extended' | 'call.extension_declined';

  @ApiProperty({ type: () => CallExtensionAnsweredWebhookDataResponse })
  data: CallExtensionAnsweredWebhookDataResponse;
}

const WEBHOOK_EVENTS = [
  CallMoveWebhookEvent,
  HelpRequestWebhookEvent,
  CallFeedbackWebhookEvent,
  CallTimeWarningWebhookEvent,
  CallExtensionRequestedWebhookEvent,
  CallExtensionAnsweredWebhookEvent,
];

/** The `@ApiProperty` of a property holding the body of a webhook POST: one of the kinds of event. */
export const WEBHOOK_EVENT_SCHEMA = {
  oneOf: WEBHOOK_EVENTS.map((model) => ({ $ref: getSchemaPath(model) })),
  description: 'The body the platform receives (WebhookEvent in the typed client)',
};

/** Puts the event schemas in the document's components, for WEBHOOK_EVENT_SCHEMA to refer to. */
export const ApiWebhookEvents = () => ApiExtraModels(...WEBHOOK_EVENTS);
