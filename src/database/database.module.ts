import { Global, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { StartupError } from '../config/startup-error';
import { DATABASE_DRIVER } from './database.tokens';
import { openDatabaseDriver } from './database-driver';
import { runMigrations } from './run-migrations';
import { PrismaService } from './prisma.service';

@Global()
@Module({
  providers: [
    {
      provide: DATABASE_DRIVER,
      inject: [APP_CONFIG],
      // Migrations run before anything can query, so every start leaves the schema current.
      useFactory: async (config: AppConfig) => {
        const driver = await openDatabaseDriver(config);
        try {
          await runMigrations(driver, new Logger('Migrations'));
        } catch (error) {
          await driver.close();
          throw unreachable(error, config) ?? error;
        }
        return driver;
      },
    },
    PrismaService,
  ],
  exports: [PrismaService],
})
export class DatabaseModule {}

/** Errors of reaching PostgreSQL at all: no such host, nobody listening, refused credentials, no such database. */
const CONNECTION_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', '28P01', '28000', '3D000']);

/** Not reaching DATABASE_URL's server is one line naming the setting (and never its password). */
function unreachable(error: unknown, config: AppConfig): StartupError | undefined {
  const code = (error as { code?: string }).code;
  if (!config.databaseUrl || !code || !CONNECTION_ERRORS.has(code)) return undefined;
  const { hostname, port, pathname } = new URL(config.databaseUrl);
  const server = `${hostname}:${port || 5432}${pathname}`;
  return new StartupError('DATABASE_URL', `cannot connect to PostgreSQL at ${server}: ${(error as Error).message} (${code})`);
}
