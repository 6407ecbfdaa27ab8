import { ApiProperty } from '@nestjs/swagger';
import { dateTime } from '../../common/dto/date-time.property';
import { CallEndReason, CallStatus } from '../../generated/prisma/enums';
import { PublicProfileResponse } from '../../users/dto/user.response';
import { RoomParticipantResponse } from './room.response';
import type { CallView, toParticipantRecordView } from '../call.presenter';
import type { CallsService } from '../calls.service';
import { FEEDBACK_ISSUES, type CallFeedbackView, type FeedbackIssue } from '@call-signaling/client';

/** The call object of CONTRACT.md §4. */
export class CallResponse implements CallView {
  @ApiProperty({ type: String })
  id: string;

  @ApiProperty({ type: String, description: 'The caller' })
  hostUserId: string;

  @ApiProperty({ type: String, nullable: true, description: 'Null for a room link that has no guest yet (`POST /api/video/calls`)' })
  recipientUserId: string | null;

  @ApiProperty({ enum: Object.values(CallStatus), enumName: 'CallStatus' })
  status: CallStatus;

  @ApiProperty({ type: String, nullable: true })
  title: string | null;

  @ApiProperty({ type: Boolean })
  isPrivate: boolean;

  @ApiProperty({ type: Boolean })
  hasVideo: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The client-chosen room name, if any (ext)' })
  roomName: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'How the caller asked to be shown (ext)' })
  callerDisplay: string | null;

  @ApiProperty(dateTime('When the call was answered', true))
  startedAt: string | null;

  @ApiProperty(dateTime('When the call ended, or was cancelled, declined or missed', true))
  endedAt: string | null;

  @ApiProperty({
    enum: Object.values(CallEndReason),
    enumName: 'CallEndReason',
    nullable: true,
    description: 'Set when an active call ends',
  })
  endReason: CallEndReason | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Seconds between startedAt and endedAt, for ended calls (ext)' })
  durationSeconds: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: '(ext) How long the call may last once answered, in seconds, with agreed extensions; null: no limit',
  })
  maxDurationS: number | null;

  @ApiProperty(dateTime('(ext) When an answered call with a limit ends (`endReason: time_limit`)', true))
  endsAt: string | null;

  @ApiProperty(dateTime('When the call was created'))
  createdAt: string;

  @ApiProperty(dateTime('When the call last changed'))
  updatedAt: string;

  @ApiProperty({ type: () => PublicProfileResponse })
  host: PublicProfileResponse;

  @ApiProperty({ type: () => PublicProfileResponse, nullable: true })
  recipient: PublicProfileResponse | null;
}

/** Someone who has been in the call's room, with the connection they were in it from. */
export class CallParticipantRecordResponse extends RoomParticipantResponse implements ReturnType<typeof toParticipantRecordView> {
  @ApiProperty(dateTime('When this connection joined the room'))
  joinedAt: string;

  @ApiProperty(dateTime('When it left; null while it is still in the room', true))
  leftAt: string | null;
}

/** A party's rating of the call once it was over (ext). */
export class CallFeedbackResponse implements CallFeedbackView {
  @ApiProperty()
  callId: string;

  @ApiProperty({ description: 'The party who gave it' })
  userId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5, description: '1 (bad) to 5 (excellent)' })
  rating: number;

  @ApiProperty({ enum: FEEDBACK_ISSUES, isArray: true, description: 'What went wrong' })
  issues: FeedbackIssue[];

  @ApiProperty({ type: String, nullable: true })
  comment: string | null;

  @ApiProperty(dateTime('When it was given'))
  createdAt: string;
}

/** GET /calls/:id: the call, everyone who has been in its room, and the parties' feedback. */
export class CallWithParticipantsResponse extends CallResponse implements Awaited<ReturnType<CallsService['getWithParticipants']>> {
  @ApiProperty({ type: () => [CallParticipantRecordResponse] })
  participants: CallParticipantRecordResponse[];

  @ApiProperty({ type: () => [CallFeedbackResponse], description: 'Feedback the parties gave once the call was over, oldest first (ext)' })
  feedback: CallFeedbackResponse[];
}

/** A page of the caller's call history, newest first. */
export class CallHistoryPageResponse implements Awaited<ReturnType<CallsService['history']>> {
  @ApiProperty({ type: () => [CallResponse] })
  items: CallResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null on the last page' })
  nextCursor: string | null;
}
