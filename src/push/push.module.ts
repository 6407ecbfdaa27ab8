import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { ChatModule } from '../chat/chat.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { PushService } from './push.service';

@Module({ imports: [CallsModule, ChatModule, RealtimeModule], providers: [PushService], exports: [PushService] })
export class PushModule {}
