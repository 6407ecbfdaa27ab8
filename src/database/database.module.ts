import { Global, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
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
          throw error;
        }
        return driver;
      },
    },
    PrismaService,
  ],
  exports: [PrismaService],
})
export class DatabaseModule {}
