import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';

export const SELF_REGISTRABLE_ROLES = ['student', 'mentor', 'tutor'] as const;
export type SelfRegistrableRole = (typeof SELF_REGISTRABLE_ROLES)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const normalizeEmail = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RegisterDto {
  @ApiProperty({
    type: String,
    format: 'email',
    maxLength: 254,
    description: 'Trimmed and lower-cased; unique',
    example: 'ada@example.com',
  })
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be an email address' })
  // Reserved (RFC 2606): never a real mailbox, and where users signed in elsewhere without an email get theirs.
  @Matches(/(?<!\.invalid)$/, { message: 'email cannot be in the reserved .invalid domain' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ type: String, format: 'password', minLength: 8, maxLength: 128, description: 'Stored only as a slow hash (scrypt)' })
  @IsString()
  @Length(8, 128, { message: 'password must be 8 to 128 characters long' })
  password: string;

  @ApiProperty({ type: String, minLength: 1, maxLength: 100, description: 'Trimmed', example: 'Ada Lovelace' })
  @Transform(trim)
  @IsString()
  @Length(1, 100, { message: 'displayName must be 1 to 100 characters long' })
  displayName: string;

  @ApiProperty({ enum: SELF_REGISTRABLE_ROLES, enumName: 'SelfRegistrableRole', description: '`admin` cannot be self-registered' })
  @IsIn(SELF_REGISTRABLE_ROLES, { message: `role must be one of ${SELF_REGISTRABLE_ROLES.join(', ')}` })
  role: SelfRegistrableRole;

  @ApiPropertyOptional({ type: String, format: 'uri', maxLength: 2048, description: 'An http(s) URL' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2048)
  avatarUrl?: string;
}
