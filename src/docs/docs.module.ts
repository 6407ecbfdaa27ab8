import { Module } from '@nestjs/common';
import { RealtimeDocsController } from './realtime-docs.controller';
import { RealtimeDocsService } from './realtime-docs.service';

/** The realtime API document (AsyncAPI 3) under /docs/realtime; the OpenAPI document is set up in app.factory. */
@Module({
  controllers: [RealtimeDocsController],
  providers: [RealtimeDocsService],
})
export class DocsModule {}
