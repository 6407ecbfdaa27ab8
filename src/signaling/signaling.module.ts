import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CallsModule } from '../calls/calls.module';
import { ChatModule } from '../chat/chat.module';
import { PresenceModule } from '../presence/presence.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { UsersModule } from '../users/users.module';
import { CallGateway } from './call.gateway';
import { ChatGateway } from './chat.gateway';
import { DrainService } from './drain.service';
import { InstantMentorGateway } from './instant-mentor.gateway';
import { VideoCallsController } from './video-calls.controller';
import { WebrtcGateway } from './webrtc.gateway';
import { RAW_WS_DIALECTS, RawWsServer } from './raw-ws/raw-ws.server';
import { Seed000Dialect } from './raw-ws/seed000.dialect';
import { Seed001Dialect } from './raw-ws/seed001.dialect';

@Module({
  imports: [AuthModule, CallsModule, ChatModule, PresenceModule, RealtimeModule, UsersModule],
  controllers: [VideoCallsController],
  providers: [
    CallGateway,
    WebrtcGateway,
    InstantMentorGateway,
    ChatGateway,
    Seed000Dialect,
    Seed001Dialect,
    { provide: RAW_WS_DIALECTS, inject: [Seed000Dialect, Seed001Dialect], useFactory: (...dialects: unknown[]) => dialects },
    RawWsServer,
    DrainService,
  ],
})
export class SignalingModule {}
