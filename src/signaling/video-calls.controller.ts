import { ArgumentsHost, Body, Catch, Controller, ExceptionFilter, Get, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import type { CallView } from '../calls/call.presenter';
import { CallsService } from '../calls/calls.service';
import { httpStatusOf, toErrorBody } from '../common/errors';
import { normalizeHttpError } from '../common/http-exception.filter';
import { CreateVideoCallDto } from './dto/create-video-call.dto';

/** Seed 004's call object: snake_case, lower-case status. */
function toVideoCall(call: CallView) {
  return {
    id: call.id,
    host_id: call.hostUserId,
    guest_id: call.recipientUserId,
    status: call.status.toLowerCase(),
    room_name: call.roomName,
    started_at: call.startedAt,
    ended_at: call.endedAt,
    created_at: call.createdAt,
  };
}

/** `{success: false, error: {code, message}}` with the contract's status, for this controller only. */
@Catch()
export class VideoEnvelopeFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const error = normalizeHttpError(exception);
    const { code, message } = toErrorBody(error);
    host.switchToHttp().getResponse<Response>().status(httpStatusOf(error.code)).json({ success: false, error: { code, message } });
  }
}

/** Seed 004's REST routes (CONTRACT.md §5), in its `{success, data}` envelope. */
@Controller('api/video/calls')
@UseFilters(VideoEnvelopeFilter)
export class VideoCallsController {
  constructor(private readonly calls: CallsService) {}

  /** A call with no recipient yet: its id is a room link for one guest. */
  @Post()
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreateVideoCallDto) {
    return { success: true, data: toVideoCall(await this.calls.createRoom({ userId: user.id }, { roomName: dto.room_name })) };
  }

  @Post(':callId/join')
  @HttpCode(200)
  async join(@CurrentUser() user: AuthUser, @Param('callId') callId: string) {
    return { success: true, data: toVideoCall(await this.calls.joinAsGuest({ userId: user.id }, callId)) };
  }

  @Post(':callId/end')
  @HttpCode(200)
  async end(@CurrentUser() user: AuthUser, @Param('callId') callId: string) {
    return { success: true, data: toVideoCall(await this.calls.hangUp({ userId: user.id }, callId, 'ended_by_api')) };
  }

  @Get(':callId')
  async get(@CurrentUser() user: AuthUser, @Param('callId') callId: string) {
    return { success: true, data: toVideoCall(await this.calls.getForLinkHolder(user.id, callId)) };
  }
}
