import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { settleBackground, within } from '../common/background';
import { ClusterBus } from '../cluster/cluster-bus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionGateway } from '../realtime/connection.gateway';
import { RawWsServer } from './raw-ws/raw-ws.server';

/**
 * The first part of a graceful shutdown (SIGTERM), before the modules close: stop accepting
 * connections, send every realtime client to reconnect elsewhere, and let what they left behind
 * settle: room departures and presence graces are armed as for any dropped connection, so calls
 * survive the disconnect grace (with Redis, another instance fires or cancels those timers), and
 * in-flight requests finish while the database is still open. Each step is bounded so the whole
 * fits in SHUTDOWN_TIMEOUT_MS.
 */
@Injectable()
export class DrainService {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly httpHost: HttpAdapterHost,
    private readonly socketIo: ConnectionGateway,
    private readonly rawWs: RawWsServer,
    private readonly bus: ClusterBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async drain(): Promise<void> {
    const step = Math.floor(this.config.shutdownTimeoutMs / 4);
    const server = this.httpHost.httpAdapter.getHttpServer() as Server;
    // No new connections from here on; idle keep-alive ones close, busy ones after their response.
    const requestsDone = new Promise<void>((done) => server.close(() => done()));
    if (!(await within(step, Promise.all([this.socketIo.sendAway(), this.rawWs.sendAway()])))) {
      this.logger.warn('some realtime clients did not close in time; dropping them');
      this.rawWs.dropAll();
    }
    // Then what that work published for the other instances, before Redis closes.
    if (
      !(await within(
        step,
        settleBackground().then(() => this.bus.settle()),
      ))
    )
      this.logger.warn('background work still running at shutdown');
    if (!(await within(step, requestsDone))) {
      this.logger.warn('requests still running at shutdown; closing their connections');
      server.closeAllConnections();
    }
  }
}
