import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { settleBackground, within } from '../common/background';
import { PrismaClient } from '../generated/prisma/client';
import { DATABASE_DRIVER } from './database.tokens';
import type { DatabaseDriver, Statement } from './database-driver';

/** How long closing waits for background work (a call's end, its chat record) before closing the database. */
const BACKGROUND_SETTLE_MS = 3_000;

@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_DRIVER) private readonly driver: DatabaseDriver) {
    super({ adapter: driver.adapter });
  }

  /**
   * Runs a hand-written statement (built with Prisma.sql) directly on the driver's connections:
   * the call core's statements run for every call, and Prisma's layers around a raw statement
   * cost more than the driver's. Errors are the driver's own (see rawQueryViolation).
   */
  rows<Row>(statement: Statement): Promise<Row[]> {
    return this.driver.rows<Row>(statement);
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Last of the shutdown hooks: timers and connections stop first (onModuleDestroy, and Nest
   * closes the sockets), then what their closing started (a call's end, its chat record) finishes
   * while the database is still open.
   */
  async onApplicationShutdown(): Promise<void> {
    // Work that hangs (on a database that stopped answering) must not keep the database from closing cleanly.
    if (!(await within(BACKGROUND_SETTLE_MS, settleBackground())))
      new Logger('Database').warn(`background work still running after ${BACKGROUND_SETTLE_MS} ms; closing the database anyway`);
    await this.$disconnect();
    await this.driver.close();
  }
}
