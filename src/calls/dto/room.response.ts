import { ApiProperty } from '@nestjs/swagger';
import type { toRoomParticipantView } from '../room.presenter';

/** A connection in the call's room now, as the calls dialect names its fields. */
export class RoomParticipantResponse implements ReturnType<typeof toRoomParticipantView> {
  @ApiProperty({ type: String, description: 'The connection to address offers and ICE candidates to' })
  socketId: string;

  @ApiProperty({ type: String })
  userId: string;

  @ApiProperty({ type: String })
  userName: string;

  @ApiProperty({ type: Boolean })
  hasVideo: boolean;

  @ApiProperty({ type: Boolean })
  hasAudio: boolean;
}

export class RoomResponse {
  @ApiProperty({ type: String })
  callId: string;

  @ApiProperty({ type: () => [RoomParticipantResponse] })
  participants: RoomParticipantResponse[];
}
