import type { LoggerService } from '@nestjs/common';
import type { DatabaseDriver } from './database-driver';
import { migrate, readLocalMigrations } from './migrator';

export async function runMigrations(driver: DatabaseDriver, logger: LoggerService) {
  const session = await driver.openSession();
  try {
    const report = await migrate(session, await readLocalMigrations());
    for (const name of report.applied) logger.log(`Applied migration ${name}`);
    for (const name of report.edited) {
      logger.warn(`Migration ${name} was changed after it was applied; the database keeps the old version`);
    }
    return report;
  } finally {
    await session.close();
  }
}
