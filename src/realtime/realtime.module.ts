import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FrameAllowances } from './frame-guard';
import { ConnectionAdmission } from './connection-admission';
import { ConnectionGateway } from './connection.gateway';
import { ConnectionRegistry } from './connection-registry.service';
import { SocketAuthService } from './socket-auth.service';
import { SocketReplies } from './socket-replies';

@Module({
  imports: [AuthModule],
  providers: [SocketAuthService, ConnectionGateway, ConnectionRegistry, ConnectionAdmission, FrameAllowances, SocketReplies],
  exports: [SocketAuthService, ConnectionRegistry, ConnectionAdmission, ConnectionGateway, FrameAllowances, SocketReplies],
})
export class RealtimeModule {}
