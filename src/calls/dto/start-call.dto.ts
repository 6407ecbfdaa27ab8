import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { toIdString } from '../../common/id';
import { declareFastShape } from '../../common/validation';
import { LimitSeconds, MAX_CALL_LIMIT_S } from './max-duration';

export class StartCallDto {
  @ApiProperty({
    oneOf: [{ type: 'string', minLength: 1, maxLength: 128 }, { type: 'integer' }],
    description: 'Whom to call: another existing user (an integer is read as its decimal string)',
  })
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  recipientUserId: string;

  @ApiPropertyOptional({ type: String, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @IsBoolean()
  isPrivate?: boolean;

  @ApiPropertyOptional({ type: Boolean, default: true })
  @IsOptional()
  @IsBoolean()
  hasVideo?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_CALL_LIMIT_S,
    description: '(ext) How long the call may last once answered, in seconds (default: CALL_MAX_DURATION_S, if set)',
  })
  @LimitSeconds()
  maxDurationS?: number;
}

// Every call starts with one; a title or a time limit takes the full path.
declareFastShape(StartCallDto, { recipientUserId: 'id', hasVideo: 'optional boolean', isPrivate: 'optional boolean' });
