import './runtime-flags';
import { INestApplication, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './app.factory';
import { AppConfig, loadConfig } from './config/app-config';
import { DrainService } from './signaling/drain.service';
import { ConfigError } from './config/env-parsers';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen(config.port);
  new Logger('Server').log(`Listening on ${await app.getUrl()}`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutDown(app, config, signal));
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
  if (error instanceof ConfigError) console.error(error.message);
  else new Logger('Server').fatal(error);
  process.exit(1);
});
