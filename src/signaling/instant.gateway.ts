import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallsService } from '../calls/calls.service';
import { OpenCallIndex } from '../calls/open-call-index';
import type { CallView } from '../calls/call.presenter';
import type { CallInitiatedConfirmedEvent } from '@call-signaling/client';
import { socketActor } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';
import { HelpRequestDto, LeaveHelpMessageDto, RequestIdDto } from '../help/dto/help-request.dto';
import { HelpRequestsService } from '../help/help-requests.service';
import { StatusMessageDto } from '../presence/dto/mentors-query.dto';
import { MentorStatusService } from '../presence/mentor-status.service';
import { CallClosingDto, CallIdMessageDto, InitiateCallDto } from './dto/instant.dto';
import { appCallId } from './instantmentor.call-id';
import { CALL_OUTCOMES } from './instant.renderer';
import { helpRequestEvent, TO_EVERY_MENTOR } from './instantmentor.renderer';

const STATUS_OF: Partial<Record<CallView['status'], CallInitiatedConfirmedEvent['status']>> = { MISSED: 'missed', ACTIVE: 'accepted' };

/**
 * The instant dialect's call, mentor-status and help-request events (CONTRACT.md §8), in section
 * 8's words or the InstantMentor app's: the app hears what it started as events, not acks.
 */
@WebSocketGateway()
export class InstantGateway {
  constructor(
    private readonly calls: CallsService,
    private readonly openCalls: OpenCallIndex,
    private readonly mentors: MentorStatusService,
    private readonly help: HelpRequestsService,
  ) {}

  @SocketEvent('student_request_help')
  async requestHelp(@ConnectedSocket() socket: Socket, @MessageBody() dto: HelpRequestDto) {
    const request = await this.help.create(socketActor(socket).userId, {
      topic: (dto.topic ?? dto.subject)!,
      message: dto.message,
      targetType: dto.target_type,
      mentorId: dto.mentorId === TO_EVERY_MENTOR ? undefined : dto.mentorId,
      urgency: dto.urgency,
    });
    if (dto.subject !== undefined) socket.emit('help_request_sent', helpRequestEvent(request));
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

  @SocketEvent('leave_help_message')
  leaveHelpMessage(@ConnectedSocket() socket: Socket, @MessageBody() dto: LeaveHelpMessageDto) {
    return this.help.leaveMessage(socketActor(socket).userId, dto.request_id, dto.text);
  }

  @SocketEvent('mentor_available')
  async mentorAvailable(@ConnectedSocket() socket: Socket, @MessageBody() dto: StatusMessageDto) {
    return { status: await this.mentors.set(socketActor(socket).userId, 'available', dto.status_message ?? dto.statusMessage) };
  }

  @SocketEvent('mentor_busy')
  async mentorBusy(@ConnectedSocket() socket: Socket, @MessageBody() dto: StatusMessageDto) {
    return { status: await this.mentors.set(socketActor(socket).userId, 'busy', dto.status_message ?? dto.statusMessage) };
  }

  /**
   * The app's caller hears `call_initiated_confirmed` before anything else of the call (a missed
   * call's `call_ended` follows the reply). When the callee was calling them at that moment, the
   * start accepted the callee's call (glare): the app hears it accepted, as its caller would.
   */
  @SocketEvent('initiate_call')
  async initiateCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: InitiateCallDto) {
    const callType = dto.call_type ?? dto.callType ?? 'video';
    const { call } = await this.calls.start(socketActor(socket), {
      recipientUserId: (dto.to_user_id ?? dto.receiverId)!,
      hasVideo: callType === 'video',
      maxDurationS: dto.max_duration_s ?? dto.maxDurationS,
    });
    if (dto.receiverId !== undefined) {
      const confirmed: CallInitiatedConfirmedEvent = {
        callId: call.id,
        callerId: call.hostUserId,
        receiverId: call.recipientUserId ?? dto.receiverId,
        callType: call.hasVideo ? 'video' : 'audio',
        status: STATUS_OF[call.status] ?? 'ringing',
      };
      socket.emit('call_initiated_confirmed', confirmed);
      if (call.status === 'ACTIVE') {
        const [event, accepted] = CALL_OUTCOMES.accepted({ type: 'accepted', call, byUserId: socketActor(socket).userId });
        socket.emit(event, accepted);
      }
    }
    return { call };
  }

  @SocketEvent('accept_call')
  async acceptCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdMessageDto) {
    const actor = socketActor(socket);
    return { call: await this.calls.accept(actor, await this.callIdOf(actor.userId, dto)) };
  }

  @SocketEvent('reject_call')
  async rejectCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallClosingDto) {
    const actor = socketActor(socket);
    return { call: await this.calls.decline(actor, await this.callIdOf(actor.userId, dto), dto.reason) };
  }

  /** Cancels, declines or ends, as the call's state requires. */
  @SocketEvent('end_call')
  async endCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallClosingDto) {
    const actor = socketActor(socket);
    return { call: await this.calls.hangUp(actor, await this.callIdOf(actor.userId, dto)) };
  }

  /** Section 8's `call_id`, or the app's `callId` (which may be its provisional id for the call it started). */
  private callIdOf(userId: string, dto: CallIdMessageDto): string | Promise<string> {
    return dto.call_id ?? appCallId(this.openCalls, userId, dto.callId!);
  }
}
