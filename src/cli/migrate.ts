// npm run db:migrate (or `node dist/cli/migrate.js`): applies pending migrations and exits.
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/app-config';
import { openDatabaseDriver } from '../database/database-driver';
import { runMigrations } from '../database/run-migrations';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const driver = await openDatabaseDriver(loadConfig(process.env));
  try {
    const report = await runMigrations(driver, new Logger('Migrations'));
    new Logger('Migrations').log(report.applied.length ? `${report.applied.length} applied` : 'Database is up to date');
  } finally {
    await driver.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
