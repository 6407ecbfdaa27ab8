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
import { HelpModule } from './help/help.module';
import { PresenceModule } from './presence/presence.module';
import { PushModule } from './push/push.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SignalingModule } from './signaling/signaling.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // First: global modules' hooks run in this order at start and in reverse at shutdown, so the
        // event listeners are in place before Redis's timers start firing, and stay until Redis and
        // the database have let the work that closing started finish.
        EventsModule,
        ConfigModule.forRoot(config),
        ObservabilityModule,
        ClusterModule,
        DatabaseModule,
        WebhooksModule,
        AuthModule,
        UsersModule,
        RealtimeModule,
        CallsModule,
        ChatModule,
        SignalingModule,
        PresenceModule,
        HelpModule,
        PushModule,
        HealthModule,
        LimitsModule,
        // DEMO_ENABLED, DOCS_ENABLED: off in production unless asked for.
        ...(config.pages.demo ? [DemoModule] : []),
        ...(config.pages.docs ? [DocsModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
