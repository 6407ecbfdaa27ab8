import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { IceServer, IceServersService } from '../ice-servers.service';

/** An RTCIceServer: STUN urls alone, or TURN urls with time-limited credentials. */
export class IceServerResponse implements IceServer {
  @ApiProperty({ type: [String], example: ['stun:stun.example.org:3478'] })
  urls: string[];

  @ApiPropertyOptional({ type: String, description: 'TURN only: `<expiry unix seconds>:<userId>`' })
  username?: string;

  @ApiPropertyOptional({ type: String, description: 'TURN only: base64(HMAC-SHA1(TURN_SECRET, username))' })
  credential?: string;
}

export class IceServersResponse implements ReturnType<IceServersService['forUser']> {
  @ApiProperty({ type: () => [IceServerResponse] })
  iceServers: IceServerResponse[];

  @ApiProperty({ type: 'integer', description: 'Seconds the TURN credentials stay valid (TURN_TTL_S)' })
  ttl: number;
}
