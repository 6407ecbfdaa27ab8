import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { AppError } from '../common/errors';
import { WebhookDeliveriesQueryDto } from './dto/webhook-deliveries.query';
import { WebhookDeliveryPageResponse, WebhookDeliveryResponse } from './dto/webhook-delivery.response';
import { ApiWebhookEvents } from './dto/webhook-event.response';
import { WebhookDeliveries } from './webhook-deliveries';

const NOT_ADMIN = 'You are not an administrator';

function requireAdmin(user: AuthUser): void {
  if (user.role !== 'admin') throw new AppError('forbidden', 'Only administrators can see webhook deliveries');
}

/** What the platform's webhook was sent, for administrators (ext). */
@ApiTags('webhooks')
@ApiWebhookEvents()
@ApiAuthenticated()
@Controller('admin/webhooks/deliveries')
export class WebhooksController {
  constructor(private readonly deliveries: WebhookDeliveries) {}

  @Get()
  @ApiOperation({
    summary: 'Recent webhook events and their attempts (administrators)',
    description: 'Newest first. Delivered and given-up events are kept for 7 days.',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiErrors({ forbidden: NOT_ADMIN, validation_failed: 'A query parameter is invalid' })
  list(@CurrentUser() user: AuthUser, @Query() query: WebhookDeliveriesQueryDto) {
    requireAdmin(user);
    return this.deliveries.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook event, its body and its attempts (administrators)' })
  @ApiOkResponse({ type: WebhookDeliveryResponse })
  @ApiErrors({ forbidden: NOT_ADMIN, not_found: 'No webhook event has this id', validation_failed: UNSTORABLE_PARAMETER })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    requireAdmin(user);
    return this.deliveries.get(id);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a delivered or given-up event again (administrators)',
    description: 'With the same id, so a platform that already has it can skip it; it gets a fresh round of attempts.',
  })
  @ApiOkResponse({ type: WebhookDeliveryResponse, description: 'The event, pending again' })
  @ApiErrors({
    forbidden: NOT_ADMIN,
    not_found: 'No webhook event has this id',
    invalid_state: 'The event is still being delivered',
    validation_failed: UNSTORABLE_PARAMETER,
  })
  replay(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    requireAdmin(user);
    return this.deliveries.replay(id, new Date());
  }
}
