import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { UsersModule } from '../users/users.module';
import { CallRoomsService } from './call-rooms.service';
import { CallsController } from './calls.controller';
import { CallsRepository } from './calls.repository';
import { CallFeedbackService } from './call-feedback.service';
import { CallLimits } from './call-limits.service';
import { CallsService } from './calls.service';
import { CallSweeper } from './call-sweeper';
import { IceServersService } from './ice-servers.service';
import { OpenCallIndex } from './open-call-index';
import { ParticipantRecords } from './participant-records';

@Module({
  imports: [RealtimeModule, UsersModule],
  controllers: [CallsController],
  providers: [
    CallsRepository,
    ParticipantRecords,
    OpenCallIndex,
    CallsService,
    CallRoomsService,
    CallSweeper,
    IceServersService,
    CallFeedbackService,
    CallLimits,
  ],
  exports: [CallsService, CallRoomsService, OpenCallIndex, CallLimits],
})
export class CallsModule {}
