import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { UsersModule } from '../users/users.module';
import { MentorStatusService } from './mentor-status.service';
import { MonitoringController } from './monitoring.controller';
import { PresenceController } from './presence.controller';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';

@Module({
  imports: [RealtimeModule, UsersModule, CallsModule],
  controllers: [PresenceController, MonitoringController],
  providers: [PresenceRepository, PresenceService, MentorStatusService],
  exports: [PresenceService, MentorStatusService],
})
export class PresenceModule {}
