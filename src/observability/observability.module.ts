import { Global, Module } from '@nestjs/common';
import { AccessLog } from './access-log';
import { CallLog } from './call-log';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Structured logs and Prometheus metrics; MetricsService is injectable everywhere. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, AccessLog, CallLog],
  exports: [MetricsService],
})
export class ObservabilityModule {}
