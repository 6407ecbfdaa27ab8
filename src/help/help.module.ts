import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { PresenceModule } from '../presence/presence.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { HelpOffers } from './help-offers';
import { HelpQueueNotices } from './help-queue-notices';
import { HelpRequestsController } from './help-requests.controller';
import { HelpRequestsService } from './help-requests.service';

/** Students' help requests: queues, staged offers, reservations (CONTRACT.md §8, help requests). */
@Module({
  imports: [RealtimeModule, PresenceModule, ChatModule],
  controllers: [HelpRequestsController],
  providers: [HelpOffers, HelpQueueNotices, HelpRequestsService],
  exports: [HelpRequestsService],
})
export class HelpModule {}
