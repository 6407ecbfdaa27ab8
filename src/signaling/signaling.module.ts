import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { CallGateway } from './call.gateway';

@Module({ imports: [CallsModule, RealtimeModule], providers: [CallGateway] })
export class SignalingModule {}
