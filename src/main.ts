import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './app.factory';
import { loadConfig } from './config/app-config';
import { ConfigError } from './config/env-parsers';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen(config.port);
  new Logger('Server').log(`Listening on ${await app.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  // A configuration error names its variable; anything else keeps its stack for the operator.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
