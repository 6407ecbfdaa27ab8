import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { PushService } from './push.service';

@Module({ imports: [RealtimeModule], providers: [PushService], exports: [PushService] })
export class PushModule {}
