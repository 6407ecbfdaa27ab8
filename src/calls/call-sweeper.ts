import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CallsService } from './calls.service';

/**
 * Settles, at start and every CALL_SWEEP_INTERVAL_MS, what timers could not (a restart, a crash,
 * timers lost with Redis): calls left ringing past the ring timeout, active calls a party has left
 * with no grace running for them, and busy slots of calls that are over.
 */
@Injectable()
export class CallSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Calls');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly calls: CallsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep().catch((e) => this.logger.error(e)), this.config.calls.sweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    await this.calls.sweepRinging();
    await this.calls.sweepAbandoned();
    await this.calls.sweepClosedSlots();
  }
}
