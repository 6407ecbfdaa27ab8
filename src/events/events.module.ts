import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AppEvents } from './app-events';

/** The internal event map (app-events.ts), injectable everywhere. */
@Global()
@Module({
  imports: [EventEmitterModule.forRoot()],
  providers: [AppEvents],
  exports: [AppEvents],
})
export class EventsModule {}
