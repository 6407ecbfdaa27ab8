import { Injectable, Logger } from '@nestjs/common';
import type { CallView } from '../calls/call.presenter';
import { CallMove, CallsService } from '../calls/calls.service';
import { MetricsService } from './metrics.service';

/** One structured log line and the metrics for every call creation and state move. */
@Injectable()
export class CallLog {
  private readonly logger = new Logger('Calls');

  constructor(
    calls: CallsService,
    private readonly metrics: MetricsService,
  ) {
    calls.onMoved((call, move) => this.moved(call, move));
  }

  private moved(call: CallView, move: CallMove): void {
    // Listeners run inside the move: a failure here must not fail the call.
    try {
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
    } catch (error) {
      this.logger.error(error);
    }
  }
}
