import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { PrismaService } from '../database/prisma.service';

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly prisma: PrismaService) {}

  /** Liveness: the process answers. */
  @Get()
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers too; 503 sends a load balancer elsewhere. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const database = (await this.prisma.isReachable()) ? 'up' : 'down';
    if (database === 'down') response.status(503);
    return { status: database === 'up' ? 'ok' : 'unavailable', database };
  }
}
