import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';

const STATUSES = ['CALLING', 'ACTIVE', 'ENDED', 'CANCELLED', 'DECLINED', 'MISSED'] as const;

export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, enumName: 'CallStatus', description: 'Only calls in this status' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];
}
