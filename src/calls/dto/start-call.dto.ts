import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { toIdString } from '../../common/id';

export class StartCallDto {
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  recipientUserId: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @IsOptional()
  @IsBoolean()
  isPrivate?: boolean;

  @IsOptional()
  @IsBoolean()
  hasVideo?: boolean;
}
