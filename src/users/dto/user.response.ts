import { ApiProperty } from '@nestjs/swagger';
import { UserRole } from '../../generated/prisma/enums';
import type { PublicProfile, SelfView } from '../user.presenter';

const ROLE = { enum: Object.values(UserRole), enumName: 'UserRole' } as const;

/** What anyone signed in may see of another user. */
export class PublicProfileResponse implements PublicProfile {
  @ApiProperty({ type: String, description: 'Opaque user id' })
  id: string;

  @ApiProperty({ type: String, example: 'Ada Lovelace' })
  displayName: string;

  @ApiProperty({ type: String, format: 'uri', nullable: true })
  avatarUrl: string | null;

  @ApiProperty(ROLE)
  role: UserRole;
}

/** What a user sees of themself. */
export class UserResponse extends PublicProfileResponse implements SelfView {
  @ApiProperty({ type: String, format: 'email', example: 'ada@example.com' })
  email: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}
