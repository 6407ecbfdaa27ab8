import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConnectionGateway } from './connection.gateway';
import { ConnectionRegistry } from './connection-registry.service';
import { SocketAuthService } from './socket-auth.service';

@Module({
  imports: [AuthModule],
  providers: [SocketAuthService, ConnectionGateway, ConnectionRegistry],
  exports: [SocketAuthService, ConnectionRegistry],
})
export class RealtimeModule {}
