import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { corsOrigin } from './common/cors';
import { createValidationPipe } from './common/validation';
import { setUpOpenApi } from './docs/openapi';
import type { AppConfig } from './config/app-config';
import { createLogger } from './observability/app-logger';
import { SocketIoAdapter } from './realtime/socket-io.adapter';

/** Builds the application exactly as production runs it; tests call this too. */
export async function createApp(config: AppConfig, options: { logger?: LogLevel[] | false } = {}) {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // LOG_FORMAT / LOG_LEVEL, unless the caller (a test) names its levels; secrets are redacted either way.
    logger: createLogger(config.observability, options.logger),
    bufferLogs: false,
    // Throw start-up errors to the caller (main.ts prints them) instead of exiting inside Nest.
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // req.ip (rate limits per IP) reads X-Forwarded-For only through the proxies the operator named.
  app.set('trust proxy', config.limits.trustProxyHops);
  app.enableCors({ origin: corsOrigin(config), credentials: true });
  app.useGlobalPipes(createValidationPipe());
  app.useWebSocketAdapter(new SocketIoAdapter(app, config));
  if (config.pages.docs) setUpOpenApi(app);
  if (config.nodeEnv === 'production' && !config.databaseUrl) {
    new Logger('Config').warn(
      'NODE_ENV=production on the embedded database (DATABASE_URL is not set): one instance only, data under DATA_DIR. Set DATABASE_URL to use PostgreSQL.',
    );
  }
  if (config.jwt.usesDevelopmentSecret) {
    new Logger('Config').warn(
      'JWT_SECRET is not set: tokens are signed with a public development secret. Set JWT_SECRET before exposing this server.',
    );
  }
  return app;
}
