import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { CallRoomsService } from './call-rooms.service';
import { CallIdDto } from './dto/call-id.dto';
import { HistoryQueryDto } from './dto/history-query.dto';
import { StartCallDto } from './dto/start-call.dto';
import { CallsService } from './calls.service';
import { IceServersService } from './ice-servers.service';
import { toRoomParticipantView } from './room.presenter';

@Controller('calls')
export class CallsController {
  constructor(
    private readonly calls: CallsService,
    private readonly rooms: CallRoomsService,
    private readonly ice: IceServersService,
  ) {}

  /** 201 with the new call; 200 when it answered the recipient's own ringing call (glare). */
  @Post('start')
  async start(@CurrentUser() user: AuthUser, @Body() dto: StartCallDto, @Res({ passthrough: true }) response: Response) {
    const result = await this.calls.start({ userId: user.id }, dto);
    response.status(result.created ? 201 : 200);
    return result.call;
  }

  @Post('accept')
  @HttpCode(200)
  accept(@CurrentUser() user: AuthUser, @Body() dto: CallIdDto) {
    return this.calls.accept({ userId: user.id }, dto.callId);
  }

  @Post('decline')
  @HttpCode(200)
  decline(@CurrentUser() user: AuthUser, @Body() dto: CallIdDto) {
    return this.calls.decline({ userId: user.id }, dto.callId);
  }

  @Post('cancel')
  @HttpCode(200)
  cancel(@CurrentUser() user: AuthUser, @Body() dto: CallIdDto) {
    return this.calls.cancel({ userId: user.id }, dto.callId);
  }

  @Get('ice-servers')
  iceServers(@CurrentUser() user: AuthUser) {
    return this.ice.forUser(user.id);
  }

  @Get('user/history')
  history(@CurrentUser() user: AuthUser, @Query() query: HistoryQueryDto) {
    return this.calls.history(user.id, query);
  }

  @Get('user/current')
  async current(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) response: Response) {
    const call = await this.calls.current(user.id);
    if (!call) response.status(204);
    return call ?? undefined;
  }

  /** The call with everyone who has been in its room, present (leftAt null) or gone. */
  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.calls.getWithParticipants(user.id, id);
  }

  @Get(':id/room')
  async room(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    const participants = await this.rooms.participantsFor(user.id, id);
    return { callId: id, participants: participants.map(toRoomParticipantView) };
  }

  /** Ends the call (ENDED, ended_by_api); a ringing call is cancelled or declined instead. */
  @Delete(':id')
  end(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.calls.hangUp({ userId: user.id }, id, 'ended_by_api');
  }
}
