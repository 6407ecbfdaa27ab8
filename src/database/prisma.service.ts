import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { settleBackground, within } from '../common/background';
import { SharedLookup } from '../common/shared-lookup';
import { PrismaClient } from '../generated/prisma/client';
import { DATABASE_DRIVER } from './database.tokens';
import type { DatabaseDriver, Statement } from './database-driver';

/** A database slower than this to answer `SELECT 1` is not ready. */
const READY_CHECK_MS = 2_000;

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

  /**
   * Whether the database answers, within READY_CHECK_MS. One check serves every asker for a
   * second: readiness is public, and a flood of it must not become a flood of statements.
   */
  isReachable(): Promise<boolean> {
    return this.reachability.get();
  }

  private readonly reachability = new SharedLookup(1_000, async () => {
    const answered = this.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    return (await within(READY_CHECK_MS, answered)) && answered;
  });

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
