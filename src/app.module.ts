import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { CallsModule } from './calls/calls.module';
import { ClusterModule } from './cluster/cluster.module';
import { ChatModule } from './chat/chat.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DocsModule } from './docs/docs.module';
import { EventsModule } from './events/events.module';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { LimitsModule } from './limits/limits.module';
import { ObservabilityModule } from './observability/observability.module';
import { PresenceModule } from './presence/presence.module';
import { PushModule } from './push/push.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RelayModule } from './relay/relay.module';
import { SignalingModule } from './signaling/signaling.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule,
        ClusterModule,
        DatabaseModule,
        // After Redis and the database: the lifecycle hooks of global modules run in this order, and
        // the event listeners must outlive the work those two let finish at shutdown.
        EventsModule,
        AuthModule,
        UsersModule,
        RealtimeModule,
        CallsModule,
        RelayModule,
        ChatModule,
        SignalingModule,
        PresenceModule,
        PushModule,
        HealthModule,
        LimitsModule,
        DemoModule,
        DocsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
