import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { CallsService } from '../calls/calls.service';
import { ApiErrors, BODY_TOO_LARGE, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { CreateVideoCallDto } from './dto/create-video-call.dto';
import { VIDEO_ERROR_BODY, VideoCallEnvelope } from './dto/video-call.response';
import { toVideoCall } from './video-call.presenter';

/** Whoever holds the id of a call with an empty seat may read or join it; otherwise only its two parties. */
const NOT_YOURS = 'No such call, or it is not yours and its seat is taken';

/** The webrtc dialect's REST routes (CONTRACT.md §5), in its `{success, data}` envelope (errors: HttpExceptionFilter). */
@ApiTags('video-calls')
@ApiAuthenticated(VIDEO_ERROR_BODY)
@Controller('api/video/calls')
export class VideoCallsController {
  constructor(private readonly calls: CallsService) {}

  /** A call with no recipient yet: its id is a room link for one guest. */
  @Post()
  @ApiOperation({
    summary: 'Create a room link',
    description:
      'A call with no guest yet (`calling`): whoever holds its id can join it. It waits for a guest like a ringing call (the ring timeout applies).',
  })
  @ApiCreatedResponse({ type: VideoCallEnvelope })
  @ApiErrors(
    {
      validation_failed: 'room_name is invalid',
      user_busy: 'You are already in a ringing or active call',
      invalid_state: 'Another open call already uses this room_name',
      payload_too_large: BODY_TOO_LARGE,
    },
    VIDEO_ERROR_BODY,
  )
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreateVideoCallDto) {
    return { success: true, data: toVideoCall(await this.calls.createRoom({ userId: user.id }, { roomName: dto.room_name })) };
  }

  @Post(':callId/join')
  @HttpCode(200)
  @ApiOperation({ summary: 'Join a room link as its guest', description: 'Takes the empty seat; the call becomes `active`.' })
  @ApiOkResponse({ type: VideoCallEnvelope })
  @ApiErrors(
    {
      validation_failed: UNSTORABLE_PARAMETER,
      not_found: NOT_YOURS,
      user_busy: 'You or the host are already in another call',
      invalid_state: 'You are already in this call, or it no longer waits for a guest',
    },
    VIDEO_ERROR_BODY,
  )
  async join(@CurrentUser() user: AuthUser, @Param('callId') callId: string) {
    return { success: true, data: toVideoCall(await this.calls.joinAsGuest({ userId: user.id }, callId)) };
  }

  @Post(':callId/end')
  @HttpCode(200)
  @ApiOperation({
    summary: 'End the call',
    description: 'An active call ends (`ended`); a waiting or ringing one is cancelled or declined.',
  })
  @ApiOkResponse({ type: VideoCallEnvelope })
  @ApiErrors(
    {
      validation_failed: UNSTORABLE_PARAMETER,
      not_found: 'No such call, or you are not one of its parties',
      invalid_state: 'The call is already over',
    },
    VIDEO_ERROR_BODY,
  )
  async end(@CurrentUser() user: AuthUser, @Param('callId') callId: string) {
    return { success: true, data: toVideoCall(await this.calls.hangUp({ userId: user.id }, callId, 'ended_by_api')) };
  }

  @Get(':callId')
  @ApiOperation({ summary: 'A call' })
  @ApiOkResponse({ type: VideoCallEnvelope })
  @ApiErrors({ validation_failed: UNSTORABLE_PARAMETER, not_found: NOT_YOURS }, VIDEO_ERROR_BODY)
  async get(@CurrentUser() user: AuthUser, @Param('callId') callId: string) {
    return { success: true, data: toVideoCall(await this.calls.getForLinkHolder(user.id, callId)) };
  }
}
