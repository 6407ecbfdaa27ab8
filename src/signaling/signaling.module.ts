import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CallsModule } from '../calls/calls.module';
import { ChatModule } from '../chat/chat.module';
import { HelpModule } from '../help/help.module';
import { PresenceModule } from '../presence/presence.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { RelayModule } from '../relay/relay.module';
import { UsersModule } from '../users/users.module';
import { CallsGateway } from './calls.gateway';
import { ChatGateway } from './chat.gateway';
import { DrainService } from './drain.service';
import { SocketIoConnections } from './socket-io-connections';
import { InstantGateway } from './instant.gateway';
import { InstantMentorGateway } from './instantmentor.gateway';
import { PresenceGateway } from './presence.gateway';
import { VideoCallsController } from './video-calls.controller';
import { WebrtcGateway } from './webrtc.gateway';
import { RAW_WS_DIALECTS, RawWsServer } from './raw-ws/raw-ws.server';
import { WsSignalingDialect } from './raw-ws/ws-signaling.dialect';
import { WsCallDialect } from './raw-ws/ws-call.dialect';

@Module({
  imports: [AuthModule, CallsModule, ChatModule, HelpModule, PresenceModule, RealtimeModule, RelayModule, UsersModule],
  controllers: [VideoCallsController],
  providers: [
    SocketIoConnections,
    CallsGateway,
    WebrtcGateway,
    InstantGateway,
    InstantMentorGateway,
    PresenceGateway,
    ChatGateway,
    WsSignalingDialect,
    WsCallDialect,
    { provide: RAW_WS_DIALECTS, inject: [WsSignalingDialect, WsCallDialect], useFactory: (...dialects: unknown[]) => dialects },
    RawWsServer,
    DrainService,
  ],
})
export class SignalingModule {}
