import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import { DATABASE_DRIVER } from './database.tokens';
import type { DatabaseDriver } from './database-driver';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(DATABASE_DRIVER) private readonly driver: DatabaseDriver) {
    super({ adapter: driver.adapter });
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.driver.close();
  }
}
