import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { PushService } from './push.service';

@Module({ imports: [RealtimeModule, CallsModule], providers: [PushService], exports: [PushService] })
export class PushModule {}
