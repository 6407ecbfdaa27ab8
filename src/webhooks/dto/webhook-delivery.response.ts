import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookAttemptView, WebhookDeliveryView, WebhookEvent, WebhookEventType } from '@call-signaling/client';
import { WEBHOOK_EVENT_SCHEMA } from './webhook-event.response';
import { dateTime } from '../../common/dto/date-time.property';
import type { DeliveryPage } from '../webhook-deliveries';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export class WebhookAttemptResponse implements WebhookAttemptView {
  @ApiProperty(dateTime('When it was sent'))
  at: string;

  @ApiProperty({ type: 'integer', description: 'How long until the answer, or the failure' })
  durationMs: number;

  @ApiPropertyOptional({ type: 'integer', description: "The platform's HTTP status; absent when it could not be reached" })
  statusCode?: number;

  @ApiPropertyOptional({ description: 'Why it failed; absent when it succeeded' })
  error?: string;
}

/** An event and its delivery. */
export class WebhookDeliveryResponse implements WebhookDeliveryView {
  @ApiProperty()
  id: string;

  @ApiProperty({ type: String, example: 'call.ended', description: '`call.<status>`, `help_request.<status>` or `call.feedback`' })
  type: WebhookEventType;

  @ApiProperty({ description: "The call's or the help request's id: its events are delivered one at a time, in order" })
  orderingKey: string;

  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus' })
  status: WebhookDeliveryView['status'];

  @ApiProperty({ type: 'integer', description: 'Attempts since it was written or last replayed' })
  attempts: number;

  @ApiProperty(dateTime('When it is tried next (pending only)', true))
  nextAttemptAt: string | null;

  @ApiProperty(dateTime('When it was written'))
  createdAt: string;

  @ApiProperty(dateTime('When the platform acknowledged it', true))
  deliveredAt: string | null;

  @ApiProperty({ type: () => [WebhookAttemptResponse], description: 'Every attempt, oldest first' })
  attemptLog: WebhookAttemptResponse[];

  @ApiProperty(WEBHOOK_EVENT_SCHEMA)
  event: WebhookEvent;
}

export class WebhookDeliveryPageResponse implements DeliveryPage {
  @ApiProperty({ type: () => [WebhookDeliveryResponse] })
  items: WebhookDeliveryResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null on the last page' })
  nextCursor: string | null;
}
