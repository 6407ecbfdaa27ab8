import { ApiProperty } from '@nestjs/swagger';
import { UserResponse } from '../../users/dto/user.response';
import type { Session } from '../auth.service';

/** What register and login answer: a token for `Authorization: Bearer`, and the user it names. */
export class AuthResultResponse implements Session {
  @ApiProperty({ type: String, description: 'A JWT (HS256 by default): send it as `Authorization: Bearer <accessToken>`' })
  accessToken: string;

  @ApiProperty({ type: () => UserResponse })
  user: UserResponse;
}
