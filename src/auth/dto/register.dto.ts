import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, IsUrl, Length, MaxLength } from 'class-validator';

export const SELF_REGISTRABLE_ROLES = ['student', 'mentor', 'tutor'] as const;
export type SelfRegistrableRole = (typeof SELF_REGISTRABLE_ROLES)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const normalizeEmail = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RegisterDto {
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @IsString()
  @Length(8, 128, { message: 'password must be 8 to 128 characters long' })
  password: string;

  @Transform(trim)
  @IsString()
  @Length(1, 100, { message: 'displayName must be 1 to 100 characters long' })
  displayName: string;

  @IsIn(SELF_REGISTRABLE_ROLES, { message: `role must be one of ${SELF_REGISTRABLE_ROLES.join(', ')}` })
  role: SelfRegistrableRole;

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2048)
  avatarUrl?: string;
}
