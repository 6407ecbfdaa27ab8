import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';
import { WEBHOOK_DELIVERY_STATUSES } from './webhook-delivery.response';

export class WebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WEBHOOK_DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus', description: 'Only events in this state' })
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATUSES)
  status?: (typeof WEBHOOK_DELIVERY_STATUSES)[number];

  @ApiPropertyOptional({ description: 'Only the events of this call or help request (its id)', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  orderingKey?: string;
}
