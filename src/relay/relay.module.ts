import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { EngagedConnections } from './engaged-connections';
import { RelayService } from './relay.service';

/** Who may relay signaling to whom, and along which route (relay.service.ts). */
@Module({
  imports: [CallsModule, RealtimeModule],
  providers: [EngagedConnections, RelayService],
  exports: [RelayService],
})
export class RelayModule {}
