import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallsService } from '../calls/calls.service';
import { socketActor } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';
import { HelpRequestDto, RequestIdDto, StatusMessageDto } from '../presence/dto/mentors-query.dto';
import { HelpRequestsService } from '../presence/help-requests.service';
import { MentorStatusService } from '../presence/mentor-status.service';
import { CallIdMessageDto, InitiateCallDto, RejectCallDto } from './dto/instant.dto';

/** The instant dialect's call, mentor-status and help-request events (CONTRACT.md §8). */
@WebSocketGateway()
export class InstantGateway {
  constructor(
    private readonly calls: CallsService,
    private readonly mentors: MentorStatusService,
    private readonly help: HelpRequestsService,
  ) {}

  @SocketEvent('student_request_help')
  async requestHelp(@ConnectedSocket() socket: Socket, @MessageBody() dto: HelpRequestDto) {
    const request = await this.help.create(socketActor(socket).userId, {
      topic: dto.topic,
      message: dto.message,
      targetType: dto.target_type,
    });
    return { request };
  }

  @SocketEvent('accept_help_request')
  async acceptHelp(@ConnectedSocket() socket: Socket, @MessageBody() dto: RequestIdDto) {
    return { request: await this.help.accept(socketActor(socket).userId, dto.request_id) };
  }

  @SocketEvent('cancel_help_request')
  async cancelHelp(@ConnectedSocket() socket: Socket, @MessageBody() dto: RequestIdDto) {
    return { request: await this.help.cancel(socketActor(socket).userId, dto.request_id) };
  }

  @SocketEvent('mentor_available')
  async mentorAvailable(@ConnectedSocket() socket: Socket, @MessageBody() dto: StatusMessageDto) {
    return { status: await this.mentors.set(socketActor(socket).userId, 'available', dto.status_message) };
  }

  @SocketEvent('mentor_busy')
  async mentorBusy(@ConnectedSocket() socket: Socket, @MessageBody() dto: StatusMessageDto) {
    return { status: await this.mentors.set(socketActor(socket).userId, 'busy', dto.status_message) };
  }

  @SocketEvent('initiate_call')
  async initiateCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: InitiateCallDto) {
    const { call } = await this.calls.start(socketActor(socket), { recipientUserId: dto.to_user_id, hasVideo: dto.call_type === 'video' });
    return { call };
  }

  @SocketEvent('accept_call')
  async acceptCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdMessageDto) {
    return { call: await this.calls.accept(socketActor(socket), dto.call_id) };
  }

  @SocketEvent('reject_call')
  async rejectCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: RejectCallDto) {
    return { call: await this.calls.decline(socketActor(socket), dto.call_id, dto.reason) };
  }

  /** Cancels, declines or ends, as the call's state requires. */
  @SocketEvent('end_call')
  async endCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdMessageDto) {
    return { call: await this.calls.hangUp(socketActor(socket), dto.call_id) };
  }
}
