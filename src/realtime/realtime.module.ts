import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConnectionGateway } from './connection.gateway';
import { SocketAuthService } from './socket-auth.service';

@Module({
  imports: [AuthModule],
  providers: [SocketAuthService, ConnectionGateway],
  exports: [SocketAuthService],
})
export class RealtimeModule {}
