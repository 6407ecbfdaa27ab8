import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { FEEDBACK_ISSUES, type FeedbackIssue } from '@call-signaling/client';

/** POST /calls/:id/feedback. */
export class CallFeedbackDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5, description: '1 (bad) to 5 (excellent)' })
  @IsInt()
  @Min(1)
  @Max(5)
  rating: number;

  @ApiPropertyOptional({ enum: FEEDBACK_ISSUES, isArray: true, default: [], description: 'What went wrong, each at most once' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(FEEDBACK_ISSUES.length)
  @ArrayUnique()
  @IsIn(FEEDBACK_ISSUES, { each: true })
  issues?: FeedbackIssue[];

  @ApiPropertyOptional({ type: String, maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}
