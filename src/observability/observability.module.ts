import { Global, Module } from '@nestjs/common';

/** Structured logs and Prometheus metrics. */
@Global()
@Module({})
export class ObservabilityModule {}
