import { Injectable, Logger } from '@nestjs/common';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { MetricsService } from './metrics.service';

/** One structured log line and the metrics for every call creation and state move. */
@Injectable()
export class CallLog {
  private readonly logger = new Logger('Calls');

  constructor(private readonly metrics: MetricsService) {}

  @OnAppEvent('call.moved')
  moved({ call, move }: AppEventMap['call.moved']): void {
    this.metrics.callMoved(call);
    this.logger.log({
      msg: move.from === null ? 'call created' : 'call moved',
      callId: call.id,
      hostUserId: call.hostUserId,
      recipientUserId: call.recipientUserId,
      actorUserId: move.actorUserId,
      from: move.from,
      to: move.to,
      reason: move.reason ?? undefined,
      durationSeconds: call.durationSeconds ?? undefined,
    });
  }
}
