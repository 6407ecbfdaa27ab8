import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, BODY_TOO_LARGE, UNSTORABLE_PARAMETER, type RouteErrors } from '../common/api-errors.decorator';
import { CallFeedbackService } from './call-feedback.service';
import { CallLimits } from './call-limits.service';
import { ExtensionRequestDto, ExtensionRequestResponse } from './dto/call-extension.dto';
import { CallFeedbackDto } from './dto/call-feedback.dto';
import { CallFeedbackResponse, CallHistoryPageResponse, CallResponse, CallWithParticipantsResponse } from './dto/call.response';
import { IceServersResponse } from './dto/ice-servers.response';
import { RoomResponse } from './dto/room.response';
import { CallRoomsService } from './call-rooms.service';
import { CallIdDto } from './dto/call-id.dto';
import { HistoryQueryDto } from './dto/history-query.dto';
import { StartCallDto } from './dto/start-call.dto';
import { CallsService } from './calls.service';
import { IceServersService } from './ice-servers.service';
import { toRoomParticipantView } from './room.presenter';

/** What accept, decline and cancel can run into. */
const CALL_MOVE_ERRORS: RouteErrors = {
  validation_failed: 'callId is missing or invalid',
  forbidden: 'Only the recipient accepts or declines; only the caller cancels',
  not_found: 'No such call, or you are not one of its parties',
  invalid_state: 'The call is no longer ringing (someone else moved it first)',
  payload_too_large: BODY_TOO_LARGE,
};

/** What a route that reads one of the caller's calls by id can run into. */
const CALL_BY_ID_ERRORS: RouteErrors = {
  validation_failed: UNSTORABLE_PARAMETER,
  not_found: 'No such call, or you are not one of its parties (call ids are not confirmed to outsiders)',
};

/** What answering a request for more time can run into. */
const EXTENSION_ANSWER_ERRORS: RouteErrors = {
  ...CALL_BY_ID_ERRORS,
  forbidden: 'You asked for it: the other party answers',
  invalid_state: 'No request is waiting (none was made, it lapsed, or it was answered), or the call is not in progress',
};

@ApiTags('calls')
@ApiAuthenticated()
@Controller('calls')
export class CallsController {
  constructor(
    private readonly calls: CallsService,
    private readonly rooms: CallRoomsService,
    private readonly ice: IceServersService,
    private readonly feedback: CallFeedbackService,
    private readonly limits: CallLimits,
  ) {}

  /** 201 with the new call; 200 when it answered the recipient's own ringing call (glare). */
  @Post('start')
  @ApiOperation({
    summary: 'Call a user',
    description:
      'Rings every device of the recipient. An offline recipient makes the call `MISSED` at once (unless a push webhook is configured, which rings them while it wakes their devices).',
  })
  @ApiCreatedResponse({ type: CallResponse, description: 'The new call: `CALLING`, or `MISSED` when the recipient is offline' })
  @ApiOkResponse({ type: CallResponse, description: 'Glare: the recipient was calling you; their call is accepted instead (`ACTIVE`)' })
  @ApiErrors({
    validation_failed: 'A field is invalid, or you called yourself',
    not_found: 'The recipient does not exist',
    user_busy: 'You or the recipient are already in a ringing or active call; no call is created',
    payload_too_large: BODY_TOO_LARGE,
    rate_limited: 'Over RATE_LIMIT_HTTP_PER_MIN requests, or RATE_LIMIT_CALL_STARTS_PER_MIN call starts, a minute',
  })
  async start(@CurrentUser() user: AuthUser, @Body() dto: StartCallDto, @Res({ passthrough: true }) response: Response) {
    const result = await this.calls.start({ userId: user.id }, dto);
    response.status(result.created ? 201 : 200);
    return result.call;
  }

