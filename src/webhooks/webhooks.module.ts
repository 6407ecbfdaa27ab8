import { Global, Module } from '@nestjs/common';
import { WebhookDeliveries } from './webhook-deliveries';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';
import { WebhooksController } from './webhooks.controller';

/** The platform's webhook: the outbox every module writes its events to, and their delivery. */
@Global()
@Module({
  controllers: [WebhooksController],
  providers: [WebhookOutbox, WebhookDeliveries, WebhookDispatcher],
  exports: [WebhookOutbox],
})
export class WebhooksModule {}
