import './runtime-flags';
import { INestApplication, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { AppConfig, loadConfig } from './config/app-config';
import { ConfigError } from './config/env-parsers';
import { StartupError } from './config/startup-error';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  // A signal while the app starts (a deployment rolled back) stops it once what started can be
  // closed: killed half-way, the embedded database could be left mid-write.
  const server: { app?: INestApplication; stopping?: NodeJS.Signals } = {};
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.stopping = signal;
      if (server.app) void shutDown(server.app, config, signal);
    });
  }
  // The app's modules load once the settings are known to be good: a bad one is told at once.
  const { createApp } = await import('./app.factory');
  const app = await createApp(config);
  if (server.stopping) return shutDown(app, config, server.stopping);
  // From here on a signal shuts it down at once; one while it listens (its modules starting) waits for that.
  await listen(app, config);
  server.app = app;
  if (server.stopping) return shutDown(app, config, server.stopping);
  const logger = new Logger('Server');
  for (const line of whereToLook(app, config)) logger.log(line);
}

/** Listens on HOST:PORT; a port taken or an address not this machine's is one line naming the setting. */
async function listen(app: INestApplication, config: AppConfig): Promise<void> {
  try {
    await (config.host ? app.listen(config.port, config.host) : app.listen(config.port));
  } catch (error) {
    // What started is stopped: the embedded database is closed cleanly, and its lock released.
    await app.close().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const where = `${config.host ?? 'every interface'}, port ${config.port}`;
    if (code === 'EADDRINUSE')
      throw new StartupError('PORT', `${config.port} is already in use (${where}); stop the other server or choose another PORT`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new StartupError('HOST', `${config.host} is not an address of this machine (${code})`);
    throw error;
  }
}

/** Where the server is, and its pages: the address it is bound to, not a guess. */
function whereToLook(app: INestApplication, config: AppConfig): string[] {
  const { address, port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const everywhere = address === '::' || address === '0.0.0.0';
  const base = `http://${everywhere ? 'localhost' : address.includes(':') ? `[${address}]` : address}:${port}`;
  const lines = [`Listening on ${everywhere ? `every interface, port ${port}` : `${address}, port ${port}`}: ${base}`];
  if (config.pages.demo) lines.push(`Demo: ${base}/demo`);
  if (config.pages.docs) lines.push(`API docs: ${base}/docs (REST) and ${base}/docs/realtime (Socket.IO and WebSocket)`);
  return lines;
}

/** Graceful shutdown: drain (see DrainService), close the modules, exit 0; exit 1 if it takes too long. */
async function shutDown(app: INestApplication, config: AppConfig, signal: string): Promise<void> {
  const logger = new Logger('Shutdown');
  logger.log(`${signal} received: draining`);
  setTimeout(() => {
    logger.error(`shutdown took longer than SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms); exiting anyway`);
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  try {
    const { DrainService } = await import('./signaling/drain.service');
    await app.get(DrainService).drain();
    await app.close();
  } catch (error) {
    logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  }
  logger.log('stopped');
  process.exit(0);
}

bootstrap().catch((error: unknown) => {
  // A configuration error names its variable (no log format is known yet); anything else keeps
  // its stack for the operator, through the configured logger (one JSON line, secrets redacted).
  if (error instanceof ConfigError || error instanceof StartupError) console.error(error.message);
  else new Logger('Server').fatal(error);
  process.exit(1);
});