  @Post('accept')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Accept a ringing call (recipient)',
    description: "The caller and the recipient's other devices are told; the call becomes `ACTIVE`.",
  })
  @ApiOkResponse({ type: CallResponse })
  @ApiErrors(CALL_MOVE_ERRORS)
  accept(@CurrentUser() user: AuthUser, @Body() dto: CallIdDto) {
    return this.calls.accept({ userId: user.id }, dto.callId);
  }

  @Post('decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline a ringing call (recipient)' })
  @ApiOkResponse({ type: CallResponse })
  @ApiErrors(CALL_MOVE_ERRORS)
  decline(@CurrentUser() user: AuthUser, @Body() dto: CallIdDto) {
    return this.calls.decline({ userId: user.id }, dto.callId);
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a call before it is answered (caller)' })
  @ApiOkResponse({ type: CallResponse })
  @ApiErrors(CALL_MOVE_ERRORS)
  cancel(@CurrentUser() user: AuthUser, @Body() dto: CallIdDto) {
    return this.calls.cancel({ userId: user.id }, dto.callId);
  }

  @Post(':id/extension')
  @ApiOperation({
    summary: 'Ask the other party for more time (ext)',
    description:
      'For an active call with a limit (`maxDurationS`). The other party hears it (`extensionRequested` or its dialect’s word) and has 60 s to accept or decline; one request waits at a time.',
  })
  @ApiCreatedResponse({ type: ExtensionRequestResponse })
  @ApiErrors({
    ...CALL_BY_ID_ERRORS,
    validation_failed: 'extraS is not a whole number of seconds from 1 to 86 400',
    invalid_state: 'The call is not in progress, has no limit, or already has a request waiting',
    payload_too_large: BODY_TOO_LARGE,
  })
  requestExtension(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: ExtensionRequestDto) {
    return this.limits.requestExtension({ userId: user.id }, id, dto.extraS);
  }

  @Post(':id/extension/accept')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Grant the other party’s request for more time (ext)',
    description: 'The call’s `endsAt` moves; both parties hear it.',
  })
  @ApiOkResponse({ type: CallResponse, description: 'The call with its new limit' })
  @ApiErrors(EXTENSION_ANSWER_ERRORS)
  acceptExtension(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.limits.answerExtension({ userId: user.id }, id, true);
  }

  @Post(':id/extension/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refuse the other party’s request for more time (ext)', description: 'Both parties hear it; the limit stays.' })
  @ApiOkResponse({ type: CallResponse, description: 'The call, its limit unchanged' })
  @ApiErrors(EXTENSION_ANSWER_ERRORS)
  declineExtension(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.limits.answerExtension({ userId: user.id }, id, false);
  }

  @Get('ice-servers')
  @ApiOperation({
    summary: 'STUN and TURN servers for RTCPeerConnection',
    description: 'TURN credentials are time-limited (coturn REST-API scheme) and issued for the caller.',
  })
  @ApiOkResponse({ type: IceServersResponse })
  iceServers(@CurrentUser() user: AuthUser) {
    return this.ice.forUser(user.id);
  }

  @Get('user/history')
  @ApiOperation({ summary: "The caller's calls, newest first", description: 'Pass `nextCursor` as `cursor` for the next page.' })
  @ApiOkResponse({ type: CallHistoryPageResponse })
  @ApiErrors({ validation_failed: 'limit, cursor or status is invalid, or the cursor is not one this server issued' })
  history(@CurrentUser() user: AuthUser, @Query() query: HistoryQueryDto) {
    return this.calls.history(user.id, query);
  }

  @Get('user/current')
  @ApiOperation({ summary: "The caller's ringing or active call" })
  @ApiOkResponse({ type: CallResponse, description: 'The `CALLING` or `ACTIVE` call the caller is in' })
  @ApiNoContentResponse({ description: 'The caller is in no open call' })
  async current(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) response: Response) {
    const call = await this.calls.current(user.id);
    if (!call) response.status(204);
    return call ?? undefined;
  }

  /** The call with everyone who has been in its room, present (leftAt null) or gone, and the parties' feedback. */
  @Get(':id')
  @ApiOperation({ summary: "A call, with everyone who has been in its room and the parties' feedback" })
  @ApiOkResponse({ type: CallWithParticipantsResponse })
  @ApiErrors(CALL_BY_ID_ERRORS)
  async get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<CallWithParticipantsResponse> {
    const call = await this.calls.getWithParticipants(user.id, id);
    return { ...call, feedback: await this.feedback.of(id) };
  }

  @Post(':id/feedback')
  @ApiOperation({
    summary: 'Rate a call once it is over (a party, once) (ext)',
    description: 'A rating from 1 to 5, what went wrong, and a comment; both parties see it in `GET /calls/:id`.',
  })
  @ApiCreatedResponse({ type: CallFeedbackResponse })
  @ApiErrors({
    ...CALL_BY_ID_ERRORS,
    validation_failed: 'rating is not 1 to 5, an issue is not one of the list or given twice, or the comment is over 1 000 characters',
    invalid_state: 'The call is still ringing or active, or you have already rated it',
    payload_too_large: BODY_TOO_LARGE,
  })
  giveFeedback(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: CallFeedbackDto) {
    return this.feedback.give(user.id, id, dto);
  }

  @Get(':id/room')
  @ApiOperation({ summary: "Who is in the call's room now", description: 'The connections to send offers and ICE candidates to.' })
  @ApiOkResponse({ type: RoomResponse })
  @ApiErrors(CALL_BY_ID_ERRORS)
  async room(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    const participants = await this.rooms.participantsFor(user.id, id);
    return { callId: id, participants: participants.map(toRoomParticipantView) };
  }

  /** Ends the call (ENDED, ended_by_api); a ringing call is cancelled or declined instead. */
  @Delete(':id')
  @ApiOperation({
    summary: 'Hang up',
    description: 'An active call ends (`ENDED`, `ended_by_api`); a ringing one is cancelled (caller) or declined (recipient).',
  })
  @ApiOkResponse({ type: CallResponse })
  @ApiErrors({ ...CALL_BY_ID_ERRORS, invalid_state: 'The call is already over' })
  end(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.calls.hangUp({ userId: user.id }, id, 'ended_by_api');
  }
}
