import { Global, Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { AccessLog } from './access-log';
import { CallLog } from './call-log';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Structured logs and Prometheus metrics; MetricsService is injectable everywhere. */
@Global()
@Module({
  imports: [RealtimeModule, CallsModule],
  controllers: [MetricsController],
  providers: [MetricsService, AccessLog, CallLog],
  exports: [MetricsService],
})
export class ObservabilityModule {}
